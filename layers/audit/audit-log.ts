import { randomUUID } from 'node:crypto';
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
  'staff.aup_accepted',
  'patient.lookup',
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
export type NewAuditEvent = Omit<AuditEvent, 'eventId' | 'at'> & { at?: string };

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
    const full = AuditEvent.parse({
      ...event,
      eventId: randomUUID(),
      at: event.at ?? new Date().toISOString(),
    });
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: auditItem(full),
        // Append-only: an event id is never reused, so never overwrite.
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
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
