import { type DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { RECORD_KINDS } from '../../records/record-kinds';
import { auditKeys } from '../audit-log';
import type { AuditEventRecord } from './digest';
import type { EventRange, EventSource } from './event-source';

const PREFIX = RECORD_KINDS.auditEvent.sortKey;
/** The first string after every `EVENT#…` sort key (`$` follows `#`). */
const AFTER_EVENTS = `${PREFIX.slice(0, -1)}$`;

/**
 * The sort-key condition of a practice's events with `from <= at < to`. BETWEEN is inclusive at both ends, but
 * no event's key equals a bound: a key is `EVENT#<at>#<eventId>`, so one whose `at` is exactly `to` sorts after
 * `EVENT#<to>`, and one whose `at` is `from` sorts after `EVENT#<from>`.
 */
export function eventKeyRange(practiceId: string, range: EventRange = {}) {
  return {
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
    ExpressionAttributeValues: {
      ':pk': auditKeys.partition(practiceId),
      ':from': range.from === undefined ? PREFIX : `${PREFIX}${range.from}`,
      ':to': range.to === undefined ? AFTER_EVENTS : `${PREFIX}${range.to}`,
    },
  };
}

/** An item as stored, without the table's key attributes: what was sealed, and what is checked. */
export function storedEvent(item: Record<string, unknown>): AuditEventRecord {
  const { pk: _pk, sk: _sk, ...record } = item;
  return record as AuditEventRecord;
}

/**
 * The audit table as the sealer and the verifier read it: a Query of the practice's partition in sort-key order
 * (`EVENT#<at>#<eventId>`), strongly consistent, each item handed over as stored apart from `pk` and `sk` (so
 * an attribute someone added is part of what is hashed). Pages of at most `pageSize` items; nothing is held.
 */
export class DynamoEventSource implements EventSource {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: { pageSize?: number } = {},
  ) {}

  async *list(practiceId: string, range: EventRange = {}): AsyncIterable<AuditEventRecord> {
    const pages = paginateQuery(
      { client: this.client, pageSize: this.options.pageSize ?? 1_000 },
      { TableName: this.tableName, ...eventKeyRange(practiceId, range), ConsistentRead: true },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) yield storedEvent(item);
    }
  }
}
