import { randomUUID } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import { auditEventId, type NewAuditEvent } from '../../layers/audit/audit-log';
import type { FieldCrypto } from '../../layers/crypto/field-crypto';
import { logger, metrics } from '../../layers/observability/powertools';
import type { PracticeStores, StoreAccess } from '../../layers/practice/practice-stores';
import { backoffSeconds, InviteSendMessage, type MessageOutcome } from '../../layers/queue/invite-queue';
import type { InvitePointers } from '../../layers/records/invite-pointers';
import type { StoredInvite } from '../../layers/records/invite-records';
import { QUEUED_SMS_FIELD } from '../../layers/records/record-kinds';
import {
  type DeliveryEvent,
  type FailureReason,
  failure,
  RECEIPT_TIMEOUT_MS,
} from '../../layers/sms/delivery-status';
import { failureReasonFor, SmsSendError, type SmsSender } from '../../layers/sms/sms-sender';
import { deliveryChange } from './invites';

/**
 * The invite sender: one queue message at a time, exactly one SMS per invite as the patient sees it,
 * although the queue delivers at least once.
 *
 * 1. The message must name the invite's current send (`sendId`): a re-send or a cancellation makes an older
 *    message stale, and it is dropped. An invite already sent is done (a redelivered message, or a crash
 *    after sending: the bookkeeping after a send is repeated, idempotently, and nothing is sent again).
 * 2. The invite is claimed with a lease (a conditional write): of two deliveries of one message at once, one
 *    sends; the other comes back later and finds it sent.
 * 3. The practice's opt-out list and SNS's own (`CheckIfPhoneNumberIsOptedOut`) are asked again.
 * 4. `Publish`; the message id is written to the invite at once, then the pointer the receipts are matched
 *    by, the 72-hour deadline, the audit event.
 *
 * Throttling and provider faults are retried with exponential backoff (the message's visibility timeout);
 * the last allowed receive marks the invite failed (technical) for the clinician and lets the message go to
 * the dead-letter queue, whose alarm tells the operators.
 *
 * The one window no design closes with SNS, which has no idempotency key for SMS: a crash after SNS accepted
 * a Publish and before its message id is written (one DynamoDB write). The redelivered message then sends the
 * same text again: the same link and code, never a different one.
 */

export const SENDER_ACTOR = { sub: 'system:invite-sender' } as const;

export interface SenderDeps {
  access: StoreAccess;
  pointers: InvitePointers;
  fields: FieldCrypto;
  sms: SmsSender;
  settings: {
    senderId?: string;
    maxPriceUsd: number;
    retryBaseSeconds: number;
    /** Receives before the queue gives up on a message (its redrive policy). */
    maxReceives: number;
    retentionDays: number;
  };
  now?: () => Date;
}

/** How long a claim holds: longer than one send can take (the function's own timeout is 30 s). */
const CLAIM_MS = 60_000;

const now = (deps: SenderDeps) => deps.now?.() ?? new Date();

async function auditOnce(
  stores: PracticeStores,
  type: NewAuditEvent['type'],
  invite: StoredInvite,
  at: string,
  discriminator: string,
  details: NewAuditEvent['details'] = {},
): Promise<void> {
  await stores.audit.record({
    type,
    actor: SENDER_ACTOR,
    eventId: auditEventId(invite.inviteId, type, discriminator),
    at,
    details: {
      inviteId: invite.inviteId,
      lookupId: invite.lookupId,
      nhsNumberIndex: invite.nhsNumberIndex,
      ...details,
    },
  });
}

async function recordFailure(
  deps: SenderDeps,
  stores: PracticeStores,
  invite: StoredInvite,
  reason: FailureReason,
  attemptId: string,
): Promise<void> {
  const at = now(deps).toISOString();
  const event: DeliveryEvent = failure(reason, at);
  const outcome = await stores.invites.mutate(invite.inviteId, (current) => {
    const change = deliveryChange(current, event);
    return {
      change: { ...change, set: { ...(change?.set ?? {}) }, remove: ['claim'] },
      result: undefined,
    };
  });
  await auditOnce(stores, 'invite.failed', outcome?.invite ?? invite, at, `send:${attemptId}`, {
    reason,
    kind: event.state === 'failed' ? event.kind : 'technical',
    stage: 'send',
  });
}

function putMessagePointer(
  deps: SenderDeps,
  stores: PracticeStores,
  inviteId: string,
  providerMessageId: string,
  sentAt: string,
): Promise<void> {
  return deps.pointers.putMessage(
    providerMessageId,
    { practiceId: stores.invites.practiceId, inviteId },
    new Date(Date.parse(sentAt) + deps.settings.retentionDays * 86_400_000),
  );
}

/** After a send (now, or by an earlier attempt that crashed before finishing): the rest, idempotently. */
async function afterSend(
  deps: SenderDeps,
  stores: PracticeStores,
  invite: StoredInvite,
  options: { pointerWritten?: boolean } = {},
): Promise<void> {
  const providerMessageId = invite.providerMessageId as string;
  const sentAt = invite.sentAt ?? now(deps).toISOString();
  const practiceId = stores.invites.practiceId;
  await Promise.all([
    options.pointerWritten
      ? undefined
      : putMessagePointer(deps, stores, invite.inviteId, providerMessageId, sentAt),
    deps.pointers.putDue({
      dueAt: new Date(Date.parse(sentAt) + RECEIPT_TIMEOUT_MS).toISOString(),
      practiceId,
      inviteId: invite.inviteId,
      kind: 'receipt-timeout',
    }),
  ]);
  await auditOnce(stores, 'invite.sent', invite, sentAt, providerMessageId, { providerMessageId });
}

export async function sendOne(deps: SenderDeps, record: SQSRecord): Promise<MessageOutcome> {
  const receiveCount = Number(record.attributes.ApproximateReceiveCount ?? '1');
  const lastTry = receiveCount >= deps.settings.maxReceives;
  const retry = (): MessageOutcome => ({
    outcome: 'retry',
    delaySeconds: backoffSeconds(receiveCount, deps.settings.retryBaseSeconds),
  });

  let message: InviteSendMessage;
  try {
    message = InviteSendMessage.parse(JSON.parse(record.body));
  } catch {
    // Not ours, or damaged: it goes on to the dead-letter queue for an operator. Its body is never logged.
    logger.error('unreadable invite queue message', { messageId: record.messageId });
    metrics.addMetric('InviteQueueMessageUnreadable', MetricUnit.Count, 1);
    return { outcome: 'retry', delaySeconds: 0 };
  }
  logger.appendKeys({ invite_id: message.inviteId, practice_id: message.practiceId });
  const stores = deps.access.practice(message.practiceId);
  const invite = await stores.invites.get(message.inviteId);
  if (!invite) {
    logger.warn('invite to send is gone', { messageId: record.messageId });
    return { outcome: 'done' };
  }
  if (invite.sendId !== message.sendId) return { outcome: 'done' };
  if (invite.providerMessageId) {
    await afterSend(deps, stores, invite);
    return { outcome: 'done' };
  }
  if (invite.state !== 'open' || invite.delivery.state === 'failed') return { outcome: 'done' };
  const at = now(deps);
  if (invite.linkExpiresAt && Date.parse(invite.linkExpiresAt) <= at.getTime()) {
    // Too late to be of use: the sweep marks it expired.
    return { outcome: 'done' };
  }

  // Claim it: one sender at a time per invite.
  const attemptId = randomUUID();
  const claimed = await stores.invites.mutate(message.inviteId, (current) => {
    if (current.sendId !== message.sendId || current.providerMessageId || current.state !== 'open') {
      return { result: 'settled' as const };
    }
    if (current.claim && current.claim.until > at.getTime()) return { result: 'busy' as const };
    const sending = deliveryChange(current, { state: 'sending', at: at.toISOString() });
    return {
      change: {
        set: {
          ...(sending?.set ?? {}),
          claim: { attemptId, until: at.getTime() + CLAIM_MS },
          attempts: current.attempts + 1,
        },
        ...(sending?.timeline ? { timeline: sending.timeline } : {}),
      },
      result: 'claimed' as const,
    };
  });
  if (!claimed || claimed.result === 'settled') {
    if (claimed?.invite.providerMessageId) await afterSend(deps, stores, claimed.invite);
    return { outcome: 'done' };
  }
  if (claimed.result === 'busy') {
    const until = claimed.invite.claim?.until ?? at.getTime();
    return { outcome: 'retry', delaySeconds: Math.ceil((until - at.getTime()) / 1000) + 1 };
  }
  const current = claimed.invite;

  try {
    if (await stores.smsOptOuts.get(current.mobileIndex)) {
      await recordFailure(deps, stores, current, 'opted-out', attemptId);
      return { outcome: 'done' };
    }
    const mobile = await stores.invites.decryptMobile(current);
    if (await deps.sms.isOptedOut(mobile)) {
      await recordFailure(deps, stores, current, 'opted-out', attemptId);
      return { outcome: 'done' };
    }
    const text = await deps.fields.decrypt(message.practiceId, QUEUED_SMS_FIELD, message.sms);
    // Taken as the Publish starts: SNS accepts the text at some moment before it answers, so its receipts
    // are always later than this.
    const sentAt = now(deps).toISOString();
    const { providerMessageId } = await deps.sms.send({
      to: mobile,
      text,
      maxPriceUsd: deps.settings.maxPriceUsd,
      idempotencyRef: current.inviteId,
      ...(deps.settings.senderId ? { senderId: deps.settings.senderId } : {}),
    });
    // Both at once, straight away: the message id on the invite is what stops a redelivery sending again,
    // and the pointer is what its receipts are matched by.
    const [sent] = await Promise.all([
      stores.invites.mutate(current.inviteId, (latest) => {
        const change = deliveryChange(latest, { state: 'sent', at: sentAt });
        const saidSent = latest.timeline.some((entry) => entry.event === 'sent');
        return {
          change: {
            set: { ...(change?.set ?? {}), providerMessageId, sentAt },
            remove: ['claim', 'lastError'],
            // A receipt that came first has moved the status on already; the timeline still says when it went.
            ...(saidSent ? {} : { timeline: [{ event: 'sent' as const, at: sentAt }] }),
          },
          result: undefined,
        };
      }),
      putMessagePointer(deps, stores, current.inviteId, providerMessageId, sentAt),
    ]);
    await afterSend(deps, stores, sent?.invite ?? { ...current, providerMessageId, sentAt }, {
      pointerWritten: true,
    });
    return { outcome: 'done' };
  } catch (error) {
    if (!(error instanceof SmsSendError)) {
      await releaseClaim(stores, current.inviteId, attemptId, 'internal').catch(() => undefined);
      throw error;
    }
    logger.warn('invite send failed', { code: error.code, kind: error.kind, receiveCount });
    if (!error.retryable) {
      await recordFailure(deps, stores, current, failureReasonFor(error), attemptId);
      return { outcome: 'done' };
    }
    if (lastTry) {
      // Out of tries: the clinician sees a technical failure now; the message goes to the dead-letter queue.
      await recordFailure(deps, stores, current, 'provider-error', attemptId);
      metrics.addMetric('InviteSendGaveUp', MetricUnit.Count, 1);
      return retry();
    }
    await releaseClaim(stores, current.inviteId, attemptId, error.code);
    return retry();
  }
}

/** Lets the next attempt in at once, and says on the timeline that a retry is coming. */
async function releaseClaim(stores: PracticeStores, inviteId: string, attemptId: string, code: string) {
  await stores.invites.mutate(inviteId, (current) => {
    if (current.claim?.attemptId !== attemptId) return { result: undefined };
    const alreadySaid = current.timeline.at(-1)?.event === 'retrying';
    return {
      change: {
        set: { lastError: code },
        remove: ['claim'],
        ...(alreadySaid ? {} : { timeline: [{ event: 'retrying' as const, at: new Date().toISOString() }] }),
      },
      result: undefined,
    };
  });
}
