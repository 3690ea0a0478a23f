import { createHash, randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { RECORD_KINDS, sortKeyOf } from '../records/record-kinds';
import * as z from '../validation/z';

export const AUDIT_EVENT_TYPES = [
  'practice.onboarded',
  'staff.invited',
  'staff.registered',
  'staff.approved',
  'staff.rejected',
  'staff.suspended',
  'staff.reinstated',
  'staff.role_changed',
  'staff.authenticator_reset',
  'staff.aup_accepted',
  'patient.lookup',
  // Invitations by SMS (functions/invites). Details carry ids, outcomes and the patient reference (the NHS
  // number's blind index), never the phone number, the code, the token or the link.
  'invite.created',
  'invite.refused',
  'invite.held',
  'invite.released',
  'invite.rejected',
  'invite.queued',
  'invite.sent',
  'invite.delivered',
  'invite.failed',
  'invite.unknown',
  'invite.expired',
  'invite.cancelled',
  'invite.resent',
  'sms.opted_out',
  'sms.opted_in',
  // Video consultations (functions/consultations, functions/join): ids, steps and outcomes, never the code.
  'consultation.code_attempt',
  'consultation.consent',
  'consultation.admitted',
  'consultation.dissent',
  'consultation.ended',
  'consultation.opt_out',
  'practice.video_settings_changed',
  // Audit reports (functions/audit): who ran, downloaded or checked what; the NHS number filter never in clear.
  'audit.report_run',
  'audit.report_downloaded',
  'audit.integrity_checked',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

export const AuditEvent = z.object({
  eventId: z.string(),
  practiceId: z.string(),
  type: z.enum(AUDIT_EVENT_TYPES),
  at: z.iso.datetime(),
  /** Who did it. */
  actor: z.object({ sub: z.string(), role: z.optional(z.string()) }),
  /** Whom it was done to, when that is a member of staff. */
  subject: z.optional(z.object({ sub: z.string() })),
  /** Identifiers and outcomes only: never patient data. */
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  requestId: z.optional(z.string()),
});
export type AuditEvent = z.infer<typeof AuditEvent>;
/**
 * An event to record. With `eventId` (and `at`) the write is idempotent: recording the same id again is a
 * no-op, for event functions that may run twice for one happening (a queue's redelivery, a log record
 * delivered again): the id is derived from what happened (`auditEventId`), not drawn at random.
 */
export type NewAuditEvent = Omit<AuditEvent, 'eventId' | 'at'> & { at?: string; eventId?: string };

/** A deterministic event id (UUID-shaped) for one happening, from the names that identify it. */
export function auditEventId(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Port: the practice's append-only audit trail. A failed write fails the request (fail closed). */
export interface AuditLog {
  record(event: NewAuditEvent): Promise<AuditEvent>;
  list(practiceId: string, options?: { limit?: number }): Promise<AuditEvent[]>;
}

export const auditKeys = {
  partition: (practiceId: string) => `PRACTICE#${practiceId}`,
  event: (practiceId: string, at: string, eventId: string) => ({
    pk: `PRACTICE#${practiceId}`,
    sk: sortKeyOf('auditEvent', at, eventId),
  }),
  /** The `byPatient` index's sort key: `<blind index>#<at>#<eventId>` (see layers/storage/tables.ts). */
  patient: (nhsNumberIndex: string, at: string, eventId: string) => `${nhsNumberIndex}#${at}#${eventId}`,
};

/** The blind index of the patient an event is about, if it names one (`details.nhsNumberIndex`). */
export function patientIndexOf(event: Pick<AuditEvent, 'details'>): string | undefined {
  const index = event.details.nhsNumberIndex;
  return typeof index === 'string' && index.length > 0 ? index : undefined;
}

/**
 * The item stored for an event: its keys, the event, and the `byPatient` index key when it names a patient.
 * Everything but `pk` and `sk` is sealed (layers/audit/seal), the index key included, so moving an event out
 * of a patient's report is a change the verifier finds.
 */
export function auditItem(event: AuditEvent): Record<string, unknown> {
  const patient = patientIndexOf(event);
  return {
    ...auditKeys.event(event.practiceId, event.at, event.eventId),
    ...event,
    ...(patient ? { patientKey: auditKeys.patient(patient, event.at, event.eventId) } : {}),
  };
}

export class DynamoAuditLog implements AuditLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(event: NewAuditEvent): Promise<AuditEvent> {
    const idempotent = event.eventId !== undefined;
    if (idempotent && event.at === undefined)
      throw new TypeError('An idempotent audit event needs its time.');
    const full = AuditEvent.parse({
      ...event,
      eventId: event.eventId ?? randomUUID(),
      at: event.at ?? new Date().toISOString(),
    });
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: auditItem(full),
          // Append-only: an event is never overwritten.
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      // The same happening recorded again (a redelivered message): it is on record already.
      if (!(idempotent && error instanceof ConditionalCheckFailedException)) throw error;
    }
    return full;
  }

  async list(practiceId: string, options: { limit?: number } = {}): Promise<AuditEvent[]> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: {
          ':pk': auditKeys.partition(practiceId),
          ':prefix': RECORD_KINDS.auditEvent.sortKey,
        },
        ScanIndexForward: false,
        Limit: options.limit ?? 100,
      }),
    );
    return (Items ?? []).map((item) => AuditEvent.parse(item));
  }
}
