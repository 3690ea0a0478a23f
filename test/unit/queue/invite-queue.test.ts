import { createHash } from 'node:crypto';
import { ChangeMessageVisibilityCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  backoffSeconds,
  consumeBatch,
  type InviteSendMessage,
  SqsInviteQueue,
} from '../../../layers/queue/invite-queue';

const sqs = mockClient(SQSClient);
const QUEUE = 'https://sqs.eu-west-2.amazonaws.com/123456789012/invites';
const message: InviteSendMessage = {
  v: 1,
  practiceId: 'y99999',
  inviteId: '0190b6a4-7c1e-7a3b-9c2d-4e5f60718293',
  sendId: '5b1f0c7e-2d4a-4b8e-9f3c-1a2b3c4d5e6f',
  sms: 'AYADeEncryptedSdkMessage==',
};
const md5 = (text: string) => createHash('md5').update(text).digest('hex');

beforeEach(() => sqs.reset());

describe('SqsInviteQueue', () => {
  it('sends the message as JSON with the invite id as an attribute, and nothing else', async () => {
    sqs
      .on(SendMessageCommand)
      .callsFake((input) => ({ MessageId: 'm-1', MD5OfMessageBody: md5(input.MessageBody) }));
    const queue = new SqsInviteQueue(new SQSClient({ region: 'eu-west-2' }), QUEUE);
    expect(await queue.enqueue(message)).toEqual({ messageId: 'm-1' });
    const [call] = sqs.commandCalls(SendMessageCommand);
    expect(call?.args[0].input).toEqual({
      QueueUrl: QUEUE,
      MessageBody: JSON.stringify(message),
      MessageAttributes: { inviteId: { DataType: 'String', StringValue: message.inviteId } },
    });
  });

  it('refuses a message that is not an invite send, before SQS is asked', async () => {
    const queue = new SqsInviteQueue(new SQSClient({ region: 'eu-west-2' }), QUEUE);
    await expect(queue.enqueue({ ...message, inviteId: 'x' })).rejects.toThrow();
    await expect(queue.enqueue({ ...message, mobile: '+447700900123' } as never)).rejects.toThrow();
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it('fails when SQS acknowledges another body', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1', MD5OfMessageBody: md5('something else') });
    const queue = new SqsInviteQueue(new SQSClient({ region: 'eu-west-2', md5: false }), QUEUE);
    await expect(queue.enqueue(message)).rejects.toThrow('SQS acknowledged a different message body.');
  });
});

function record(messageId: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `handle-${messageId}`,
    body: '{}',
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 's',
      ApproximateFirstReceiveTimestamp: '0',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-2:123456789012:invites',
    awsRegion: 'eu-west-2',
  };
}

describe('consumeBatch', () => {
  it('reports only the messages to retry, each with its own delay, and a handler that throws', async () => {
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    const errors: string[] = [];
    const event: SQSEvent = { Records: ['a', 'b', 'c', 'd'].map(record) };
    const response = await consumeBatch(event, {
      client: new SQSClient({ region: 'eu-west-2' }),
      queueUrl: QUEUE,
      onError: (r) => errors.push(r.messageId),
      handle: async (r) => {
        if (r.messageId === 'b') return { outcome: 'retry', delaySeconds: 45.4 };
        if (r.messageId === 'c') throw new Error('boom');
        if (r.messageId === 'd') return { outcome: 'retry', delaySeconds: 99_999 };
        return { outcome: 'done' };
      },
    });
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['b', 'c', 'd']);
    expect(errors).toEqual(['c']);
    const delays = sqs.commandCalls(ChangeMessageVisibilityCommand).map((call) => call.args[0].input);
    expect(delays).toEqual(
      expect.arrayContaining([
        { QueueUrl: QUEUE, ReceiptHandle: 'handle-b', VisibilityTimeout: 45 },
        // At most SQS's 12 hours.
        { QueueUrl: QUEUE, ReceiptHandle: 'handle-d', VisibilityTimeout: 43_200 },
      ]),
    );
    expect(delays).toHaveLength(2);
  });

  it('still retries a message whose delay could not be set', async () => {
    sqs.on(ChangeMessageVisibilityCommand).rejects(new Error('throttled'));
    const errors: string[] = [];
    const response = await consumeBatch(
      { Records: [record('a')] },
      {
        client: new SQSClient({ region: 'eu-west-2' }),
        queueUrl: QUEUE,
        onError: (r) => errors.push(r.messageId),
        handle: async () => ({ outcome: 'retry', delaySeconds: 10 }),
      },
    );
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'a' }] });
    expect(errors).toEqual(['a']);
  });
});

describe('backoffSeconds', () => {
  it('doubles from the base with jitter in the upper half, capped at 15 minutes', () => {
    expect(backoffSeconds(1, 30, () => 0)).toBe(15);
    expect(backoffSeconds(1, 30, () => 1)).toBe(30);
    expect(backoffSeconds(3, 30, () => 1)).toBe(120);
    expect(backoffSeconds(20, 30, () => 1)).toBe(900);
    expect(backoffSeconds(20, 30, () => 0)).toBe(450);
    expect(backoffSeconds(5, 0)).toBe(0);
  });
});
