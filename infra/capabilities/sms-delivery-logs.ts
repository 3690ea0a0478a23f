import { Aws, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Effect, ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { CfnPermission, EventInvokeConfig } from 'aws-cdk-lib/aws-lambda';
import { type CfnLogGroup, CfnSubscriptionFilter, LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { acknowledge } from '../constructs/acknowledge';
import { LogEncryptionKey } from '../constructs/log-encryption-key';
import { deliveryLogChannel } from '../local/sms/delivery-log-channel';
import { defineCapability } from './capability';
import { acknowledgeCustomResourcePolicy, acknowledgeCustomResourceProvider, smsStageSettings } from './sms';

/**
 * SNS's SMS delivery-status records. SNS writes one per message, once delivery status logging is on for the
 * account (`SetSMSAttributes`: the IAM role SNS writes with, 100% success sampling), into the log groups
 * `sns/<region>/<account>/DirectPublishToPhoneNumber` and `.../Failure`. They hold the destination number,
 * so this stack makes them itself, before SNS would: encrypted under a key of their own, kept 7 days (the
 * receipts are read as they arrive; a week is for an operator to look into a problem), and subscribed to the
 * function this capability triggers. Locally the SMS service hands the same records, in the same
 * subscription-event shape, to the same function.
 */
export const DELIVERY_LOG_GROUPS = [
  'DirectPublishToPhoneNumber',
  'DirectPublishToPhoneNumber/Failure',
] as const;

export const capability = defineCapability({
  id: 'sms-delivery-logs',
  summary: 'SNS SMS delivery-status records (CloudWatch Logs subscriptions; the local SMS service locally)',

  aws(stage) {
    const settings = smsStageSettings(stage.config.stage, stage.context);
    const key = new LogEncryptionKey(stage.scope, 'SmsDeliveryLogKey').key;
    const groups = DELIVERY_LOG_GROUPS.map(
      (name, index) =>
        new LogGroup(stage.scope, index === 0 ? 'SmsDeliveryLogs' : 'SmsDeliveryFailureLogs', {
          logGroupName: `sns/${Aws.REGION}/${Aws.ACCOUNT_ID}/${name}`,
          encryptionKey: key,
          retention: RetentionDays.ONE_WEEK,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
    );

    if (settings.smsAccountSettings) {
      // The role SNS writes the records with: into these two log groups only.
      const role = new Role(stage.scope, 'SmsDeliveryStatusRole', {
        assumedBy: new ServicePrincipal('sns.amazonaws.com', {
          conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
        }),
        description: 'SNS writes SMS delivery-status records into the two log groups made for them',
      });
      const writeLogs = new ManagedPolicy(stage.scope, 'SmsDeliveryStatusPolicy', {
        roles: [role],
        statements: [
          new PolicyStatement({
            effect: Effect.ALLOW,
            // Not PutRetentionPolicy or PutMetricFilter, which AWS's example policy has: the retention is ours.
            actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
            resources: groups.flatMap((group) => [group.logGroupArn, `${group.logGroupArn}:*`]),
          }),
        ],
      });
      const stack = Stack.of(stage.scope);
      acknowledge(
        writeLogs,
        groups.map(
          (group) =>
            `AwsSolutions-IAM5[Resource::<${stack.resolve(stack.getLogicalId(group.node.defaultChild as CfnLogGroup))}.Arn>:*]`,
        ),
        'Log streams are created by SNS under the two named log groups at run time: the `:*` suffix covers ' +
          'their streams only.',
      );
      const logging = new AwsCustomResource(stage.scope, 'SmsDeliveryStatusLogging', {
        installLatestAwsSdk: false,
        onUpdate: {
          service: 'SNS',
          action: 'SetSMSAttributes',
          parameters: {
            attributes: { DeliveryStatusIAMRole: role.roleArn, DeliveryStatusSuccessSamplingRate: '100' },
          },
          physicalResourceId: PhysicalResourceId.of(`sns-sms-delivery-status-${Aws.REGION}`),
        },
        onDelete: {
          service: 'SNS',
          action: 'SetSMSAttributes',
          parameters: { attributes: { DeliveryStatusSuccessSamplingRate: '0' } },
        },
        policy: AwsCustomResourcePolicy.fromStatements([
          new PolicyStatement({
            effect: Effect.ALLOW,
            actions: ['sns:SetSMSAttributes'],
            resources: ['*'],
          }),
          new PolicyStatement({
            effect: Effect.ALLOW,
            actions: ['iam:PassRole'],
            resources: [role.roleArn],
          }),
        ]),
      });
      // The log groups exist before SNS is told to write.
      for (const group of groups) logging.node.addDependency(group);
      logging.node.addDependency(writeLogs);
      acknowledgeCustomResourcePolicy(logging, true);
      acknowledgeCustomResourceProvider(stage.scope);
    }

    return {
      use: () => ({}),
      invocation: () => ({
        deadLetterQueue:
          'Invoked asynchronously by CloudWatch Logs subscriptions; Lambda retries a failed batch twice (every ' +
          'receipt is idempotent), then sends it to its on-failure destination, the SmsReceiptFailures queue, ' +
          'alarmed. A receipt that is lost all the same leaves its text "sent", and the sweep makes it ' +
          '"unknown" after 72 hours, as for a receipt SNS never writes.',
        concurrency:
          'One invocation per batch of delivery records, and at most one record per text sent; the sender ' +
          'bounds how many texts go out.',
      }),
      trigger(user, { fn, permissions }) {
        // Without the L2 subscription's helpers: the function's role stays immutable, and the permission is
        // the function's resource policy, for these two log groups only.
        groups.forEach((group, index) => {
          const permission = new CfnPermission(stage.scope, `${user.id}FromSmsLogs${index}`, {
            action: 'lambda:InvokeFunction',
            functionName: fn.functionArn,
            principal: `logs.${Aws.REGION}.amazonaws.com`,
            sourceArn: `${group.logGroupArn}:*`,
            sourceAccount: Aws.ACCOUNT_ID,
          });
          const filter = new CfnSubscriptionFilter(stage.scope, `${user.id}SmsLogs${index}`, {
            logGroupName: group.logGroupName,
            destinationArn: fn.functionArn,
            filterPattern: '',
          });
          filter.addDependency(permission);
        });
        // Two retries within the hour, then the failed batch is kept for an operator (with an alarm).
        const failuresKey = new Key(stage.scope, 'SmsReceiptFailuresKey', {
          description: 'Encrypts delivery-status batches that could not be applied (they hold phone numbers)',
          enableKeyRotation: true,
          removalPolicy: RemovalPolicy.DESTROY,
        });
        const failures = new Queue(stage.scope, 'SmsReceiptFailures', {
          encryption: QueueEncryption.KMS,
          encryptionMasterKey: failuresKey,
          enforceSSL: true,
          retentionPeriod: Duration.days(4),
        });
        acknowledge(
          failures,
          ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy'],
          'This queue is the on-failure destination of the delivery-status function: it needs no dead-letter ' +
            'queue of its own.',
        );
        permissions.addStatements(
          new PolicyStatement({
            sid: 'KeepFailedReceipts',
            effect: Effect.ALLOW,
            actions: ['sqs:SendMessage'],
            resources: [failures.queueArn],
          }),
          new PolicyStatement({
            sid: 'ReceiptFailuresKey',
            effect: Effect.ALLOW,
            actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
            resources: [failuresKey.keyArn],
            conditions: { StringEquals: { 'kms:ViaService': `sqs.${stage.config.region}.amazonaws.com` } },
          }),
        );
        const asyncConfig = new EventInvokeConfig(stage.scope, `${user.id}AsyncInvoke`, {
          function: fn,
          retryAttempts: 2,
          maxEventAge: Duration.hours(1),
          onFailure: { bind: () => ({ destination: failures.queueArn }) },
        });
        asyncConfig.node.addDependency(permissions);
        stage.addOperatorAlarm(
          new Alarm(stage.scope, 'SmsReceiptFailuresAlarm', {
            alarmDescription:
              'SMS delivery receipts that could not be applied after retries are in the SmsReceiptFailures ' +
              'queue: see the delivery-status function’s logs by request id.',
            metric: failures.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
            threshold: 1,
            evaluationPeriods: 1,
            comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treatMissingData: TreatMissingData.NOT_BREACHING,
          }),
        );
      },
    };
  },

  async local(stage) {
    const channel = deliveryLogChannel(stage.origin);
    return {
      environment: {},
      trigger(_user, invoke) {
        channel.subscribe((event) => invoke(event));
      },
      close: async () => channel.close(),
    };
  },
});
