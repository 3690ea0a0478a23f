import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/**
 * A local stand-in for one Amazon SQS standard queue and the Lambda event source mapping that drains it, so
 * that the real `SQSClient` (SendMessage, ChangeMessageVisibility) and the real consumer handler run against
 * it with only an endpoint changed:
 *
 * - The AWS JSON 1.0 protocol `@aws-sdk/client-sqs` speaks: `POST` with `X-Amz-Target: AmazonSQS.<Action>`
 *   and `application/x-amz-json-1.0` bodies; errors as `{ "__type": "com.amazonaws.sqs#<Code>", "message" }`
 *   with `x-amzn-query-error`. SendMessage answers with the body's MD5, which the SDK checks.
 * - Delivery as Lambda's SQS event source does it: batches of up to `batchSize` records in the `SQSEvent`
 *   shape (`ApproximateReceiveCount`, `SentTimestamp`, message attributes, `eventSourceARN`), at most
 *   `maxConcurrency` invocations at once; a message is invisible for the visibility timeout while its
 *   invocation runs. With `ReportBatchItemFailures` only the ids in `batchItemFailures` stay; a thrown error
 *   (or a crash) leaves the whole batch to reappear when its visibility timeout ends; ChangeMessageVisibility
 *   sets one message's.
 * - At least once, never exactly once: a message received `maxReceives` times without being deleted moves to
 *   the dead-letter list on its next receive, as SQS's redrive policy does.
 * - `crashNext(n)`: the next n invocations run, and then their outcome is thrown away as if the function had
 *   died before answering (a timeout, a killed runtime): what at-least-once delivery must survive.
 *
 * Nothing is logged about a message but its id.
 */

export interface LocalQueueOptions {
  name: string;
  region?: string;
  accountId?: string;
  /** Seconds a received message stays invisible (the queue's VisibilityTimeout). */
  visibilityTimeoutSeconds: number;
  maxReceives: number;
}

interface StoredMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  messageAttributes: SQSRecord['messageAttributes'];
  sentTimestamp: number;
  firstReceiveTimestamp?: number;
  receiveCount: number;
  visibleAt: number;
  receiptHandle?: string;
}

export interface DeadLetter {
  messageId: string;
  receiveCount: number;
  sentAt: string;
}

export interface ConsumerOptions {
  batchSize: number;
  maxConcurrency: number;
}

class SqsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** SQS's older query-protocol codes, which the SDK reads from `x-amzn-query-error` to name the error. */
const QUERY_ERROR_CODES: Readonly<Record<string, string>> = {
  QueueDoesNotExist: 'AWS.SimpleQueueService.NonExistentQueue',
};

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

export interface LocalQueue {
  url: string;
  arn: string;
  /** Serves the SQS API (mounted at the endpoint's path). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  consume(options: ConsumerOptions, invoke: (event: SQSEvent) => Promise<unknown>): void;
  crashNext(count?: number): void;
  /** Messages waiting or in flight. */
  depth(): number;
  deadLetters(): DeadLetter[];
  /** Resolves when nothing is waiting or in flight (dead letters aside). */
  idle(timeoutMs?: number): Promise<void>;
  /**
   * Stops delivering, then waits (up to `timeoutMs`) for the batches in flight: a stack that closes the
   * queue before the stand-ins its consumer calls (the SMS service) must not cut a send off halfway.
   */
  close(timeoutMs?: number): Promise<void>;
}

export function createLocalQueue(options: LocalQueueOptions & { endpoint: string }): LocalQueue {
  const region = options.region ?? 'eu-west-2';
  const accountId = options.accountId ?? '000000000000';
  const url = `${options.endpoint.replace(/\/$/u, '')}/${accountId}/${options.name}`;
  const arn = `arn:aws:sqs:${region}:${accountId}:${options.name}`;
  const messages = new Map<string, StoredMessage>();
  const dead: DeadLetter[] = [];
  let consumer: { options: ConsumerOptions; invoke: (event: SQSEvent) => Promise<unknown> } | undefined;
  let running = 0;
  let crashes = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  function schedule(): void {
    if (closed || !consumer) return;
    if (timer) clearTimeout(timer);
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const message of messages.values()) next = Math.min(next, message.visibleAt);
    if (next === Number.POSITIVE_INFINITY) return;
    timer = setTimeout(pump, Math.max(0, next - now));
    timer.unref();
  }

  function takeBatch(now: number): StoredMessage[] {
    const batch: StoredMessage[] = [];
    const visible = [...messages.values()]
      .filter((message) => message.visibleAt <= now)
      .sort((a, b) => a.sentTimestamp - b.sentTimestamp);
    for (const message of visible) {
      if (batch.length >= (consumer?.options.batchSize ?? 10)) break;
      if (message.receiveCount >= options.maxReceives) {
        // The redrive policy: received maxReceives times and not deleted, it goes to the dead-letter queue.
        messages.delete(message.messageId);
        dead.push({
          messageId: message.messageId,
          receiveCount: message.receiveCount,
          sentAt: new Date(message.sentTimestamp).toISOString(),
        });
        continue;
      }
      message.receiveCount++;
      message.firstReceiveTimestamp ??= now;
      message.receiptHandle = randomUUID();
      message.visibleAt = now + options.visibilityTimeoutSeconds * 1000;
      batch.push(message);
    }
    return batch;
  }

  function record(message: StoredMessage): SQSRecord {
    return {
      messageId: message.messageId,
      receiptHandle: message.receiptHandle as string,
      body: message.body,
      attributes: {
        ApproximateReceiveCount: String(message.receiveCount),
        SentTimestamp: String(message.sentTimestamp),
        SenderId: `AROA000000000000LOCAL:${options.name}`,
        ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp ?? Date.now()),
      },
      messageAttributes: message.messageAttributes,
      md5OfBody: message.md5OfBody,
      eventSource: 'aws:sqs',
      eventSourceARN: arn,
      awsRegion: region,
    };
  }

  async function run(batch: StoredMessage[]): Promise<void> {
    if (!consumer) return;
    running++;
    const handles = new Map(batch.map((message) => [message.messageId, message.receiptHandle]));
    let response: unknown;
    let failed = false;
    try {
      response = await consumer.invoke({ Records: batch.map(record) });
    } catch {
      failed = true;
    }
    if (crashes > 0) {
      crashes--;
      failed = true;
    }
    running--;
    const failures = new Set<string>();
    if (!failed && response && typeof response === 'object' && 'batchItemFailures' in response) {
      for (const failure of (response as SQSBatchResponse).batchItemFailures ?? []) {
        // An unusable identifier fails the whole batch, as Lambda treats it.
        if (!failure.itemIdentifier || !handles.has(failure.itemIdentifier)) failed = true;
        failures.add(failure.itemIdentifier);
      }
    }
    for (const message of batch) {
      const current = messages.get(message.messageId);
      // Still the receive this invocation had (not received again after its visibility ended).
      if (!current || current.receiptHandle !== handles.get(message.messageId)) continue;
      if (failed || failures.has(message.messageId)) continue; // visible again at its visibleAt
      messages.delete(message.messageId);
    }
    schedule();
    pump();
  }

  function pump(): void {
    if (closed || !consumer) return;
    const now = Date.now();
    while (running < consumer.options.maxConcurrency) {
      const batch = takeBatch(now);
      if (batch.length === 0) break;
      void run(batch);
    }
    schedule();
  }

  function sendMessage(input: Record<string, unknown>): Record<string, unknown> {
    if (input.QueueUrl !== url)
      throw new SqsError(400, 'QueueDoesNotExist', 'The specified queue does not exist.');
    const body = input.MessageBody;
    if (typeof body !== 'string' || body === '') {
      throw new SqsError(400, 'MissingParameter', 'The request must contain the parameter MessageBody.');
    }
    if (Buffer.byteLength(body, 'utf8') > 256 * 1024) {
      throw new SqsError(400, 'InvalidParameterValue', 'One or more parameters are invalid.');
    }
    const delay = typeof input.DelaySeconds === 'number' ? input.DelaySeconds : 0;
    const attributes: SQSRecord['messageAttributes'] = {};
    for (const [name, value] of Object.entries((input.MessageAttributes as Record<string, unknown>) ?? {})) {
      const v = value as { DataType?: string; StringValue?: string };
      attributes[name] = {
        dataType: v.DataType ?? 'String',
        ...(v.StringValue !== undefined ? { stringValue: v.StringValue } : {}),
        stringListValues: [],
        binaryListValues: [],
      };
    }
    const message: StoredMessage = {
      messageId: randomUUID(),
      body,
      md5OfBody: md5(body),
      messageAttributes: attributes,
      sentTimestamp: Date.now(),
      receiveCount: 0,
      visibleAt: Date.now() + delay * 1000,
    };
    messages.set(message.messageId, message);
    setImmediate(pump);
    return { MessageId: message.messageId, MD5OfMessageBody: message.md5OfBody };
  }

  function changeVisibility(input: Record<string, unknown>): Record<string, unknown> {
    if (input.QueueUrl !== url)
      throw new SqsError(400, 'QueueDoesNotExist', 'The specified queue does not exist.');
    const timeout = input.VisibilityTimeout;
    if (typeof timeout !== 'number' || timeout < 0 || timeout > 43_200) {
      throw new SqsError(400, 'InvalidParameterValue', 'VisibilityTimeout must be 0 to 43200 seconds.');
    }
    const message = [...messages.values()].find((m) => m.receiptHandle === input.ReceiptHandle);
    if (!message) throw new SqsError(400, 'ReceiptHandleIsInvalid', 'The receipt handle is not valid.');
    message.visibleAt = Date.now() + timeout * 1000;
    schedule();
    return {};
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = (status: number, body: unknown, error?: string) => {
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-requestid': randomUUID(),
        ...(error ? { 'x-amzn-query-error': `${QUERY_ERROR_CODES[error] ?? error};Sender` } : {}),
      });
      res.end(JSON.stringify(body));
    };
    try {
      if (req.method !== 'POST') throw new SqsError(405, 'InvalidAction', 'The SQS API takes POST requests.');
      if (!req.headers.authorization) {
        throw new SqsError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
      }
      const target = String(req.headers['x-amz-target'] ?? '');
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch {
        throw new SqsError(400, 'InvalidParameterValue', 'The request body is not JSON.');
      }
      switch (target) {
        case 'AmazonSQS.SendMessage':
          return reply(200, sendMessage(input));
        case 'AmazonSQS.ChangeMessageVisibility':
          return reply(200, changeVisibility(input));
        default:
          throw new SqsError(
            400,
            'InvalidAction',
            `The action ${target || '(none)'} is not valid for this local queue.`,
          );
      }
    } catch (error) {
      if (!(error instanceof SqsError)) throw error;
      reply(error.status, { __type: `com.amazonaws.sqs#${error.code}`, message: error.message }, error.code);
    }
  }

  return {
    url,
    arn,
    handle,
    consume(consumerOptions, invoke) {
      if (consumer) throw new Error(`${options.name} already has a consumer.`);
      consumer = { options: consumerOptions, invoke };
      pump();
    },
    crashNext(count = 1) {
      crashes += count;
    },
    depth: () => messages.size,
    deadLetters: () => dead.map((letter) => ({ ...letter })),
    async idle(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.size > 0 || running > 0) {
        if (Date.now() > deadline) throw new Error(`${options.name} did not drain within ${timeoutMs} ms.`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async close(timeoutMs = 10_000) {
      closed = true;
      if (timer) clearTimeout(timer);
      const deadline = Date.now() + timeoutMs;
      while (running > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    },
  };
}
