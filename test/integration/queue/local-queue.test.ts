import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalQueue, type LocalQueue } from '../../../infra/local/queue/local-queue';

/** The local queue, driven by the real SQSClient as the functions drive it: only the endpoint differs. */

let server: Server | undefined;
let queue: LocalQueue | undefined;

afterEach(async () => {
  await queue?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function start(options: { visibilityTimeoutSeconds?: number; maxReceives?: number } = {}) {
  let endpoint = '';
  server = createServer((req, res) => {
    if (!queue) return res.writeHead(503).end();
    void queue.handle(req, res);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/local/sqs`;
  queue = createLocalQueue({
    name: 'test-queue',
    endpoint,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 1,
    maxReceives: options.maxReceives ?? 3,
  });
  const client = new SQSClient({
    region: 'eu-west-2',
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return { client, queue };
}

describe('the local queue', () => {
  it('takes SendMessage from the SDK (which checks the body’s MD5) and delivers SQS events', async () => {
    const { client, queue } = await start();
    const events: SQSEvent[] = [];
    queue.consume({ batchSize: 10, maxConcurrency: 2 }, async (event) => {
      events.push(event);
    });
    const sent = await client.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: '{"hello":"world"}',
        MessageAttributes: { inviteId: { DataType: 'String', StringValue: 'i-1' } },
      }),
    );
    expect(sent.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    await queue.idle(5_000);
    const [record] = events[0]?.Records ?? [];
    expect(record).toMatchObject({
      messageId: sent.MessageId,
      body: '{"hello":"world"}',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-west-2:000000000000:test-queue',
      attributes: { ApproximateReceiveCount: '1' },
      messageAttributes: { inviteId: { dataType: 'String', stringValue: 'i-1' } },
    });
  });

  it('redelivers the failures a batch reports, after the delay set with ChangeMessageVisibility', async () => {
    const { client, queue } = await start({ visibilityTimeoutSeconds: 30 });
    const seen: { id: string; count: string; at: number }[] = [];
    queue.consume({ batchSize: 10, maxConcurrency: 2 }, async (event): Promise<SQSBatchResponse> => {
      const failures = [];
      for (const r of event.Records) {
        seen.push({ id: r.body, count: r.attributes.ApproximateReceiveCount, at: Date.now() });
        if (r.body === 'retry' && r.attributes.ApproximateReceiveCount === '1') {
          await client.send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: queue.url,
              ReceiptHandle: r.receiptHandle,
              VisibilityTimeout: 0,
            }),
          );
          failures.push({ itemIdentifier: r.messageId });
        }
      }
      return { batchItemFailures: failures };
    });
    await client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'ok' }));
    await client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'retry' }));
    await queue.idle(5_000);
    expect(seen.filter((s) => s.id === 'ok').map((s) => s.count)).toEqual(['1']);
    expect(seen.filter((s) => s.id === 'retry').map((s) => s.count)).toEqual(['1', '2']);
  });

  it('redelivers a whole batch after its visibility timeout when the function dies, then dead-letters it', async () => {
    const { client, queue } = await start({ visibilityTimeoutSeconds: 0.2, maxReceives: 3 });
    let calls = 0;
    queue.consume({ batchSize: 10, maxConcurrency: 2 }, async () => {
      calls++;
      throw new Error('the function died');
    });
    await client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'doomed' }));
    await queue.idle(5_000);
    expect(calls).toBe(3);
    expect(queue.deadLetters()).toEqual([expect.objectContaining({ receiveCount: 3 })]);
  });

  it('throws away the outcome of a crashed invocation: its messages come again', async () => {
    const { client, queue } = await start({ visibilityTimeoutSeconds: 0.2 });
    const counts: string[] = [];
    queue.crashNext(1);
    queue.consume({ batchSize: 10, maxConcurrency: 2 }, async (event) => {
      counts.push(...event.Records.map((r) => r.attributes.ApproximateReceiveCount));
    });
    await client.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'once' }));
    await queue.idle(5_000);
    expect(counts).toEqual(['1', '2']);
    expect(queue.deadLetters()).toEqual([]);
  });

  it('answers SQS’s errors for a wrong queue or receipt handle', async () => {
    const { client, queue } = await start();
    await expect(
      client.send(new SendMessageCommand({ QueueUrl: `${queue.url}-other`, MessageBody: 'x' })),
    ).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
    await expect(
      client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queue.url,
          ReceiptHandle: 'nope',
          VisibilityTimeout: 5,
        }),
      ),
    ).rejects.toMatchObject({ name: 'ReceiptHandleIsInvalid' });
  });
});
