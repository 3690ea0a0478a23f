import { Aws, Lazy } from 'aws-cdk-lib';
import { ArnPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { StageTables } from '../stacks/data-stack';
import { acknowledge } from './acknowledge';
import { AppFunction, type StageFunctionSettings, stageSettingsOf } from './app-function';
import { PracticeDataRole } from './practice-data-role';
import { practiceKeyResources } from './practice-key-resources';
import {
  assumePracticeDataRoleStatement,
  practiceSessionStatements,
  practiceSessionTables,
} from './table-access';

export interface OnboardingFunctionProps extends StageFunctionSettings {
  region: string;
  tables: StageTables;
  tableKey: IKey;
  staffEmailDomains: readonly string[];
}

/**
 * The operator's onboarding in AWS (functions/platform/onboard-practice.handler.ts): invoked directly, never
 * through the API. The only principal in the app that may create practice keys, and only keys tagged for this
 * app and stage, with aliases under this stage's practice prefix. Its own role claims the ODS code (the
 * `ODS#` partition, put only); the new practice's record, invitation, key record and audit events go in
 * through a practice data role of its own, tagged with the new practice's id, which may only add items to
 * that practice's directory and audit partitions (no read, update or delete).
 */
export class OnboardingFunction extends AppFunction {
  readonly practiceDataRole: PracticeDataRole;

  constructor(scope: Construct, id: string, props: OnboardingFunctionProps) {
    const stageTag = { 'aws:RequestTag/app': 'clinic-connect', 'aws:RequestTag/stage': props.stage };
    const practiceKeys = practiceKeyResources(props.stage);
    let dataRole: PracticeDataRole | undefined;
    const dataRoleArn = Lazy.string({ produce: () => (dataRole as PracticeDataRole).roleArn });
    super(scope, id, {
      ...stageSettingsOf(props),
      description: 'Operator: onboard a practice (its key, record and first admin invitation)',
      entry: 'functions/platform/onboard-practice.handler.ts',
      handler: 'handler',
      memoryMb: 256,
      timeoutSeconds: 30,
      environment: {
        TABLE_DIRECTORY: props.tables.directory.tableName,
        TABLE_AUDIT: props.tables.audit.tableName,
        STAFF_EMAIL_DOMAINS: props.staffEmailDomains.join(','),
        PRACTICE_DATA_ROLE_ARN: dataRoleArn,
      },
      statements: [
        // The ODS code claim (`ODS#<code>`, written only if absent): what makes a practice's code unique.
        new PolicyStatement({
          sid: 'ClaimOdsCodes',
          effect: Effect.ALLOW,
          actions: ['dynamodb:PutItem'],
          resources: [props.tables.directory.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['ODS#*'] } },
        }),
        new PolicyStatement({
          sid: 'TableKeyViaDynamoDB',
          effect: Effect.ALLOW,
          actions: ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [props.tableKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Aws.REGION}.amazonaws.com` } },
        }),
        assumePracticeDataRoleStatement(dataRoleArn),
        new PolicyStatement({
          sid: 'CreatePracticeKeys',
          effect: Effect.ALLOW,
          actions: ['kms:CreateKey', 'kms:TagResource'],
          resources: ['*'],
          // Only the three tags a practice key carries; and no ScheduleKeyDeletion anywhere in this role, so
          // tags stamped on another key could not make it deletable from here.
          conditions: {
            StringEquals: stageTag,
            'ForAllValues:StringEquals': { 'aws:TagKeys': ['practiceId', 'app', 'stage'] },
          },
        }),
        new PolicyStatement({
          sid: 'AdministerPracticeKeys',
          effect: Effect.ALLOW,
          actions: ['kms:DescribeKey', 'kms:EnableKeyRotation', 'kms:CreateAlias'],
          resources: [practiceKeys.keys],
          conditions: { StringEquals: practiceKeys.ownKeysCondition },
        }),
        new PolicyStatement({
          sid: 'NamePracticeKeys',
          effect: Effect.ALLOW,
          actions: ['kms:CreateAlias', 'kms:DescribeKey'],
          resources: [practiceKeys.aliases],
        }),
      ],
      invocation: {
        deadLetterQueue:
          'Invoked synchronously by an operator (aws lambda invoke), who sees the result or the error at once.',
        concurrency:
          'Operators invoke it by hand, a few times a month; only principals granted lambda:InvokeFunction on ' +
          'it can, so there is no traffic to bound.',
      },
    });
    dataRole = new PracticeDataRole(this, 'PracticeData', {
      stage: props.stage,
      region: props.region,
      owner: 'onboardPractice',
      description: 'Onboarding of one practice per session: add its record, invitation and audit events',
      trustedBy: new ArnPrincipal(this.role.roleArn),
      statements: practiceSessionStatements(
        practiceSessionTables({ directory: 'append', audit: 'append' }),
        props.tables,
        props.tableKey,
      ),
    });
    this.practiceDataRole = dataRole;
    acknowledge(
      this.permissions,
      ['AwsSolutions-IAM5[Resource::*]', ...practiceKeys.nagFindings],
      'Practice keys are created at run time, one per practice, so no key ARN exists at synth. CreateKey has ' +
        'no resource (KMS requires "*") and is limited by request tags to this app and stage; administration ' +
        'is limited to keys tagged for this app and stage, and aliases under this stage’s practice prefix.',
    );
  }
}
