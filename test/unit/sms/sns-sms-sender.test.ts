import {
  AuthorizationErrorException,
  CheckIfPhoneNumberIsOptedOutCommand,
  InternalErrorException,
  InvalidParameterException,
  KMSThrottlingException,
  OptedOutException,
  OptInPhoneNumberCommand,
  PublishCommand,
  SNSClient,
  type SNSServiceException,
  ThrottledException,
  ValidationException,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { failureReasonFor, type SmsMessage, SmsSendError } from '../../../layers/sms/sms-sender';
import { classifySnsError, createSnsClient, SnsSmsSender } from '../../../layers/sms/sns-sms-sender';

const sns = mockClient(SNSClient);
const NUMBER = '+447700900123';
const TEXT =
  'Riverside Surgery (demo) has invited you to a video consultation.\nJoin: https://x.example/j/abc\nYour code: 123456';
const message: SmsMessage = {
  to: NUMBER,
  text: TEXT,
  senderId: 'Riverside',
  maxPriceUsd: 0.1,
  idempotencyRef: 'inv-01J9Z',
};

const logged: unknown[][] = [];
const log = {
  info: (...args: unknown[]) => logged.push(args),
  warn: (...args: unknown[]) => logged.push(args),
};
const consoleCalls: unknown[][] = [];

beforeEach(() => {
  sns.reset();
  logged.length = 0;
  consoleCalls.length = 0;
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      consoleCalls.push(args);
    });
  }
});
afterEach(() => vi.restoreAllMocks());

/** Nothing we or the SDK printed holds the number, the code or the link. */
function expectNothingSensitiveLogged() {
  const printed = JSON.stringify([logged, consoleCalls]);
  expect(printed).not.toContain('7700900123');
  expect(printed).not.toContain('123456');
  expect(printed).not.toContain('x.example');
}

const sender = () => new SnsSmsSender(new SNSClient({ region: 'eu-west-2' }), log);
const serviceError = <T extends SNSServiceException>(
  Type: new (options: { message: string; $metadata: object }) => T,
  text: string,
  status: number,
) => new Type({ message: text, $metadata: { httpStatusCode: status } });

describe('send', () => {
  it('publishes to the phone number, Transactional, with the sender ID and the maximum price', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'sns-msg-1' });
    await expect(sender().send(message)).resolves.toEqual({ providerMessageId: 'sns-msg-1' });
    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      PhoneNumber: '+447700900123',
      Message: TEXT,
      MessageAttributes: {
        'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
        'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: 'Riverside' },
        'AWS.SNS.SMS.MaxPrice': { DataType: 'Number', StringValue: '0.1' },
      },
    });
    expect(logged).toEqual([
      ['sms published', { idempotencyRef: 'inv-01J9Z', providerMessageId: 'sns-msg-1' }],
    ]);
    expectNothingSensitiveLogged();
  });

  it('leaves the sender ID out when there is none (the account default applies)', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    await sender().send({ ...message, senderId: undefined, maxPriceUsd: 0.123456789 });
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.MessageAttributes).toEqual({
      'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
      'AWS.SNS.SMS.MaxPrice': { DataType: 'Number', StringValue: '0.12346' },
    });
  });

  it.each([
    ['a number that is not E.164', { to: '07700900123' }, 'invalid-number'],
    ['an empty text', { text: '  ' }, 'invalid-request'],
    ['a sender ID that is too long', { senderId: 'RiversideSurgery' }, 'invalid-request'],
    ['a sender ID with no letter', { senderId: '12345' }, 'invalid-request'],
    ['a sender ID with a space', { senderId: 'River side' }, 'invalid-request'],
    ['no price limit', { maxPriceUsd: 0 }, 'invalid-request'],
    ['a silly price limit', { maxPriceUsd: 500 }, 'invalid-request'],
    ['a reference with spaces', { idempotencyRef: 'inv 1' }, 'invalid-request'],
  ])('refuses %s before calling SNS', async (_what, change, code) => {
    await expect(sender().send({ ...message, ...change })).rejects.toMatchObject({ code, kind: 'permanent' });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it.each([
    ['Throttled', () => serviceError(ThrottledException, 'Rate exceeded', 429), 'throttled', 'retryable'],
    [
      'KMS throttling',
      () => serviceError(KMSThrottlingException, 'slow down', 400),
      'throttled',
      'retryable',
    ],
    [
      'InternalError',
      () => serviceError(InternalErrorException, 'oops', 500),
      'provider-unavailable',
      'retryable',
    ],
    [
      'a bare 503',
      () =>
        Object.assign(new Error('Service Unavailable'), {
          name: 'Unknown',
          $metadata: { httpStatusCode: 503 },
        }),
      'provider-unavailable',
      'retryable',
    ],
    [
      'a timeout',
      () => Object.assign(new Error('timed out'), { name: 'TimeoutError' }),
      'timeout',
      'retryable',
    ],
    [
      'a reset connection',
      () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      'timeout',
      'retryable',
    ],
    [
      'InvalidParameter on the phone number',
      () =>
        serviceError(
          InvalidParameterException,
          'Invalid parameter: PhoneNumber Reason: +447700900123 is not valid to publish to',
          400,
        ),
      'invalid-number',
      'permanent',
    ],
    [
      'InvalidParameter on something else',
      () => serviceError(InvalidParameterException, 'Invalid parameter: MessageAttributes', 400),
      'invalid-request',
      'permanent',
    ],
    ['OptedOut', () => serviceError(OptedOutException, 'opted out', 400), 'opted-out', 'permanent'],
    [
      'AuthorizationError',
      () => serviceError(AuthorizationErrorException, 'not allowed', 403),
      'not-authorised',
      'permanent',
    ],
    [
      'ValidationException',
      () => new ValidationException({ message: 'bad', Message: 'bad', $metadata: { httpStatusCode: 400 } }),
      'invalid-request',
      'permanent',
    ],
    ['something that is not an AWS error', () => new TypeError('x is undefined'), 'unknown', 'retryable'],
  ])('sorts %s as %s (%s), without SNS’s message', async (_what, makeError, code, kind) => {
    sns.on(PublishCommand).rejects(makeError());
    const error = await sender()
      .send(message)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmsSendError);
    expect(error).toMatchObject({ code, kind });
    expect((error as Error).message).not.toContain('7700');
    expect(JSON.stringify(error)).not.toContain('7700');
    expect((error as Error).cause).toBeUndefined();
    expect(logged[0]).toEqual([
      'sms publish failed',
      expect.objectContaining({ idempotencyRef: 'inv-01J9Z', code, kind }),
    ]);
    expectNothingSensitiveLogged();
  });

  it('treats a Publish answer without a message id as retryable', async () => {
    sns.on(PublishCommand).resolves({});
    await expect(sender().send(message)).rejects.toMatchObject({ code: 'unknown', kind: 'retryable' });
  });
});

describe('opt-out list', () => {
  it('asks SNS whether the number is opted out', async () => {
    sns.on(CheckIfPhoneNumberIsOptedOutCommand).resolves({ isOptedOut: true });
    await expect(sender().isOptedOut(NUMBER)).resolves.toBe(true);
    expect(sns.commandCalls(CheckIfPhoneNumberIsOptedOutCommand)[0]?.args[0].input).toEqual({
      phoneNumber: NUMBER,
    });
    sns.on(CheckIfPhoneNumberIsOptedOutCommand).resolves({});
    await expect(sender().isOptedOut(NUMBER)).resolves.toBe(false);
    expectNothingSensitiveLogged();
  });

  it('passes throttling on as retryable, and refuses a number that is not E.164 unasked', async () => {
    sns
      .on(CheckIfPhoneNumberIsOptedOutCommand)
      .rejects(serviceError(ThrottledException, 'Rate exceeded', 429));
    await expect(sender().isOptedOut(NUMBER)).rejects.toMatchObject({ code: 'throttled', kind: 'retryable' });
    await expect(sender().isOptedOut('07700 900123')).rejects.toMatchObject({ code: 'invalid-number' });
    expect(sns.commandCalls(CheckIfPhoneNumberIsOptedOutCommand)).toHaveLength(1);
  });

  it('opts a number back in', async () => {
    sns.on(OptInPhoneNumberCommand).resolves({});
    await expect(sender().optIn(NUMBER)).resolves.toEqual({ status: 'opted-in' });
    expect(sns.commandCalls(OptInPhoneNumberCommand)[0]?.args[0].input).toEqual({ phoneNumber: NUMBER });
  });

  it('answers a refused opt-in (once per 30 days) as a refusal, not an error', async () => {
    sns
      .on(OptInPhoneNumberCommand)
      .rejects(serviceError(InvalidParameterException, 'Invalid parameter: phoneNumber', 400));
    await expect(sender().optIn(NUMBER)).resolves.toEqual({
      status: 'refused',
      reason: expect.stringMatching(/once every 30 days/u),
    });
    sns.on(OptInPhoneNumberCommand).rejects(serviceError(ThrottledException, 'Rate exceeded', 429));
    await expect(sender().optIn(NUMBER)).rejects.toMatchObject({ code: 'throttled' });
  });
});

describe('helpers', () => {
  it('maps permanent send errors to the delivery status reason', () => {
    expect(failureReasonFor(new SmsSendError('invalid-number', 'permanent'))).toBe('invalid-number');
    expect(failureReasonFor(new SmsSendError('opted-out', 'permanent'))).toBe('opted-out');
    expect(failureReasonFor(new SmsSendError('invalid-request', 'permanent'))).toBe('message-rejected');
    expect(failureReasonFor(new SmsSendError('not-authorised', 'permanent'))).toBe('provider-error');
  });

  it('keeps an SmsSendError as it is', () => {
    const error = new SmsSendError('throttled', 'retryable');
    expect(classifySnsError(error)).toBe(error);
    expect(error.retryable).toBe(true);
  });

  it('makes a client with short timeouts, three attempts and no logger', async () => {
    const client = createSnsClient({ region: 'eu-west-2', endpoint: 'http://127.0.0.1:9' });
    expect(await client.config.maxAttempts()).toBe(3);
    expect(await client.config.region()).toBe('eu-west-2');
    // The SDK's default logger does nothing; a console logger would print every Publish's message.
    expect(client.config.logger).not.toBe(console);
  });
});
