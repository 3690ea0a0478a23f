import { wholeNumberSetting } from '../../layers/config/base-config';
import { defineEventFunction } from '../../layers/functions/event-function';
import * as z from '../../layers/validation/z';

/** The sealer's settings (a stage sets `-c auditSealSettleSeconds=…`). */
export const SealSettings = z.object({
  /**
   * How long after its time an event is first sealed: its write must have landed by then. 30 s covers Lambda
   * clock skew and slow writes; a test stack sets 0 to seal what it has just written.
   */
  AUDIT_SEAL_SETTLE_SECONDS: wholeNumberSetting({ min: 0, max: 300, fallback: 30 }),
});

/**
 * Seals each practice's new audit events into a signed digest (layers/audit/seal), every five minutes in AWS
 * and every minute on a laptop, and keeps the per-day totals reports read. Append-only everywhere: it adds
 * digests to the audit table and totals to the records table, and never changes or deletes an item.
 */
export const sealAuditTrailsFunction = defineEventFunction({
  id: 'sealAuditTrails',
  area: 'audit',
  summary: 'Seal the new audit events of every practice into signed digests',
  trigger: { capability: 'schedule', options: { everyMinutes: 5, localEveryMinutes: 1 } },
  uses: ['audit-seal'],
  settings: SealSettings,
  tables: {
    // The platform's list of practices.
    directory: { access: 'read', scope: 'platform' },
    // Reads events and writes digests beside them; reads and writes day totals. Never updates or deletes.
    audit: { access: 'readappend', scope: 'practice' },
    records: { access: 'readappend', scope: 'practice' },
  },
  alarms: [
    {
      metric: 'AuditSealFailures',
      threshold: 1,
      periodMinutes: 15,
      description:
        'A practice’s audit trail could not be sealed: its new events are not yet tamper-evident, and its ' +
        'reports show them as not yet sealed. See the sealer’s log for the practice and the error.',
    },
  ],
  lambda: { timeoutSeconds: 240, memoryMb: 512 },
});

export const auditEventFunctions = [sealAuditTrailsFunction];
