import { auditEventId } from '../../layers/audit/audit-log';
import type { StoreAccess } from '../../layers/practice/practice-stores';
import type { DueItem, InvitePointers } from '../../layers/records/invite-pointers';
import { statusAfterTimeout } from '../../layers/sms/delivery-status';

/**
 * Every few minutes: links whose time is up stop working (the invite is `expired`, its token pointer goes),
 * and a text still `sent` 72 hours after sending becomes `unknown` (GOV.UK Notify's rule). The work list is
 * the `INVITEDUE#` pointers, in time order, so a tick reads only what is due. Each step is conditional and
 * idempotent: a tick that overlaps another, or is retried, finds the work done.
 */

export interface SweepDeps {
  access: StoreAccess;
  pointers: InvitePointers;
}

export const SWEEP_ACTOR = { sub: 'system:invite-sweep' } as const;
const BATCH = 100;

async function settle(deps: SweepDeps, item: DueItem, now: Date): Promise<'changed' | 'unchanged'> {
  const stores = deps.access.practice(item.practiceId);
  if (item.kind === 'link-expiry') {
    const outcome = await stores.invites.mutate(item.inviteId, (current) => {
      if (current.state !== 'open' || !current.linkExpiresAt) return { result: undefined };
      if (Date.parse(current.linkExpiresAt) > now.getTime()) return { result: undefined };
      const at = current.linkExpiresAt;
      const notSent = ['created', 'queued', 'sending'].includes(current.delivery.state);
      return {
        change: {
          set: { state: 'expired', ...(notSent ? { delivery: { state: 'expired', at } } : {}) },
          remove: ['claim'],
          timeline: [{ event: 'expired', at }],
        },
        result: undefined,
      };
    });
    if (!outcome?.changed) return 'unchanged';
    if (outcome.invite.tokenHash) await deps.pointers.deleteToken(outcome.invite.tokenHash);
    await stores.audit.record({
      type: 'invite.expired',
      actor: SWEEP_ACTOR,
      eventId: auditEventId(item.inviteId, 'expired'),
      at: outcome.invite.linkExpiresAt as string,
      details: {
        inviteId: item.inviteId,
        lookupId: outcome.invite.lookupId,
        nhsNumberIndex: outcome.invite.nhsNumberIndex,
      },
    });
    return 'changed';
  }
  const outcome = await stores.invites.mutate(item.inviteId, (current) => {
    if (!current.sentAt) return { result: undefined };
    const next = statusAfterTimeout(current.delivery, current.sentAt, now);
    if (next === current.delivery) return { result: undefined };
    return {
      change: { set: { delivery: next }, timeline: [{ event: 'unknown', at: next.at }] },
      result: undefined,
    };
  });
  if (!outcome?.changed) return 'unchanged';
  await stores.audit.record({
    type: 'invite.unknown',
    actor: SWEEP_ACTOR,
    eventId: auditEventId(item.inviteId, 'unknown'),
    at: outcome.invite.delivery.at,
    details: {
      inviteId: item.inviteId,
      lookupId: outcome.invite.lookupId,
      nhsNumberIndex: outcome.invite.nhsNumberIndex,
      ...(outcome.invite.providerMessageId ? { providerMessageId: outcome.invite.providerMessageId } : {}),
    },
  });
  return 'changed';
}

/** Settles everything due by `now`; `budgetMs` keeps one tick within its function's timeout. */
export async function sweepInvites(
  deps: SweepDeps,
  now: Date,
  budgetMs = 40_000,
): Promise<{ settled: number; unchanged: number }> {
  const started = Date.now();
  let settled = 0;
  let unchanged = 0;
  for (;;) {
    const due = await deps.pointers.listDue(now, BATCH);
    for (const item of due) {
      const result = await settle(deps, item, now);
      if (result === 'changed') settled++;
      else unchanged++;
      await deps.pointers.deleteDue(item);
    }
    if (due.length < BATCH || Date.now() - started > budgetMs) break;
  }
  return { settled, unchanged };
}
