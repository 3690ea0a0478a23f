import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CheckIfPhoneNumberIsOptedOutCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { CloudWatchLogsEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createLocalSmsService,
  LOCAL_SMS_NUMBERS,
  type SmsServer,
  startSmsServer,
} from '../../../infra/local/sms/sms-server';
import { parseDeliveryLogEvent } from '../../../layers/sms/delivery-log-record';
import { createSnsClient, SnsSmsSender } from '../../../layers/sms/sns-sms-sender';
import { buildInviteMessage } from '../../../layers/universal/invite-message';

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const received: CloudWatchLogsEvent[] = [];
let server: SmsServer;
let sender: SnsSmsSender;
/** Every request the SDK sent, as the server saw it: method, path, content type, body. */
const wire: Array<{
  method: string;
  path: string;
  contentType: string;
  authorization: boolean;
  body: string;
}> = [];

beforeAll(async () => {
  server = await startSmsServer({
    deliveryDelayMs: 0,
    retryDelayMs: 0,
    onDeliveryLog: (event) => {
      received.push(event);
    },
  });
  sender = new SnsSmsSender(createSnsClient({ region: 'eu-west-2', endpoint: server.url, credentials }));
});
afterAll(() => server.stop());
afterEach(async () => {
  await server.idle();
  received.length = 0;
});

const text = buildInviteMessage({
  practiceName: 'Riverside Surgery (demo)',
  link: 'http://127.0.0.1:3000/j/AbCdEfGhIjKlMnOpQrStUv',
  code: '123456',
});
const send = (to: string, extra: Partial<Parameters<SnsSmsSender['send']>[0]> = {}) =>
  sender.send({ to, text, senderId: 'Riverside', maxPriceUsd: 0.1, idempotencyRef: 'inv-1', ...extra });

async function receiptsFor(messageId: string) {
  await server.idle();
  return received
    .flatMap((event) => parseDeliveryLogEvent(event).receipts)
    .filter(({ receipt }) => receipt.providerMessageId === messageId);
}

describe('the real SNSClient against the local SMS service', () => {
  it('publishes: the phone gets the exact text, and a SUCCESS record comes back in CloudWatch Logs shape', async () => {
    const { providerMessageId } = await send('+447700900123');
    expect(providerMessageId).toMatch(/^[0-9a-f-]{36}$/u);

    const [message] = server.messages().filter((m) => m.to === '+447700900123');
    expect(message).toMatchObject({
      messageId: providerMessageId,
      text,
      senderId: 'Riverside',
      smsType: 'Transactional',
      maxPriceUsd: 0.1,
      parts: 1,
    });

    const receipts = await receiptsFor(providerMessageId);
    expect(receipts).toHaveLength(1);
    const [{ receipt, destination }] = receipts as [(typeof receipts)[number]];
    expect(receipt).toMatchObject({
      status: 'SUCCESS',
      event: { state: 'delivered' },
      providerResponse: 'Message has been accepted by phone carrier',
      smsType: 'Transactional',
      parts: 1,
    });
    expect(destination.reveal()).toBe('+447700900123');
    const logs = received.map((event) => parseDeliveryLogEvent(event).logGroup);
    expect(logs).toContain('sns/eu-west-2/123456789012/DirectPublishToPhoneNumber');
    expect(server.messages().find((m) => m.messageId === providerMessageId)?.delivery.state).toBe(
      'delivered',
    );
  });

  it('is reached with the AWS Query protocol the SDK sends, signed', async () => {
    const spy = await startSpy(server);
    try {
      const client = new SNSClient({ region: 'eu-west-2', endpoint: spy.url, credentials });
      await client.send(new PublishCommand({ PhoneNumber: '+447700900123', Message: 'Hello' }));
      await client.send(new CheckIfPhoneNumberIsOptedOutCommand({ phoneNumber: '+447700900123' }));
    } finally {
      await spy.stop();
    }
    expect(wire).toHaveLength(2);
    for (const request of wire) {
      expect(request).toMatchObject({
        method: 'POST',
        path: '/',
        contentType: 'application/x-www-form-urlencoded',
        authorization: true,
      });
    }
    expect(Object.fromEntries(new URLSearchParams(wire[0]?.body))).toEqual({
      Action: 'Publish',
      Version: '2010-03-31',
      PhoneNumber: '+447700900123',
      Message: 'Hello',
    });
    expect(Object.fromEntries(new URLSearchParams(wire[1]?.body))).toEqual({
      Action: 'CheckIfPhoneNumberIsOptedOut',
      Version: '2010-03-31',
      phoneNumber: '+447700900123',
    });
  });

  it('reads the message attributes the adapter sends, as SNS names them', async () => {
    const spy = await startSpy(server);
    try {
      const viaSpy = new SnsSmsSender(
        createSnsClient({ region: 'eu-west-2', endpoint: spy.url, credentials }),
      );
      await viaSpy.send({
        to: '+447700900124',
        text,
        senderId: 'Riverside',
        maxPriceUsd: 0.25,
        idempotencyRef: 'inv-2',
      });
    } finally {
      await spy.stop();
    }
    const form = Object.fromEntries(new URLSearchParams(wire.at(-1)?.body));
    const entries = Object.entries(form).filter(([key]) => key.startsWith('MessageAttributes.'));
    const byName = new Map<string, Record<string, string>>();
    for (const [key, value] of entries) {
      const [, index, field] = /^MessageAttributes\.entry\.(\d+)\.(.+)$/u.exec(key) ?? [];
      byName.set(index as string, { ...byName.get(index as string), [field as string]: value });
    }
    expect([...byName.values()].sort((a, b) => (String(a.Name) < String(b.Name) ? -1 : 1))).toEqual([
      { Name: 'AWS.SNS.SMS.MaxPrice', 'Value.DataType': 'Number', 'Value.StringValue': '0.25' },
      { Name: 'AWS.SNS.SMS.SMSType', 'Value.DataType': 'String', 'Value.StringValue': 'Transactional' },
      { Name: 'AWS.SNS.SMS.SenderID', 'Value.DataType': 'String', 'Value.StringValue': 'Riverside' },
    ]);
  });

  it('refuses an unsigned request, as AWS does', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'Action=Publish&Version=2010-03-31&PhoneNumber=%2B447700900123&Message=hi',
    });
    expect(response.status).toBe(403);
    const xml = await response.text();
    expect(xml).toContain('<Code>MissingAuthenticationToken</Code>');
    expect(xml).toContain('<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">');
  });

  it('answers errors the SDK reads as SNS exceptions, and the adapter keeps the number out of them', async () => {
    const error = await send('+447700900010').catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'SmsSendError',
      code: 'invalid-number',
      kind: 'permanent',
      providerCode: 'InvalidParameterException',
    });
    expect(String((error as Error).message)).not.toContain('7700');

    // The raw SDK sees what SNS would say, number and all.
    const raw = new SNSClient({ region: 'eu-west-2', endpoint: server.url, credentials });
    const sdkError = await raw
      .send(new PublishCommand({ PhoneNumber: '07700900123', Message: 'x' }))
      .catch((e: unknown) => e);
    expect(sdkError).toMatchObject({ name: 'InvalidParameterException', $metadata: { httpStatusCode: 400 } });
    expect((sdkError as Error).message).toBe(
      'Invalid parameter: PhoneNumber Reason: 07700900123 is not valid to publish to',
    );
  });

  it('throttles on request, and the SDK retries it through', async () => {
    server.failNext('Throttled', 1);
    await expect(send('+447700900125')).resolves.toMatchObject({ providerMessageId: expect.any(String) });
    server.failNext('Throttled', 3);
    await expect(send('+447700900125')).rejects.toMatchObject({ code: 'throttled', kind: 'retryable' });
    server.failNext('InternalError', 3);
    await expect(send('+447700900125')).rejects.toMatchObject({
      code: 'provider-unavailable',
      kind: 'retryable',
    });
  });
});

describe('the failure numbers', () => {
  it.each([
    ['+447700900001', 'SUCCESS', { state: 'delivered' }],
    ['+447700900002', 'FAILURE', { state: 'failed', kind: 'permanent', reason: 'invalid-number' }],
    ['+447700900003', 'FAILURE', { state: 'failed', kind: 'temporary', reason: 'phone-unreachable' }],
    ['+447700900004', 'FAILURE', { state: 'failed', kind: 'technical', reason: 'message-rejected' }],
    ['+447700900005', 'FAILURE', { state: 'failed', kind: 'permanent', reason: 'opted-out' }],
    ['+447700900006', 'FAILURE', { state: 'failed', kind: 'permanent', reason: 'carrier-blocked' }],
    ['+447700900007', 'FAILURE', { state: 'failed', kind: 'temporary', reason: 'unreachable' }],
    ['+447700900008', 'FAILURE', { state: 'failed', kind: 'temporary', reason: 'carrier-unreachable' }],
  ])('%s gives a %s record that maps to %o', async (number, status, event) => {
    const { providerMessageId } = await send(number);
    const receipts = await receiptsFor(providerMessageId);
    expect(receipts).toHaveLength(1);
    expect(receipts[0]?.receipt).toMatchObject({ status, event });
    const group = parseDeliveryLogEvent(received.at(-1)).logGroup;
    expect(group.endsWith('/Failure')).toBe(status === 'FAILURE');
  });

  it('+447700900009 never gets a receipt', async () => {
    const { providerMessageId } = await send('+447700900009');
    expect(await receiptsFor(providerMessageId)).toEqual([]);
    expect(server.messages().find((m) => m.messageId === providerMessageId)?.delivery.state).toBe(
      'no-receipt',
    );
  });

  it('fails a message that would cost more than its MaxPrice, as SNS does', async () => {
    const { providerMessageId } = await send('+447700900126', { maxPriceUsd: 0.01 });
    const [entry] = await receiptsFor(providerMessageId);
    expect(entry?.receipt).toMatchObject({
      providerResponse: 'This delivery would exceed max price',
      event: { reason: 'price-limit' },
    });
  });

  it('documents every outcome for the phone page', () => {
    expect(Object.keys(LOCAL_SMS_NUMBERS)).toHaveLength(10);
  });
});

describe('the opt-out list', () => {
  it('answers CheckIfPhoneNumberIsOptedOut, accepts Publish to an opted-out number and fails it in the log', async () => {
    await expect(sender.isOptedOut('+447700900131')).resolves.toBe(false);
    server.optOut('+447700900131');
    await expect(sender.isOptedOut('+447700900131')).resolves.toBe(true);
    await expect(sender.isOptedOut('+447700900005')).resolves.toBe(true);

    const { providerMessageId } = await send('+447700900131');
    const [entry] = await receiptsFor(providerMessageId);
    expect(entry?.receipt).toMatchObject({
      status: 'FAILURE',
      providerResponse: 'Phone number is opted out',
    });
    expect(
      server.messages().filter((m) => m.to === '+447700900131' && m.delivery.state === 'delivered'),
    ).toEqual([]);
  });

  it('opts a number back in once, and refuses a second opt-in within 30 days', async () => {
    server.optOut('+447700900132');
    await expect(sender.optIn('+447700900132')).resolves.toEqual({ status: 'opted-in' });
    await expect(sender.isOptedOut('+447700900132')).resolves.toBe(false);
    server.optOut('+447700900132');
    await expect(sender.optIn('+447700900132')).resolves.toMatchObject({ status: 'refused' });
    await expect(sender.isOptedOut('+447700900132')).resolves.toBe(true);
  });
});

describe('handing records over', () => {
  it('retries a callback that throws, as Lambda retries an asynchronous invocation, then gives up', async () => {
    let calls = 0;
    const flaky = await startSmsServer({
      deliveryDelayMs: 0,
      retryDelayMs: 0,
      onDeliveryLog: () => {
        calls++;
        if (calls < 3) throw new Error('handler crashed');
      },
    });
    try {
      const viaFlaky = new SnsSmsSender(
        createSnsClient({ region: 'eu-west-2', endpoint: flaky.url, credentials }),
      );
      await viaFlaky.send({ to: '+447700900141', text: 'hi', maxPriceUsd: 0.1, idempotencyRef: 'r' });
      await flaky.idle();
      expect(calls).toBe(3);
    } finally {
      await flaky.stop();
    }
  });

  it('waits the configured delay before "delivering"', async () => {
    const slow = await startSmsServer({ deliveryDelayMs: 150 });
    try {
      const viaSlow = new SnsSmsSender(
        createSnsClient({ region: 'eu-west-2', endpoint: slow.url, credentials }),
      );
      const started = Date.now();
      await viaSlow.send({ to: '+447700900142', text: 'hi', maxPriceUsd: 0.1, idempotencyRef: 'r' });
      expect(slow.messages()[0]?.delivery.state).toBe('pending');
      await slow.idle();
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(slow.messages()[0]?.delivery.state).toBe('delivered');
    } finally {
      await slow.stop();
    }
  });
});

describe('mounted on another origin, as the local stack will', () => {
  it('serves the SNS API at its path and the phone pages beside it, and leaves other paths alone', async () => {
    const service = createLocalSmsService({ snsPath: '/local/sns', deliveryDelayMs: 0 });
    const host: Server = createServer((req, res) => {
      void service.handle(req, res).then((handled) => {
        if (!handled) res.writeHead(418).end('not the SMS service');
      });
    });
    await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
    try {
      const mounted = new SnsSmsSender(
        createSnsClient({ region: 'eu-west-2', endpoint: `${origin}/local/sns`, credentials }),
      );
      await mounted.send({ to: '+447700900151', text: 'hi', maxPriceUsd: 0.1, idempotencyRef: 'r' });
      await service.idle();
      const json = (await (await fetch(`${origin}/local/phone/messages`)).json()) as { messages: unknown[] };
      expect(json.messages).toHaveLength(1);
      expect((await fetch(`${origin}/somewhere-else`)).status).toBe(418);
    } finally {
      service.close();
      await new Promise((resolve) => host.close(resolve));
    }
  });
});

/** A proxy in front of the server that records what the SDK really sends. */
async function startSpy(target: SmsServer) {
  const spy = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    wire.push({
      method: req.method ?? '',
      path: req.url ?? '',
      contentType: String(req.headers['content-type'] ?? '').split(';')[0] ?? '',
      authorization:
        typeof req.headers.authorization === 'string' &&
        req.headers.authorization.startsWith('AWS4-HMAC-SHA256'),
      body,
    });
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      if (typeof value === 'string' && key !== 'host' && key !== 'content-length') headers[key] = value;
    }
    const answer = await fetch(`${target.url}${req.url ?? '/'}`, {
      method: req.method ?? 'POST',
      headers,
      body,
    });
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/xml' });
    res.end(await answer.text());
  });
  wire.length = 0;
  await new Promise<void>((resolve) => spy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(spy.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => spy.close(() => resolve())),
  };
}
