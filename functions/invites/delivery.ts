import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { auditEventId } from '../../layers/audit/audit-log';
import { logger, metrics } from '../../layers/observability/powertools';
import type { StoreAccess } from '../../layers/practice/practice-stores';
import type { InvitePointers } from '../../layers/records/invite-pointers';
import { DeliveryLogError, parseDeliveryLogEvent } from '../../layers/sms/delivery-log-record';
import { deliveryChange } from './invites';

/**
 * SNS's delivery-status records (CloudWatch Logs subscription events) → each invite's delivery status.
 *
 * - A receipt is matched to its invite by SNS's message id (the sender's `SMSMESSAGE#` pointer).
 * - Idempotent and order-free: the status is a join (`applyDeliveryEvent`), so a duplicate or a late,
 *   older record changes nothing; each receipt is audited once (its id derives from CloudWatch's log event
 *   id, which a redelivery repeats).
 * - A receipt that arrives before its pointer (it cannot in practice: SNS logs after the Publish we wrote the
 *   pointer after, but a crash could delay the pointer) fails the invocation, and CloudWatch Logs delivers
 *   the batch again; one with no pointer long after its send is not ours, and is counted and dropped.
 * - The destination number in the record is never logged, stored or audited.
 */

export interface DeliveryDeps {
  access: StoreAccess;
  pointers: InvitePointers;
  now?: () => Date;
}

/** How long after SNS took a message its pointer may still be on its way. */
const POINTER_GRACE_MS = 15 * 60_000;

export class ReceiptNotYetMatchedError extends Error {
  override readonly name = 'ReceiptNotYetMatchedError';
}

export async function recordDeliveryLogs(
  deps: DeliveryDeps,
  event: unknown,
): Promise<{ applied: number; unchanged: number; unmatched: number; unreadable: number }> {
  let parsed: ReturnType<typeof parseDeliveryLogEvent>;
  try {
    parsed = parseDeliveryLogEvent(event);
  } catch (error) {
    if (!(error instanceof DeliveryLogError)) throw error;
    // Retrying cannot make it readable; an operator should hear of it.
    logger.error('not an SMS delivery-status event', { reason: error.message });
    metrics.addMetric('SmsDeliveryLogUnreadable', MetricUnit.Count, 1);
    return { applied: 0, unchanged: 0, unmatched: 0, unreadable: 1 };
  }
  if (parsed.unreadable > 0)
    metrics.addMetric('SmsDeliveryLogUnreadable', MetricUnit.Count, parsed.unreadable);

  const at = deps.now?.() ?? new Date();
  let applied = 0;
  let unchanged = 0;
  let unmatched = 0;
  let notYet = 0;
  for (const { receipt } of parsed.receipts) {
    const pointer = await deps.pointers.getMessage(receipt.providerMessageId);
    if (!pointer) {
      if (at.getTime() - Date.parse(receipt.publishedAt) < POINTER_GRACE_MS) notYet++;
      else {
        unmatched++;
        metrics.addMetric('SmsReceiptUnmatched', MetricUnit.Count, 1);
      }
      continue;
    }
    const stores = deps.access.practice(pointer.practiceId);
    const outcome = await stores.invites.mutate(pointer.inviteId, (current) => {
      const change = deliveryChange(current, receipt.event);
      return {
        change: change
          ? {
              ...change,
              set: {
                ...change.set,
                ...(receipt.priceUsd !== undefined ? { priceUsd: receipt.priceUsd } : {}),
                ...(receipt.parts !== undefined ? { parts: receipt.parts } : {}),
              },
            }
          : undefined,
        result: undefined,
      };
    });
    if (!outcome) {
      unmatched++;
      continue;
    }
    const failed = receipt.event.state === 'failed' ? receipt.event : undefined;
    await stores.audit.record({
      type: receipt.status === 'SUCCESS' ? 'invite.delivered' : 'invite.failed',
      actor: { sub: 'system:sms-delivery-status' },
      eventId: auditEventId(pointer.inviteId, 'receipt', receipt.logEventId),
      at: receipt.event.at,
      details: {
        inviteId: pointer.inviteId,
        lookupId: outcome.invite.lookupId,
        nhsNumberIndex: outcome.invite.nhsNumberIndex,
        providerMessageId: receipt.providerMessageId,
        ...(failed ? { reason: failed.reason, kind: failed.kind } : {}),
        ...(receipt.priceUsd !== undefined ? { priceUsd: receipt.priceUsd } : {}),
        ...(receipt.parts !== undefined ? { parts: receipt.parts } : {}),
        changedStatus: outcome.changed,
      },
    });
    if (outcome.changed) applied++;
    else unchanged++;
  }
  if (notYet > 0) {
    throw new ReceiptNotYetMatchedError(`${notYet} receipt(s) arrived before their invite's pointer.`);
  }
  return { applied, unchanged, unmatched, unreadable: parsed.unreadable };
}
