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
  'staff.authenticator_reset',
  'staff.aup_accepted',
  'patient.lookup',
] as const;

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
};

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
        Item: { ...auditKeys.event(full.practiceId, full.at, full.eventId), ...full },
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
