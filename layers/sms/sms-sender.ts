import type { FailureReason } from './delivery-status';

/**
 * The SMS port: what the invite sender needs from a provider, and no more, so that the SNS adapter
 * (`Publish`, delivery status through CloudWatch Logs) and an AWS End User Messaging adapter
 * (`SendTextMessage`, a configuration set's events with `Context`) are interchangeable by configuration.
 *
 * - `send` hands one text to the provider and returns its message id, which the provider's delivery
 *   receipts carry. It does not wait for delivery.
 * - `idempotencyRef` (the invite id) identifies the send to the provider where it can use one (End User
 *   Messaging copies `Context` into every event) and to our logs in place of the number. SNS has no
 *   idempotency for SMS, so exactly-once is the caller's: one send per invite, recorded before retrying.
 * - `maxPriceUsd` is for the whole message, all parts (SNS's `AWS.SNS.SMS.MaxPrice`); an adapter whose
 *   provider prices per part divides it.
 * - Failures are `SmsSendError`s, sorted into retryable (throttling, provider faults, timeouts: retry with
 *   backoff) and permanent (the request or the number is wrong, the number opted out, we are not allowed:
 *   retrying cannot help). Their messages are ours, never the provider's: SNS quotes the phone number in
 *   some of its errors.
 */

export interface SmsMessage {
  /** E.164, e.g. +447700900123: a number `phone-number.ts` found textable. */
  to: string;
  text: string;
  /** A registered alphanumeric sender ID, 3–11 of `A-Za-z0-9-_` with at least one letter. */
  senderId?: string;
  /** The most this one message (all its parts) may cost, in US dollars. */
  maxPriceUsd: number;
  /** The invite id: correlation with the provider's receipts and our logs. */
  idempotencyRef: string;
}

export interface SmsSendResult {
  providerMessageId: string;
}

export type OptInResult = { status: 'opted-in' } | { status: 'refused'; reason: string };

export interface SmsSender {
  send(message: SmsMessage): Promise<SmsSendResult>;
  /** Whether the provider's own opt-out list has this number (e.g. a STOP reply to a two-way number). */
  isOptedOut(e164: string): Promise<boolean>;
  /**
   * Takes the number off the provider's opt-out list, on the patient's request. SNS allows this once per
   * number every 30 days; a refusal is an answer, not an error.
   */
  optIn(e164: string): Promise<OptInResult>;
}

export type SmsErrorKind = 'retryable' | 'permanent';

export type SmsErrorCode =
  | 'throttled'
  | 'provider-unavailable'
  | 'timeout'
  | 'invalid-number'
  | 'opted-out'
  | 'invalid-request'
  | 'not-authorised'
  | 'unknown';

const MESSAGES: Readonly<Record<SmsErrorCode, string>> = {
  throttled: 'The SMS provider is throttling our requests.',
  'provider-unavailable': 'The SMS provider had an internal error or is unavailable.',
  timeout: 'The SMS provider did not answer in time, or the connection failed.',
  'invalid-number': 'The SMS provider refused the destination number.',
  'opted-out': 'The destination number has opted out of texts from this account.',
  'invalid-request': 'The SMS provider refused the request as invalid.',
  'not-authorised': 'We are not authorised to send SMS or use the key protecting it.',
  unknown: 'Sending the SMS failed for an unrecognised reason.',
};

export class SmsSendError extends Error {
  override readonly name = 'SmsSendError';

  constructor(
    readonly code: SmsErrorCode,
    readonly kind: SmsErrorKind,
    /** The provider's error name (e.g. `ThrottledException`): safe to log, unlike its message. */
    readonly providerCode?: string,
  ) {
    super(MESSAGES[code]);
  }

  get retryable(): boolean {
    return this.kind === 'retryable';
  }
}

/** The delivery-status reason to record when a send fails permanently. */
export function failureReasonFor(error: SmsSendError): FailureReason {
  if (error.code === 'invalid-number') return 'invalid-number';
  if (error.code === 'opted-out') return 'opted-out';
  if (error.code === 'invalid-request') return 'message-rejected';
  return 'provider-error';
}

const E164 = /^\+[1-9]\d{6,14}$/u;
const SENDER_ID = /^(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{3,11}$/u;
/** SNS splits long texts itself, up to 1,600 characters; ours are at most 2 segments. */
const MAX_TEXT_CHARS = 1600;
const MAX_PRICE_USD = 10;

/** Checks every adapter makes before calling its provider: a bad request is a bug, not a retry. */
export function checkSmsMessage(message: SmsMessage): void {
  const invalid = () => new SmsSendError('invalid-request', 'permanent');
  if (!E164.test(message.to)) throw new SmsSendError('invalid-number', 'permanent');
  if (message.text.trim() === '' || Array.from(message.text).length > MAX_TEXT_CHARS) throw invalid();
  if (message.senderId !== undefined && !SENDER_ID.test(message.senderId)) throw invalid();
  if (
    !Number.isFinite(message.maxPriceUsd) ||
    message.maxPriceUsd <= 0 ||
    message.maxPriceUsd > MAX_PRICE_USD
  ) {
    throw invalid();
  }
  if (!/^[A-Za-z0-9_.:-]{1,128}$/u.test(message.idempotencyRef)) throw invalid();
}

export function checkE164(e164: string): void {
  if (!E164.test(e164)) throw new SmsSendError('invalid-number', 'permanent');
}
