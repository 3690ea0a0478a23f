import { Aws, type CfnElement, Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { StageTables } from '../stacks/data-stack';
import { acknowledge } from './acknowledge';
import { AppFunction, type StageFunctionSettings, stageSettingsOf } from './app-function';
import { practiceKeyResources } from './practice-key-resources';
import { assumePracticeDataRoleStatement, platformTableAccessStatements } from './table-access';

export interface OffboardingFunctionProps extends StageFunctionSettings {
  tables: StageTables;
  tableKey: IKey;
  /** Practice data (reading, decrypting, deleting) only through this role, as for every route function. */
  practiceDataRoleArn: string;
  exportBucket: IBucket;
  exportKey: IKey;
}

/**
 * The operator's offboarding in AWS (functions/platform/offboard-practice.handler.ts): invoked directly, never
 * through the API. It reads and decrypts the practice's data through the practice data role (scoped to that
 * practice), writes the export to the export bucket, schedules the practice key's deletion and deletes.
 */
export class OffboardingFunction extends AppFunction {
  constructor(scope: Construct, id: string, props: OffboardingFunctionProps) {
    const practiceKeys = practiceKeyResources(props.stage);
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
        PRACTICE_DATA_ROLE_ARN: props.practiceDataRoleArn,
      },
      statements: [
        assumePracticeDataRoleStatement(props.practiceDataRoleArn),
        // Its own record (PLATFORM) and the staff's membership pointers (USER#), with its own role.
        ...platformTableAccessStatements(
          { directory: { access: 'readwrite', scope: 'any' } },
          props.tables,
          props.tableKey,
        ),
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
