import { Aws, type CfnElement, Lazy, Stack } from 'aws-cdk-lib';
import { ArnPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { StageTables } from '../stacks/data-stack';
import { acknowledge } from './acknowledge';
import { AppFunction, type StageFunctionSettings, stageSettingsOf } from './app-function';
import { PracticeDataRole } from './practice-data-role';
import { practiceKeyResources } from './practice-key-resources';
import {
  assumePracticeDataRoleStatement,
  practiceKeyStatement,
  practiceSessionStatements,
} from './table-access';

/** What offboarding does inside the practice it takes off: read everything, delete everything, decrypt. */
export const OFFBOARDING_SESSION_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:DeleteItem'];

export interface OffboardingFunctionProps extends StageFunctionSettings {
  region: string;
  tables: StageTables;
  tableKey: IKey;
  exportBucket: IBucket;
  exportKey: IKey;
}

/**
 * The operator's offboarding in AWS (functions/platform/offboard-practice.handler.ts): invoked directly, never
 * through the API. It reads, decrypts and deletes the practice's data through a practice data role of its own
 * (scoped to that practice, like every function's, and the only one in the app that may delete practice
 * items or read a whole partition of every table), writes the export to the export bucket and schedules the
 * practice key's deletion.
 */
export class OffboardingFunction extends AppFunction {
  readonly practiceDataRole: PracticeDataRole;

  constructor(scope: Construct, id: string, props: OffboardingFunctionProps) {
    const practiceKeys = practiceKeyResources(props.stage);
    let dataRole: PracticeDataRole | undefined;
    const dataRoleArn = Lazy.string({ produce: () => (dataRole as PracticeDataRole).roleArn });
    super(scope, id, {
      ...stageSettingsOf(props),
      description: 'Operator: offboard a practice (export, crypto-shred, delete)',
      entry: 'functions/platform/offboard-practice.handler.ts',
      handler: 'handler',
      memoryMb: 512,
      timeoutSeconds: 900,
      environment: {
        TABLE_DIRECTORY: props.tables.directory.tableName,
        TABLE_RECORDS: props.tables.records.tableName,
        TABLE_AUDIT: props.tables.audit.tableName,
        EXPORT_BUCKET: props.exportBucket.bucketName,
        PRACTICE_DATA_ROLE_ARN: dataRoleArn,
      },
      statements: [
        assumePracticeDataRoleStatement(dataRoleArn),
        // Its own record (PLATFORM: read, put) and the staff's membership pointers (USER#: read, delete),
        // with its own role.
        new PolicyStatement({
          sid: 'OffboardingRecords',
          effect: Effect.ALLOW,
          actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
          resources: [props.tables.directory.tableArn],
          conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['PLATFORM'] } },
        }),
        new PolicyStatement({
          sid: 'RemoveMemberships',
          effect: Effect.ALLOW,
          actions: ['dynamodb:GetItem', 'dynamodb:DeleteItem'],
          resources: [props.tables.directory.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['USER#*'] } },
        }),
        new PolicyStatement({
          sid: 'TableKeyViaDynamoDB',
          effect: Effect.ALLOW,
          actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
          resources: [props.tableKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Aws.REGION}.amazonaws.com` } },
        }),
        new PolicyStatement({
          sid: 'ReleaseOdsCodeClaim',
          effect: Effect.ALLOW,
          actions: ['dynamodb:GetItem', 'dynamodb:DeleteItem'],
          resources: [props.tables.directory.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['ODS#*'] } },
        }),
        new PolicyStatement({
          sid: 'ShredPracticeKeys',
          effect: Effect.ALLOW,
          actions: ['kms:DescribeKey', 'kms:ScheduleKeyDeletion', 'kms:DeleteAlias'],
          resources: [practiceKeys.keys],
          conditions: { StringEquals: practiceKeys.ownKeysCondition },
        }),
        new PolicyStatement({
          sid: 'PracticeKeyAliases',
          effect: Effect.ALLOW,
          actions: ['kms:DescribeKey', 'kms:DeleteAlias'],
          resources: [practiceKeys.aliases],
        }),
        new PolicyStatement({
          sid: 'WriteExports',
          effect: Effect.ALLOW,
          actions: ['s3:PutObject', 's3:GetObject'],
          resources: [props.exportBucket.arnForObjects('exports/*')],
        }),
        new PolicyStatement({
          sid: 'ExportKey',
          effect: Effect.ALLOW,
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [props.exportKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${Aws.REGION}.amazonaws.com` } },
        }),
      ],
      invocation: {
        deadLetterQueue:
          'Invoked synchronously by an operator (aws lambda invoke), who sees the result or the error at once.',
        concurrency:
          'Operators invoke it by hand, rarely; only principals granted lambda:InvokeFunction on it can, so ' +
          'there is no traffic to bound.',
      },
    });
    dataRole = new PracticeDataRole(this, 'PracticeData', {
      stage: props.stage,
      region: props.region,
      owner: 'offboardPractice',
      description: 'Offboarding of one practice per session: read, decrypt and delete its data',
      trustedBy: new ArnPrincipal(this.role.roleArn),
      statements: [
        ...practiceSessionStatements(
          {
            directory: OFFBOARDING_SESSION_ACTIONS,
            records: OFFBOARDING_SESSION_ACTIONS,
            audit: OFFBOARDING_SESSION_ACTIONS,
          },
          props.tables,
          props.tableKey,
        ),
        practiceKeyStatement({ app: 'clinic-connect', stage: props.stage }, ['kms:Decrypt']),
      ],
    });
    this.practiceDataRole = dataRole;
    acknowledge(
      this.permissions,
      [
        ...practiceKeys.nagFindings,
        `AwsSolutions-IAM5[Resource::<${bucketLogicalId(props.exportBucket)}.Arn>/exports/*]`,
      ],
      'Practice keys are created at run time, one per practice, so no key ARN exists at synth: deletion is ' +
        'limited to keys tagged for this app and stage, and aliases under this stage’s practice prefix. ' +
        'Exports are one new object per offboarding under exports/ in the export bucket.',
    );
  }
}

/** How cdk-nag names the bucket in its findings: by its CloudFormation logical id. */
function bucketLogicalId(bucket: IBucket): string {
  const stack = Stack.of(bucket);
  return stack.resolve(stack.getLogicalId(bucket.node.defaultChild as CfnElement)) as string;
}
