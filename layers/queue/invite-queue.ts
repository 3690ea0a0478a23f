import { createHash } from 'node:crypto';
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from '../validation/z';

/**
 * The invite send queue. A message names the invite and its current send, and carries the SMS itself
 * encrypted under the practice key (`QUEUED_SMS_FIELD`): the link and the code exist nowhere else, not even
 * encrypted in a table. The queue is encrypted too (SQS with a KMS key) and nothing logs a message body.
 */
export const InviteSendMessage = z.strictObject({
  v: z.literal(1),
  practiceId: z.string().check(z.minLength(3), z.maxLength(63)),
  inviteId: z.string().check(z.regex(/^[0-9a-f-]{36}$/u)),
  sendId: z.string().check(z.regex(/^[0-9a-f-]{36}$/u)),
  /** The whole SMS, an Encryption SDK message (base64). */
  sms: z.string().check(z.minLength(1), z.maxLength(200_000)),
});
export type InviteSendMessage = z.infer<typeof InviteSendMessage>;

export interface InviteQueue {
  enqueue(message: InviteSendMessage): Promise<{ messageId: string }>;
}

export const QueueConfig = z.object({
  AWS_REGION: z.string(),
  /** The queue (infra/capabilities/invite-queue.ts); locally under the local origin's `/local/sqs/`. */
  INVITE_QUEUE_URL: z.url(),
  /** Only locally: the local queue's endpoint. In AWS the SDK's regional endpoint is used. */
  SQS_ENDPOINT: z.optional(z.url()),
});
export type QueueConfig = z.infer<typeof QueueConfig>;

/** The consumer's: it must know which receive is its last before the dead-letter queue. */
export const QueueConsumerConfig = z.extend(QueueConfig, {
  INVITE_QUEUE_MAX_RECEIVES: z.pipe(
    z.string().check(z.regex(/^\d{1,3}$/u, 'must be a whole number')),
    z.transform((value: string) => Number(value)),
  ),
});

export function createSqsClient(config: Pick<QueueConfig, 'AWS_REGION' | 'SQS_ENDPOINT'>): SQSClient {
  return new SQSClient({
    region: config.AWS_REGION,
    ...(config.SQS_ENDPOINT ? { endpoint: config.SQS_ENDPOINT } : {}),
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 2000, requestTimeout: 5000 },
  });
}

/** SendMessage to the invite queue. Never given a logger: the SDK would log the message. */
export class SqsInviteQueue implements InviteQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async enqueue(message: InviteSendMessage): Promise<{ messageId: string }> {
    const body = JSON.stringify(InviteSendMessage.parse(message));
    const output = await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: body,
        MessageAttributes: { inviteId: { DataType: 'String', StringValue: message.inviteId } },
      }),
    );
    if (!output.MessageId) throw new Error('SQS returned no message id.');
    if (output.MD5OfMessageBody && output.MD5OfMessageBody !== createHash('md5').update(body).digest('hex')) {
      throw new Error('SQS acknowledged a different message body.');
    }
    return { messageId: output.MessageId };
  }
}

/** What the consumer does with one message: done (deleted), or try again after `delaySeconds`. */
export type MessageOutcome = { outcome: 'done' } | { outcome: 'retry'; delaySeconds: number };

/**
 * Runs `handle` on every record of an SQS batch, side by side, and answers with partial batch failures
 * (`ReportBatchItemFailures`): only the messages to retry come back, each after its own delay, set with
 * ChangeMessageVisibility (SQS's way to back off one message). A message whose handler throws is retried
 * after the queue's visibility timeout. After `maxReceives` SQS moves it to the dead-letter queue.
 */
export async function consumeBatch(
  event: SQSEvent,
  options: {
    handle: (record: SQSRecord) => Promise<MessageOutcome>;
    client: SQSClient;
    queueUrl: string;
    onError: (record: SQSRecord, error: unknown) => void;
  },
): Promise<SQSBatchResponse> {
  const outcomes = await Promise.all(
    event.Records.map(async (record) => {
      try {
        const outcome = await options.handle(record);
        if (outcome.outcome === 'done') return undefined;
        await options.client
          .send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: options.queueUrl,
              ReceiptHandle: record.receiptHandle,
              VisibilityTimeout: Math.max(0, Math.min(43_200, Math.round(outcome.delaySeconds))),
            }),
          )
          // Failing to set the delay only means the queue's own visibility timeout applies.
          .catch((error: unknown) => options.onError(record, error));
        return record.messageId;
      } catch (error) {
        options.onError(record, error);
        return record.messageId;
      }
    }),
  );
  return {
    batchItemFailures: outcomes
      .filter((id): id is string => id !== undefined)
      .map((itemIdentifier) => ({ itemIdentifier })),
  };
}

/** Exponential backoff with full jitter, capped: `base × 2^(attempt-1)`, at most 15 minutes. */
export function backoffSeconds(
  attempt: number,
  baseSeconds: number,
  random: () => number = Math.random,
): number {
  if (baseSeconds <= 0) return 0;
  const ceiling = Math.min(900, baseSeconds * 2 ** Math.max(0, attempt - 1));
  return Math.max(1, Math.round(ceiling / 2 + (ceiling / 2) * random()));
}
