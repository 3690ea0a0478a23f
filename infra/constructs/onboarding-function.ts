import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { StageTables } from '../stacks/data-stack';
import { acknowledge } from './acknowledge';
import { AppFunction, type StageFunctionSettings, stageSettingsOf } from './app-function';
import { practiceKeyResources } from './practice-key-resources';
import { tableAccessStatements } from './table-access';

export interface OnboardingFunctionProps extends StageFunctionSettings {
  tables: StageTables;
  tableKey: IKey;
  staffEmailDomains: readonly string[];
  /** Named in each new practice key's policy as the only role that may use the key (with its context). */
  practiceDataRoleArn: string;
}

/**
 * The operator's onboarding in AWS (functions/platform/onboard-practice.handler.ts): invoked directly, never through the API.
 * The only principal in the app that may create practice keys, and only keys tagged for this app and stage,
 * with aliases under this stage's practice prefix.
 */
export class OnboardingFunction extends AppFunction {
  constructor(scope: Construct, id: string, props: OnboardingFunctionProps) {
    const stageTag = { 'aws:RequestTag/app': 'clinic-connect', 'aws:RequestTag/stage': props.stage };
    const practiceKeys = practiceKeyResources(props.stage);
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
        PRACTICE_DATA_ROLE_ARN: props.practiceDataRoleArn,
      },
      statements: [
        // ODS claims, practice records, invitations, key records and audit events, in any partition: the
        // operator acts on the platform, not inside one practice's session.
        ...tableAccessStatements(
          {
            directory: { access: 'readwrite', scope: 'any' },
            audit: { access: 'readwrite', scope: 'any' },
          },
          props.tables,
          props.tableKey,
        ),
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
    acknowledge(
      this.permissions,
      ['AwsSolutions-IAM5[Resource::*]', ...practiceKeys.nagFindings],
      'Practice keys are created at run time, one per practice, so no key ARN exists at synth. CreateKey has ' +
        'no resource (KMS requires "*") and is limited by request tags to this app and stage; administration ' +
        'is limited to keys tagged for this app and stage, and aliases under this stage’s practice prefix.',
    );
  }
}
