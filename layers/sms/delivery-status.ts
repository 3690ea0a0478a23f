/**
 * The invite SMS's delivery status, as GOV.UK Notify models a text message:
 *
 *     created → queued → sending → sent → delivered
 *                                      ↘ failed (permanent | temporary | technical)
 *                                      ↘ unknown (no final receipt 72 hours after sending)
 *     created | queued | sending → cancelled | expired (never sent)
 *
 * - created: the invite is written. queued: it is on the send queue. sending: the sender function has
 *   picked it up and is calling the provider. sent: the provider accepted it (we have its message id).
 * - delivered / failed: the provider's receipt. A send the provider refused outright (e.g. an invalid
 *   number) is also `failed`, without ever being `sent`.
 * - unknown: 72 hours after `sent` with no receipt (the provider's own limit).
 * - cancelled / expired: the invite was cancelled or expired before anything was sent.
 *
 * `applyDeliveryEvent` is a join: commutative, associative and idempotent. Events arrive at least once and
 * in any order (the queue redelivers, CloudWatch Logs subscriptions batch and retry), and any order of the
 * same events gives the same status. It is "the most advanced of the states seen", in this order:
 *
 *     created < queued < sending < cancelled, expired < sent < unknown < failed < delivered
 *
 * so a late "sent" after "delivered" keeps delivered, and duplicates change nothing. What that order
 * decides, on purpose:
 *
 * - Final states are final, except that a genuine receipt replaces `unknown` (a carrier may report after
 *   72 hours; the truth is worth more than our guess), and `delivered` replaces `failed` (a receipt that the
 *   phone has the message is proof; a failure receipt for the same message, which SNS should never send,
 *   cannot undo it).
 * - `sent` replaces `cancelled` / `expired`: if the sender raced a cancellation and the provider accepted
 *   the message, the patient has it, and the status must say so. Cancelling an invite after it was sent is
 *   the invite's business (its link stops working); its delivery status still tells what the phone got.
 * - Between two receipts of the same rank the later one wins (two failure receipts: the newest); between
 *   two equal progress states the first time reached is kept; `cancelled` and `expired` keep whichever came
 *   first. Ties on time fall back to a fixed order of kinds and reasons, so the result never depends on the
 *   order of arrival.
 */

export type DeliveryState =
  | 'created'
  | 'queued'
  | 'sending'
  | 'sent'
  | 'delivered'
  | 'failed'
  | 'unknown'
  | 'cancelled'
  | 'expired';

export type FailureKind = 'permanent' | 'temporary' | 'technical';

export type FailureReason =
  | 'invalid-number'
  | 'blocked-number'
  | 'phone-blocks-texts'
  | 'opted-out'
  | 'carrier-blocked'
  | 'phone-unreachable'
  | 'carrier-unreachable'
  | 'unreachable'
  | 'price-limit'
  | 'message-rejected'
  | 'provider-error';

/** A status: where the message is, since when (ISO 8601), and for a failure, why. */
export type DeliveryStatus =
  | { state: Exclude<DeliveryState, 'failed'>; at: string }
  | { state: 'failed'; at: string; kind: FailureKind; reason: FailureReason };

export type DeliveryEvent = DeliveryStatus;

interface FailureDescription {
  kind: FailureKind;
  /** For the clinician: what happened and what to do. */
  sentence: string;
}

/**
 * Permanent: resending the same text to the same number will fail again. Temporary: the phone or network
 * may take it later. Technical: a problem on our side or the provider's; nothing about the patient.
 */
export const FAILURE_REASONS: Readonly<Record<FailureReason, FailureDescription>> = {
  'invalid-number': {
    kind: 'permanent',
    sentence: 'The number is not a working mobile number: check the mobile number with the patient.',
  },
  'blocked-number': {
    kind: 'permanent',
    sentence: 'The mobile network will not deliver texts to this number: contact the patient another way.',
  },
  'phone-blocks-texts': {
    kind: 'permanent',
    sentence: "The patient's phone is not accepting texts: contact the patient another way.",
  },
  'opted-out': {
    kind: 'permanent',
    sentence:
      'This number has opted out of texts from this service: contact the patient another way, or record their opt-in if they ask for texts again.',
  },
  'carrier-blocked': {
    kind: 'permanent',
    sentence:
      "The patient's mobile network blocked the text: contact the patient another way, and tell your practice manager if it happens again.",
  },
  'phone-unreachable': {
    kind: 'temporary',
    sentence: "The patient's phone was switched off or had no signal: try again later, or phone the patient.",
  },
  'carrier-unreachable': {
    kind: 'temporary',
    sentence: "The patient's mobile network did not answer: try again later, or phone the patient.",
  },
  unreachable: {
    kind: 'temporary',
    sentence: 'The number could not be reached: check the mobile number with the patient.',
  },
  'price-limit': {
    kind: 'technical',
    sentence: 'The text was not sent because it would cost more than this service allows: contact support.',
  },
  'message-rejected': {
    kind: 'technical',
    sentence:
      'The text was not accepted because of a problem on our side: try again, and contact support if it happens again.',
  },
  'provider-error': {
    kind: 'technical',
    sentence:
      'The text could not be sent because of a problem with the text message service: try again later.',
  },
};

const STATE_SENTENCES: Readonly<Record<Exclude<DeliveryState, 'failed'>, string>> = {
  created: 'The invitation is being prepared.',
  queued: 'The text is waiting to be sent.',
  sending: 'The text is being sent.',
  sent: 'The text has been sent. Waiting for the mobile network to confirm delivery.',
  delivered: "The text has been delivered to the patient's phone.",
  unknown:
    'The mobile network has not confirmed delivery after 72 hours: the patient may not have the text. Phone them if you need to.',
  cancelled: 'The invitation was cancelled before the text was sent.',
  expired: 'The invitation expired before the text was sent.',
};

/** One sentence for the clinician's timeline. */
export function describeStatus(status: DeliveryStatus): string {
  return status.state === 'failed' ? FAILURE_REASONS[status.reason].sentence : STATE_SENTENCES[status.state];
}

/** A failure event with the kind its reason has. */
export function failure(reason: FailureReason, at: string): DeliveryEvent {
  return { state: 'failed', at, kind: FAILURE_REASONS[reason].kind, reason };
}

export const FINAL_STATES: ReadonlySet<DeliveryState> = new Set([
  'delivered',
  'failed',
  'unknown',
  'cancelled',
  'expired',
]);

const RANK: Readonly<Record<DeliveryState, number>> = {
  created: 0,
  queued: 1,
  sending: 2,
  cancelled: 3,
  expired: 3,
  sent: 4,
  unknown: 5,
  failed: 6,
  delivered: 7,
};

const KIND_ORDER: Readonly<Record<FailureKind, number>> = { technical: 0, temporary: 1, permanent: 2 };

function time(at: string): number {
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) throw new TypeError('A delivery status time must be ISO 8601.');
  return ms;
}

/** Positive when `a` should win over `b`. A total order on statuses, so the join is well defined. */
function compare(a: DeliveryStatus, b: DeliveryStatus): number {
  // Both times are checked whatever the ranks, so a malformed event fails loudly, not only sometimes.
  const ta = time(a.at);
  const tb = time(b.at);
  const byRank = RANK[a.state] - RANK[b.state];
  if (byRank !== 0) return byRank;
  if (a.state === 'failed' && b.state === 'failed') {
    if (ta !== tb) return ta - tb; // the newest receipt
    const byKind = KIND_ORDER[a.kind] - KIND_ORDER[b.kind];
    if (byKind !== 0) return byKind;
    return a.reason < b.reason ? 1 : a.reason > b.reason ? -1 : 0;
  }
  if (ta !== tb) return tb - ta; // the first time reached
  if (a.state !== b.state) return a.state === 'cancelled' ? 1 : -1; // cancelled vs expired at the same moment
  return 0;
}

/** The status after an event: idempotent, and the same whatever order events arrive in. */
export function applyDeliveryEvent(current: DeliveryStatus, event: DeliveryEvent): DeliveryStatus {
  return compare(event, current) > 0 ? event : current;
}

/** Every event applied to the initial status, in any order. */
export function foldDeliveryEvents(initial: DeliveryStatus, events: Iterable<DeliveryEvent>): DeliveryStatus {
  let status = initial;
  for (const event of events) status = applyDeliveryEvent(status, event);
  return status;
}

/** How long a sent message may wait for its receipt before it is `unknown`. */
export const RECEIPT_TIMEOUT_MS = 72 * 60 * 60 * 1000;

/**
 * `unknown` once 72 hours have passed since sending with no final receipt; otherwise the status as it is.
 * The `unknown` status is dated at the deadline, not at `now`, so two sweeps give the same value.
 */
export function statusAfterTimeout(current: DeliveryStatus, sentAt: string, now: Date): DeliveryStatus {
  if (current.state !== 'sent') return current;
  const deadline = time(sentAt) + RECEIPT_TIMEOUT_MS;
  if (now.getTime() < deadline) return current;
  return applyDeliveryEvent(current, { state: 'unknown', at: new Date(deadline).toISOString() });
}

/**
 * An SNS SMS delivery-status record as our event: SUCCESS is `delivered` (SNS writes one record per
 * message, and "accepted by phone carrier" is as far as many networks report; End User Messaging calls the
 * same response DELIVERED), FAILURE is classified by `providerResponse`.
 *
 * The responses are AWS's documented list (the SNS developer guide, "SMS delivery failure reasons"), in
 * both its older ("blacklisted") and newer ("on a blocked list") wording, plus ones seen in the wild
 * ("<number> is opted out"). Unrecognised failures are technical: nothing is said about the patient's phone
 * that we do not know.
 */
export function deliveryEventFromSns(status: string, providerResponse: string, at: string): DeliveryEvent {
  if (status === 'SUCCESS') return { state: 'delivered', at };
  return failure(snsFailureReason(providerResponse), at);
}

const SNS_FAILURES: ReadonlyArray<[RegExp, FailureReason]> = [
  [/opted out/iu, 'opted-out'],
  [/invalid phone number|not a valid phone number/iu, 'invalid-number'],
  [/\bdestination\b.*\b(blocked list|blacklist|blocklist)/iu, 'blocked-number'],
  [
    /\bphone (number )?is (on a blocked list|blacklisted)|\bphone number on a blocked list/iu,
    'blocked-number',
  ],
  [/phone has blocked sms/iu, 'phone-blocks-texts'],
  [/blocked as spam|carrier has blocked|blocked by (the )?carrier|carrier blocked/iu, 'carrier-blocked'],
  [/phone carrier is currently unreachable/iu, 'carrier-unreachable'],
  [/phone is currently unreachable/iu, 'phone-unreachable'],
  [/unknown error attempting to reach phone/iu, 'unreachable'],
  [/exceed max price/iu, 'price-limit'],
  [/message body is invalid/iu, 'message-rejected'],
];

export function snsFailureReason(providerResponse: string): FailureReason {
  for (const [pattern, reason] of SNS_FAILURES) if (pattern.test(providerResponse)) return reason;
  return 'provider-error';
}
