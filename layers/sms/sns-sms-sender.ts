import {
  CheckIfPhoneNumberIsOptedOutCommand,
  type MessageAttributeValue,
  OptInPhoneNumberCommand,
  PublishCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import {
  checkE164,
  checkSmsMessage,
  type OptInResult,
  type SmsErrorCode,
  type SmsMessage,
  SmsSendError,
  type SmsSender,
  type SmsSendResult,
} from './sms-sender';

/**
 * The SMS port over Amazon SNS: `Publish` straight to a phone number (no topic), Transactional, with the
 * deployment's registered sender ID and a maximum price; `CheckIfPhoneNumberIsOptedOut`;
 * `OptInPhoneNumber`. The same code talks to the local SMS service (infra/local/sms), only the endpoint
 * differs.
 *
 * SNS accepts a Publish to an opted-out number and reports "Phone number is opted out" in its delivery
 * log; callers ask `isOptedOut` first. Its errors are sorted by name and HTTP status, and their messages
 * dropped (SNS writes "Invalid parameter: PhoneNumber Reason: +44... is not valid to publish to").
 *
 * Never give the SNSClient a `logger`: the SDK logs each command's input, and only the phone number is
 * marked sensitive there: the message (with the link and the code) would be logged in full.
 */

export interface SnsClientOptions {
  region: string;
  /** The local SMS service's URL; unset in AWS. */
  endpoint?: string;
  /** Only for the local service, which needs a signed request's shape but checks no signature. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** One client per container, at module scope; short timeouts so a hung call fails into a retry. */
export function createSnsClient(options: SnsClientOptions): SNSClient {
  return new SNSClient({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 2000, requestTimeout: 5000 },
  });
}

/** Attributes only: ids, codes, never a number or text. */
export interface SmsLogger {
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
}

const RETRYABLE_NAMES = new Set([
  'Throttled',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'KMSThrottling',
  'KMSThrottlingException',
  'InternalError',
  'InternalErrorException',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

interface SdkLikeError {
  name?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

/** Sorts whatever the SDK threw into our error, keeping only its name. */
export function classifySnsError(error: unknown): SmsSendError {
  if (error instanceof SmsSendError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkLikeError;
  const name = typeof e.name === 'string' ? e.name : undefined;
  const status = e.$metadata?.httpStatusCode;
  const make = (code: SmsErrorCode, kind: 'retryable' | 'permanent') => new SmsSendError(code, kind, name);

  if (name && /thrott|toomanyrequests/iu.test(name)) return make('throttled', 'retryable');
  if (status === 429) return make('throttled', 'retryable');
  if (
    name === 'TimeoutError' ||
    name === 'AbortError' ||
    name === 'RequestTimeout' ||
    name === 'RequestTimeoutException'
  ) {
    return make('timeout', 'retryable');
  }
  if ((e.code && NETWORK_CODES.has(e.code)) || (name && NETWORK_CODES.has(name)))
    return make('timeout', 'retryable');
  if (
    (name && RETRYABLE_NAMES.has(name)) ||
    e.$fault === 'server' ||
    (status !== undefined && status >= 500)
  ) {
    return make('provider-unavailable', 'retryable');
  }

  switch (name) {
    case 'OptedOut':
    case 'OptedOutException':
      return make('opted-out', 'permanent');
    case 'InvalidParameter':
    case 'InvalidParameterException':
    case 'InvalidParameterValue':
    case 'InvalidParameterValueException':
    case 'ParameterValueInvalid':
    case 'ValidationException':
    case 'ValidationError':
      // Read, never passed on: SNS names the parameter, and quotes the number when it is the phone number.
      return make(
        /phone ?number/iu.test(e.message ?? '') ? 'invalid-number' : 'invalid-request',
        'permanent',
      );
    case 'AuthorizationError':
    case 'AuthorizationErrorException':
    case 'MissingAuthenticationToken':
    case 'AccessDenied':
    case 'AccessDeniedException':
    case 'InvalidClientTokenId':
    case 'UnrecognizedClientException':
    case 'ExpiredToken':
    case 'ExpiredTokenException':
    case 'InvalidSecurity':
    case 'InvalidSecurityException':
    case 'KMSAccessDenied':
    case 'KMSAccessDeniedException':
    case 'KMSDisabled':
    case 'KMSDisabledException':
    case 'KMSInvalidState':
    case 'KMSInvalidStateException':
    case 'KMSNotFound':
    case 'KMSNotFoundException':
    case 'KMSOptInRequired':
      return make('not-authorised', 'permanent');
  }
  if (e.$fault === 'client' || (status !== undefined && status >= 400))
    return make('invalid-request', 'permanent');
  // Not an answer from SNS at all (a bug, or something we did not foresee): let the queue try again, and
  // its dead-letter queue catch it if it keeps happening.
  return make('unknown', 'retryable');
}

function attribute(value: string, dataType: 'String' | 'Number' = 'String'): MessageAttributeValue {
  return { DataType: dataType, StringValue: value };
}

/** SNS reads MaxPrice as a decimal string; no exponent, at most 5 decimal places. */
function price(usd: number): string {
  return String(Number(usd.toFixed(5)));
}

export class SnsSmsSender implements SmsSender {
  constructor(
    private readonly client: SNSClient,
    private readonly log?: SmsLogger,
  ) {}

  async send(message: SmsMessage): Promise<SmsSendResult> {
    checkSmsMessage(message);
    const attributes: Record<string, MessageAttributeValue> = {
      'AWS.SNS.SMS.SMSType': attribute('Transactional'),
      'AWS.SNS.SMS.MaxPrice': attribute(price(message.maxPriceUsd), 'Number'),
      ...(message.senderId ? { 'AWS.SNS.SMS.SenderID': attribute(message.senderId) } : {}),
    };
    let messageId: string | undefined;
    try {
      const output = await this.client.send(
        new PublishCommand({ PhoneNumber: message.to, Message: message.text, MessageAttributes: attributes }),
      );
      messageId = output.MessageId;
    } catch (error) {
      const classified = classifySnsError(error);
      this.log?.warn('sms publish failed', {
        idempotencyRef: message.idempotencyRef,
        code: classified.code,
        kind: classified.kind,
        providerCode: classified.providerCode,
      });
      throw classified;
    }
    if (!messageId) throw new SmsSendError('unknown', 'retryable', 'NoMessageId');
    this.log?.info('sms published', { idempotencyRef: message.idempotencyRef, providerMessageId: messageId });
    return { providerMessageId: messageId };
  }

  async isOptedOut(e164: string): Promise<boolean> {
    checkE164(e164);
    try {
      const output = await this.client.send(new CheckIfPhoneNumberIsOptedOutCommand({ phoneNumber: e164 }));
      return output.isOptedOut === true;
    } catch (error) {
      throw classifySnsError(error);
    }
  }

  async optIn(e164: string): Promise<OptInResult> {
    checkE164(e164);
    try {
      await this.client.send(new OptInPhoneNumberCommand({ phoneNumber: e164 }));
      return { status: 'opted-in' };
    } catch (error) {
      const classified = classifySnsError(error);
      // SNS refuses a second opt-in within 30 days (and any opt-in of a number it does not hold as opted
      // out) as an invalid parameter: an answer for the member of staff, not a fault.
      if (classified.code === 'invalid-request' || classified.code === 'invalid-number') {
        return {
          status: 'refused',
          reason:
            'The text message service would not opt this number back in: it allows that once every 30 days. Try again later.',
        };
      }
      throw classified;
    }
  }
}
