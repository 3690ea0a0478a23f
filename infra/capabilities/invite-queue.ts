import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { EventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { EventFunctionDefinition } from '../../layers/functions/event-function';
import { acknowledge } from '../constructs/acknowledge';
import { createLocalQueue, type LocalQueue } from '../local/queue/local-queue';
import { type Binding, type CapabilityUser, defineCapability } from './capability';

/** Receives of one message before it moves to the dead-letter queue (SQS's redrive `maxReceiveCount`). */
export const INVITE_QUEUE_MAX_RECEIVES = 10;
/** The consumer's timeout is 30 s; AWS advises a visibility timeout of six times it for event sources. */
const VISIBILITY_TIMEOUT_SECONDS = 180;

function isConsumer(user: CapabilityUser): boolean {
  return (user as Partial<EventFunctionDefinition>).trigger?.capability === 'invite-queue';
}

function consumerOptions(user: EventFunctionDefinition) {
  const options = user.trigger.options ?? {};
  const batchSize = Number(options.batchSize ?? 10);
  const maxConcurrency = Number(options.maxConcurrency ?? 5);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10) {
    throw new Error(`${user.id}: options.batchSize must be 1 to 10.`);
  }
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 2 || maxConcurrency > 1000) {
    throw new Error(`${user.id}: options.maxConcurrency must be 2 to 1000 (SQS event sources' bounds).`);
  }
  return { batchSize, maxConcurrency };
}

/**
 * The invite send queue: Amazon SQS in AWS (a KMS key of its own, a dead-letter queue after
 * `INVITE_QUEUE_MAX_RECEIVES` receives, an operator alarm on anything there), and a local queue with the same
 * API and event shapes on a laptop (infra/local/queue). Functions that `use` it may send to it; the function it
 * triggers consumes it with partial batch failures and backs off by visibility timeout.
 */
export const capability = defineCapability({
  id: 'invite-queue',
  summary: 'The invitation send queue (Amazon SQS with a dead-letter queue; a local queue locally)',
  clients: ['SQS'],

  aws(stage) {
    const key = new Key(stage.scope, 'InviteQueueKey', {
      description: 'Encrypts the invitation send queue and its dead-letter queue',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const deadLetters = new Queue(stage.scope, 'InviteDeadLetterQueue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      // An operator has days to look; the texts in it stop working when their invitations expire anyway.
      retentionPeriod: Duration.days(4),
    });
    acknowledge(
      deadLetters,
      ['Serverless-SQSRedrivePolicy'],
      'This is the dead-letter queue of the invitation send queue; it has none of its own.',
    );
    const queue = new Queue(stage.scope, 'InviteQueue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: key,
      // SQS caches the data key for 5 minutes: one KMS call per 5 minutes per producer, not per message.
      dataKeyReuse: Duration.minutes(5),
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(VISIBILITY_TIMEOUT_SECONDS),
      // An invitation not sent within hours is no use to a clinician waiting for the patient.
      retentionPeriod: Duration.hours(6),
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: INVITE_QUEUE_MAX_RECEIVES },
    });
    const alarm = new Alarm(stage.scope, 'InviteDeadLettersAlarm', {
      alarmDescription:
        'Invitation texts that could not be sent after every retry are in the dead-letter queue: SNS ' +
        'throttling or failing, a spend limit reached, or a bug. Each one’s invitation shows a technical ' +
        'failure to the clinician already.',
      metric: deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    stage.addOperatorAlarm(alarm);

    return {
      use(user): Binding {
        if (isConsumer(user)) {
          return {
            environment: {
              INVITE_QUEUE_URL: queue.queueUrl,
              INVITE_QUEUE_MAX_RECEIVES: String(INVITE_QUEUE_MAX_RECEIVES),
            },
            // Receiving and deleting come with the trigger; backing off one message is the function's own.
            statements: [
              new PolicyStatement({
                sid: 'BackOffInviteMessages',
                effect: Effect.ALLOW,
                actions: ['sqs:ChangeMessageVisibility'],
                resources: [queue.queueArn],
              }),
            ],
          };
        }
        return {
          environment: { INVITE_QUEUE_URL: queue.queueUrl },
          statements: [
            new PolicyStatement({
              sid: 'QueueInviteTexts',
              effect: Effect.ALLOW,
              actions: ['sqs:SendMessage'],
              resources: [queue.queueArn],
            }),
            new PolicyStatement({
              sid: 'InviteQueueKey',
              effect: Effect.ALLOW,
              actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
              resources: [key.keyArn],
              conditions: { StringEquals: { 'kms:ViaService': `sqs.${stage.config.region}.amazonaws.com` } },
            }),
          ],
        };
      },
      invocation: (user) => ({
        deadLetterQueue:
          'Invoked by an SQS event source mapping, synchronously: a message whose send fails returns to the ' +
          `queue (backing off by its visibility timeout) and moves to the queue's own dead-letter queue after ` +
          `${INVITE_QUEUE_MAX_RECEIVES} receives, with an alarm. A Lambda dead-letter queue only receives ` +
          'failed asynchronous invocations.',
        concurrency:
          `The event source mapping's maximum concurrency (${consumerOptions(user).maxConcurrency}) bounds it, ` +
          'without reserving account concurrency.',
      }),
      trigger(user, { fn, permissions }) {
        const { batchSize, maxConcurrency } = consumerOptions(user);
        permissions.addStatements(
          new PolicyStatement({
            sid: 'ConsumeInviteQueue',
            effect: Effect.ALLOW,
            actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
            resources: [queue.queueArn],
          }),
          new PolicyStatement({
            sid: 'ReadInviteQueue',
            effect: Effect.ALLOW,
            actions: ['kms:Decrypt'],
            resources: [key.keyArn],
            conditions: { StringEquals: { 'kms:ViaService': `sqs.${stage.config.region}.amazonaws.com` } },
          }),
        );
        const mapping = new EventSourceMapping(stage.scope, `${user.id}InviteQueue`, {
          target: fn,
          eventSourceArn: queue.queueArn,
          batchSize,
          reportBatchItemFailures: true,
          maxConcurrency,
        });
        // Lambda checks the function's role may receive before it creates the mapping.
        mapping.node.addDependency(permissions);
        acknowledge(
          mapping,
          ['Serverless-LambdaEventSourceMappingDestination'],
          'An SQS event source keeps a failed message on its queue, whose redrive policy moves it to the ' +
            'invitation dead-letter queue (alarmed) after its last receive; on-failure destinations are for ' +
            'stream and Kafka sources.',
        );
      },
    };
  },

  async local(stage) {
    const endpoint = `${stage.origin}/local/sqs`;
    const queue: LocalQueue = createLocalQueue({
      name: 'clinic-connect-local-invites',
      endpoint,
      visibilityTimeoutSeconds: Number(
        stage.env.LOCAL_QUEUE_VISIBILITY_SECONDS ?? VISIBILITY_TIMEOUT_SECONDS,
      ),
      maxReceives: INVITE_QUEUE_MAX_RECEIVES,
    });
    const stop = queue.close.bind(queue);
    return Object.assign(queue, {
      environment: {
        INVITE_QUEUE_URL: queue.url,
        SQS_ENDPOINT: endpoint,
        INVITE_QUEUE_MAX_RECEIVES: String(INVITE_QUEUE_MAX_RECEIVES),
      },
      mounts: [{ prefix: '/local/sqs' as const, handle: queue.handle }],
      trigger(user: EventFunctionDefinition, invoke: (event: unknown) => Promise<unknown>) {
        queue.consume(consumerOptions(user), (event) => invoke(event));
      },
      close: async () => stop(),
    });
  },
});
