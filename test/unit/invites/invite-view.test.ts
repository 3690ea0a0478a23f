import { describe, expect, it } from 'vitest';
import { inviteDetail, inviteStatus, inviteSummary } from '../../../functions/invites/invite-view';
import { londonDay } from '../../../functions/invites/invites';
import type { StoredInvite } from '../../../layers/records/invite-records';

const NOW = new Date('2026-12-01T10:00:00Z');

function invite(overrides: Partial<StoredInvite> = {}): StoredInvite {
  return {
    inviteId: '0190b6a4-7c1e-7a3b-9c2d-4e5f60718293',
    lookupId: '0190b6a4-0000-7a3b-9c2d-4e5f60718293',
    createdAt: '2026-12-01T09:00:00.000Z',
    createdBy: { sub: 's', name: 'Dr Demo', role: 'clinician' },
    nhsNumberIndex: 'i'.repeat(43),
    mobileIndex: 'm'.repeat(43),
    patient: 'ciphertext',
    mobile: 'ciphertext',
    segments: 1,
    state: 'open',
    delivery: { state: 'queued', at: '2026-12-01T09:00:01.000Z' },
    linkExpiresAt: '2026-12-02T09:00:00.000Z',
    attempts: 0,
    timeline: [],
    version: 1,
    expiresAt: 0,
    ...overrides,
  };
}
const patient = { name: 'Florence Fictional', mobileEnding: '123' };

describe('an invitation’s status', () => {
  it('is where its text is while the invitation is open', () => {
    expect(inviteStatus(invite(), NOW)).toBe('queued');
    expect(inviteStatus(invite({ delivery: { state: 'delivered', at: NOW.toISOString() } }), NOW)).toBe(
      'delivered',
    );
  });

  it('is the invitation’s own when it is held, rejected, cancelled, replaced or expired', () => {
    for (const state of ['held', 'rejected', 'cancelled', 'replaced', 'expired'] as const) {
      expect(inviteStatus(invite({ state }), NOW)).toBe(state);
    }
    // Past its time the link no longer works, whether or not the sweep has come by.
    expect(inviteStatus(invite({ linkExpiresAt: '2026-12-01T09:59:59.000Z' }), NOW)).toBe('expired');
  });

  it('says what went wrong and what to do, in the clinician’s words', () => {
    const failed = inviteSummary(
      invite({
        delivery: { state: 'failed', at: NOW.toISOString(), kind: 'temporary', reason: 'phone-unreachable' },
      }),
      patient,
      NOW,
    );
    expect(failed).toMatchObject({
      status: 'failed',
      statusText: 'The text was not delivered.',
      whatToDo:
        "The patient's phone was switched off or had no signal: try again later, or phone the patient.",
      delivery: { failure: { kind: 'temporary', reason: 'phone-unreachable' } },
      actions: { cancel: true, resend: true },
    });
  });

  it('offers no re-send of a held, rejected, cancelled or replaced invitation', () => {
    for (const state of ['held', 'rejected', 'cancelled', 'replaced'] as const) {
      expect(inviteSummary(invite({ state }), patient, NOW).actions.resend, state).toBe(false);
    }
    expect(inviteSummary(invite({ state: 'held' }), patient, NOW).actions.cancel).toBe(true);
  });

  it('shows the timeline in time order, in words, naming who acted', () => {
    const detail = inviteDetail(
      invite({
        timeline: [
          { event: 'delivered', at: '2026-12-01T09:00:05.000Z' },
          { event: 'created', at: '2026-12-01T09:00:00.000Z', by: 'Dr Demo' },
          { event: 'sent', at: '2026-12-01T09:00:02.000Z' },
        ],
      }),
      patient,
      'See you at 2pm.',
      NOW,
    );
    expect(detail.timeline.map((entry) => [entry.event, entry.text])).toEqual([
      ['created', 'Invitation written by Dr Demo.'],
      ['sent', 'Text sent. Waiting for the mobile network to confirm delivery.'],
      ['delivered', 'Text delivered to the patient’s phone.'],
    ]);
    expect(detail.message).toBe('See you at 2pm.');
  });
});

describe('a UK day', () => {
  it('runs midnight to midnight London time, in summer and in winter', () => {
    expect(londonDay('2026-12-01')).toEqual({
      from: new Date('2026-12-01T00:00:00Z'),
      to: new Date('2026-12-02T00:00:00Z'),
    });
    expect(londonDay('2026-07-15')).toEqual({
      from: new Date('2026-07-14T23:00:00Z'),
      to: new Date('2026-07-15T23:00:00Z'),
    });
    // The day the clocks go forward has 23 hours.
    const spring = londonDay('2026-03-29');
    expect(spring.to.getTime() - spring.from.getTime()).toBe(23 * 3_600_000);
  });
});
