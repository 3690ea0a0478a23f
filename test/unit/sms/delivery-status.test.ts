import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyDeliveryEvent,
  type DeliveryEvent,
  type DeliveryStatus,
  deliveryEventFromSns,
  describeStatus,
  FAILURE_REASONS,
  type FailureReason,
  failure,
  foldDeliveryEvents,
  RECEIPT_TIMEOUT_MS,
  snsFailureReason,
  statusAfterTimeout,
} from '../../../layers/sms/delivery-status';

const t = (minutes: number) => new Date(Date.UTC(2026, 11, 1, 9, 0) + minutes * 60_000).toISOString();
const created: DeliveryStatus = { state: 'created', at: t(0) };
const fold = (...events: DeliveryEvent[]) => foldDeliveryEvents(created, events);

describe('the happy path', () => {
  it('goes created → queued → sending → sent → delivered', () => {
    let status: DeliveryStatus = created;
    status = applyDeliveryEvent(status, { state: 'queued', at: t(0) });
    expect(status.state).toBe('queued');
    status = applyDeliveryEvent(status, { state: 'sending', at: t(1) });
    expect(status.state).toBe('sending');
    status = applyDeliveryEvent(status, { state: 'sent', at: t(1) });
    expect(status.state).toBe('sent');
    status = applyDeliveryEvent(status, { state: 'delivered', at: t(2) });
    expect(status).toEqual({ state: 'delivered', at: t(2) });
  });
});

describe('out of order and duplicated events', () => {
  it('keeps delivered when a late "sent" or "sending" arrives', () => {
    expect(
      fold({ state: 'delivered', at: t(2) }, { state: 'sent', at: t(1) }, { state: 'sending', at: t(1) }),
    ).toEqual({ state: 'delivered', at: t(2) });
  });

  it('changes nothing on a duplicate, and keeps the first time a state was reached', () => {
    const sent = fold({ state: 'sent', at: t(1) });
    expect(applyDeliveryEvent(sent, { state: 'sent', at: t(1) })).toEqual(sent);
    expect(applyDeliveryEvent(sent, { state: 'sent', at: t(5) })).toEqual({ state: 'sent', at: t(1) });
  });

  it('lets a failure receipt replace sent, and the newest of two failure receipts win', () => {
    const first = failure('phone-unreachable', t(3));
    const second = failure('invalid-number', t(4));
    expect(fold({ state: 'sent', at: t(1) }, first)).toEqual(first);
    expect(fold(second, first)).toEqual(second);
    expect(fold(first, second)).toEqual(second);
  });

  it('lets delivered replace failed: proof that the phone has the text', () => {
    expect(fold(failure('phone-unreachable', t(5)), { state: 'delivered', at: t(3) })).toEqual({
      state: 'delivered',
      at: t(3),
    });
  });

  it('lets a genuine receipt replace unknown, even after the 72 hours', () => {
    const unknown: DeliveryStatus = { state: 'unknown', at: t(72 * 60 + 1) };
    expect(fold(unknown, { state: 'delivered', at: t(73 * 60) })).toEqual({
      state: 'delivered',
      at: t(73 * 60),
    });
    expect(fold(unknown, failure('invalid-number', t(80 * 60)))).toMatchObject({ state: 'failed' });
  });

  it('records "sent" even if a cancellation raced it: the patient has the text', () => {
    expect(fold({ state: 'cancelled', at: t(1) }, { state: 'sent', at: t(1) })).toEqual({
      state: 'sent',
      at: t(1),
    });
    expect(fold({ state: 'sent', at: t(1) }, { state: 'cancelled', at: t(2) })).toEqual({
      state: 'sent',
      at: t(1),
    });
  });

  it('keeps cancelled over later queue progress, and the earlier of cancelled and expired', () => {
    expect(
      fold({ state: 'cancelled', at: t(1) }, { state: 'queued', at: t(0) }, { state: 'sending', at: t(2) }),
    ).toEqual({
      state: 'cancelled',
      at: t(1),
    });
    expect(fold({ state: 'expired', at: t(1440) }, { state: 'cancelled', at: t(10) })).toEqual({
      state: 'cancelled',
      at: t(10),
    });
    expect(fold({ state: 'expired', at: t(10) }, { state: 'cancelled', at: t(10) })).toEqual({
      state: 'cancelled',
      at: t(10),
    });
  });

  it('refuses a time that is not ISO 8601', () => {
    expect(() => applyDeliveryEvent(created, { state: 'queued', at: 'yesterday' })).toThrow(/ISO 8601/);
  });
});

const reasons = Object.keys(FAILURE_REASONS) as FailureReason[];
const anyEvent: fc.Arbitrary<DeliveryEvent> = fc.oneof(
  fc.record({
    state: fc.constantFrom(
      'created' as const,
      'queued' as const,
      'sending' as const,
      'sent' as const,
      'delivered' as const,
      'unknown' as const,
      'cancelled' as const,
      'expired' as const,
    ),
    at: fc.integer({ min: 0, max: 20 }).map(t),
  }),
  fc
    .record({ reason: fc.constantFrom(...reasons), minute: fc.integer({ min: 0, max: 20 }) })
    .map(({ reason, minute }) => failure(reason, t(minute))),
);

describe('as a join (property tests)', () => {
  it('gives the same status whatever order the events arrive in', () => {
    fc.assert(
      fc.property(fc.array(anyEvent, { maxLength: 12 }), fc.infiniteStream(fc.nat()), (events, seeds) => {
        const shuffled = [...events];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = (seeds.next().value as number) % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j] as DeliveryEvent, shuffled[i] as DeliveryEvent];
        }
        expect(foldDeliveryEvents(created, shuffled)).toEqual(foldDeliveryEvents(created, events));
      }),
      { numRuns: 500 },
    );
  });

  it('is idempotent: applying any event twice is applying it once', () => {
    fc.assert(
      fc.property(anyEvent, anyEvent, (status, event) => {
        const once = applyDeliveryEvent(status, event);
        expect(applyDeliveryEvent(once, event)).toEqual(once);
      }),
      { numRuns: 500 },
    );
  });

  it('never goes back: the rank of the result is at least that of the current status', () => {
    fc.assert(
      fc.property(anyEvent, anyEvent, (status, event) => {
        const result = applyDeliveryEvent(status, event);
        expect([status, event]).toContainEqual(result);
        expect(applyDeliveryEvent(result, status)).toEqual(result);
      }),
      { numRuns: 500 },
    );
  });
});

describe('the 72-hour rule', () => {
  const sentAt = t(1);
  const sent: DeliveryStatus = { state: 'sent', at: sentAt };

  it('leaves a sent message alone before 72 hours', () => {
    expect(statusAfterTimeout(sent, sentAt, new Date(Date.parse(sentAt) + RECEIPT_TIMEOUT_MS - 1))).toBe(
      sent,
    );
  });

  it('makes it unknown at 72 hours, dated at the deadline so repeated sweeps agree', () => {
    const deadline = new Date(Date.parse(sentAt) + RECEIPT_TIMEOUT_MS).toISOString();
    expect(statusAfterTimeout(sent, sentAt, new Date(deadline))).toEqual({ state: 'unknown', at: deadline });
    expect(statusAfterTimeout(sent, sentAt, new Date(Date.parse(deadline) + 3_600_000))).toEqual({
      state: 'unknown',
      at: deadline,
    });
  });

  it('never touches a message with a final receipt, or one not yet sent', () => {
    const late = new Date(Date.parse(sentAt) + 10 * RECEIPT_TIMEOUT_MS);
    const delivered: DeliveryStatus = { state: 'delivered', at: t(2) };
    const failed = failure('invalid-number', t(2));
    const queued: DeliveryStatus = { state: 'queued', at: t(0) };
    expect(statusAfterTimeout(delivered, sentAt, late)).toBe(delivered);
    expect(statusAfterTimeout(failed, sentAt, late)).toBe(failed);
    expect(statusAfterTimeout(queued, sentAt, late)).toBe(queued);
  });
});

describe('SNS delivery-status records', () => {
  it('makes SUCCESS delivered', () => {
    expect(deliveryEventFromSns('SUCCESS', 'Message has been accepted by phone carrier', t(2))).toEqual({
      state: 'delivered',
      at: t(2),
    });
    expect(deliveryEventFromSns('SUCCESS', 'Phone carrier has accepted the message', t(2)).state).toBe(
      'delivered',
    );
  });

  it.each([
    // The SNS developer guide's list of failure reasons, newer and older wording.
    ['Blocked as spam by phone carrier', 'carrier-blocked', 'permanent'],
    ['Destination is on a blocked list', 'blocked-number', 'permanent'],
    ['Destination is blacklisted', 'blocked-number', 'permanent'],
    ['Invalid phone number', 'invalid-number', 'permanent'],
    ['Message body is invalid', 'message-rejected', 'technical'],
    ['Phone carrier has blocked this message', 'carrier-blocked', 'permanent'],
    ['Phone carrier is currently unreachable/unavailable', 'carrier-unreachable', 'temporary'],
    ['Phone has blocked SMS', 'phone-blocks-texts', 'permanent'],
    ['Phone is on a blocked list', 'blocked-number', 'permanent'],
    ['Phone is blacklisted', 'blocked-number', 'permanent'],
    ['Phone is currently unreachable/unavailable', 'phone-unreachable', 'temporary'],
    ['Phone number is opted out', 'opted-out', 'permanent'],
    ['This delivery would exceed max price', 'price-limit', 'technical'],
    ['Unknown error attempting to reach phone', 'unreachable', 'temporary'],
    // Seen in the wild.
    ['+15555555555 is opted out', 'opted-out', 'permanent'],
    ['This is a phone number on a blocked list', 'blocked-number', 'permanent'],
    ['Message blocked by carrier', 'carrier-blocked', 'permanent'],
    ['Something nobody documented', 'provider-error', 'technical'],
  ])('maps FAILURE %j to %s (%s)', (response, reason, kind) => {
    expect(snsFailureReason(response)).toBe(reason);
    expect(deliveryEventFromSns('FAILURE', response, t(3))).toEqual({
      state: 'failed',
      at: t(3),
      kind,
      reason,
    });
  });
});

describe('what the clinician reads', () => {
  it('has a sentence for every failure that says what to do', () => {
    for (const reason of reasons) {
      const sentence = describeStatus(failure(reason, t(0)));
      expect(sentence, reason).toMatch(/^[A-Z].+: .+\.$/u);
    }
    expect(describeStatus(failure('unreachable', t(0)))).toBe(
      'The number could not be reached: check the mobile number with the patient.',
    );
  });

  it('has a sentence for every other state', () => {
    for (const state of [
      'created',
      'queued',
      'sending',
      'sent',
      'delivered',
      'unknown',
      'cancelled',
      'expired',
    ] as const) {
      expect(describeStatus({ state, at: t(0) })).toMatch(/^The .+\.$/u);
    }
  });
});
