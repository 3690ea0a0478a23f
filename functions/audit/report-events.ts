import { type DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { auditKeys } from '../../layers/audit/audit-log';
import { type Counts, countInto, emptyCounts } from '../../layers/audit/day-totals';
import { RECORD_KINDS } from '../../layers/records/record-kinds';
import { addDays, ukDay, ukDayStart } from '../../layers/universal/uk-days';
import type { ReportEvent } from './event-catalogue';

const EVENT_PREFIX = RECORD_KINDS.auditEvent.sortKey;

// ISO times compare as strings (Math.max would make numbers of them).
const later = (a: string, b: string) => (a > b ? a : b);
const earlier = (a: string, b: string) => (a < b ? a : b);

/** Where a page ended: the next starts after this event (the table's and the index's order). */
export interface Position {
  at: string;
  eventId: string;
}

export type TypeFilter = { in: readonly string[] } | { notIn: readonly string[] };

export interface EventFilter {
  /** Only these types, or every type but these. */
  types?: TypeFilter;
  /** Only events this member of staff did or was the subject of. */
  member?: string;
  /** Only events about this patient (their blind index). */
  patientIndex?: string;
}

export interface EventQuery extends EventFilter {
  /** ISO instants: `from <= at < to`. */
  from: string;
  to: string;
  after?: Position;
  limit: number;
  /**
   * Days the totals say hold nothing that matches: not read. Only for days the totals fully cover; the
   * patient index is read whole (a patient's events are few).
   */
  skipDay?: (day: string) => boolean;
}

/** An item as the report reads it; anything malformed is still shown, as well as it can be. */
export function toReportEvent(item: Record<string, unknown>): ReportEvent {
  const actor = (item.actor ?? {}) as { sub?: unknown; role?: unknown };
  const subject = item.subject as { sub?: unknown } | undefined;
  const details =
    item.details && typeof item.details === 'object' ? (item.details as Record<string, unknown>) : {};
  return {
    eventId: typeof item.eventId === 'string' ? item.eventId : String(item.sk ?? ''),
    at: typeof item.at === 'string' ? item.at : '',
    type: typeof item.type === 'string' ? item.type : 'unknown',
    actor: {
      sub: typeof actor.sub === 'string' ? actor.sub : 'unknown',
      ...(typeof actor.role === 'string' ? { role: actor.role } : {}),
    },
    ...(subject && typeof subject.sub === 'string' ? { subject: { sub: subject.sub } } : {}),
    details,
    ...(typeof item.requestId === 'string' ? { requestId: item.requestId } : {}),
  };
}

function filterExpression(filter: EventFilter) {
  const parts: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  if (filter.types) {
    const list = 'in' in filter.types ? filter.types.in : filter.types.notIn;
    if (list.length > 0) {
      names['#type'] = 'type';
      const placeholders = list.map((type, index) => {
        values[`:t${index}`] = type;
        return `:t${index}`;
      });
      const test = `#type IN (${placeholders.join(', ')})`;
      parts.push('in' in filter.types ? test : `NOT (${test})`);
    } else if ('in' in filter.types) {
      // No type can match: the caller should not ask, but if it does, nothing comes back.
      names['#type'] = 'type';
      values[':none'] = '\u0000';
      parts.push('#type = :none');
    }
  }
  if (filter.member) {
    names['#actor'] = 'actor';
    names['#subject'] = 'subject';
    names['#sub'] = 'sub';
    values[':member'] = filter.member;
    parts.push('(#actor.#sub = :member OR #subject.#sub = :member)');
  }
  return parts.length === 0
    ? {}
    : {
        FilterExpression: parts.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      };
}

/**
 * Reads one practice's audit events for reports, oldest first, a page at a time: never the whole range at
 * once. Unfiltered by patient, it reads the table day by day (UK days), skipping the days the sealer's totals
 * say hold nothing that matches; filtered by patient, the `byPatient` index. Types and staff are filtered by
 * DynamoDB, so what crosses the wire is what is shown.
 */
export class AuditEventReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    readonly practiceId: string,
  ) {}

  /** Up to `limit` events after `after`, and where the next page starts (none when the range is done). */
  async page(query: EventQuery): Promise<{ events: ReportEvent[]; next?: Position }> {
    const wanted = query.limit + 1;
    const events: ReportEvent[] = [];
    for await (const event of this.events(query, wanted)) {
      events.push(event);
      if (events.length >= wanted) break;
    }
    if (events.length <= query.limit) return { events };
    events.length = query.limit;
    const last = events.at(-1) as ReportEvent;
    return { events, next: { at: last.at, eventId: last.eventId } };
  }

  /** Every matching event after `after`, in order, read in pages of about `pageSize`. */
  async *events(query: Omit<EventQuery, 'limit'>, pageSize = 500): AsyncGenerator<ReportEvent> {
    const limit = Math.min(1_000, Math.max(pageSize, query.types || query.member ? 200 : 0));
    if (query.patientIndex) {
      yield* this.run(
        {
          IndexName: 'byPatient',
          KeyConditionExpression: 'pk = :pk AND patientKey BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': auditKeys.partition(this.practiceId),
            ':from': `${query.patientIndex}#${query.from}`,
            ':to': `${query.patientIndex}#${query.to}`,
          },
        },
        query,
        limit,
        query.after && {
          pk: auditKeys.partition(this.practiceId),
          sk: `${EVENT_PREFIX}${query.after.at}#${query.after.eventId}`,
          patientKey: auditKeys.patient(query.patientIndex, query.after.at, query.after.eventId),
        },
      );
      return;
    }
    const start = query.after && query.after.at > query.from ? query.after.at : query.from;
    const lastDay = ukDay(new Date(new Date(query.to).getTime() - 1));
    for (let day = ukDay(start); day <= lastDay; day = addDays(day, 1)) {
      if (query.skipDay?.(day)) continue;
      const dayFrom = later(ukDayStart(day), query.from);
      const next = ukDayStart(addDays(day, 1));
      const dayTo = earlier(next, query.to);
      const resume =
        query.after && query.after.at >= dayFrom && query.after.at < dayTo ? query.after : undefined;
      yield* this.run(
        {
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': auditKeys.partition(this.practiceId),
            ':from': `${EVENT_PREFIX}${dayFrom}`,
            ':to': `${EVENT_PREFIX}${dayTo}`,
          },
        },
        query,
        limit,
        resume && {
          pk: auditKeys.partition(this.practiceId),
          sk: `${EVENT_PREFIX}${resume.at}#${resume.eventId}`,
        },
      );
    }
  }

  /** Counts of the matching events in [from, to), by type and member, leaving out `exclude` (sealed ids). */
  async count(
    query: Omit<EventQuery, 'limit' | 'after' | 'skipDay'>,
    exclude: ReadonlySet<string> = new Set(),
  ): Promise<Counts> {
    const counts = emptyCounts();
    for await (const event of this.events(query, 1_000)) {
      if (!exclude.has(event.eventId)) countInto(counts, event);
    }
    return counts;
  }

  private async *run(
    base: Pick<QueryCommandInput, 'IndexName' | 'KeyConditionExpression' | 'ExpressionAttributeValues'>,
    filter: EventFilter,
    limit: number,
    exclusiveStartKey: Record<string, unknown> | undefined,
  ): AsyncGenerator<ReportEvent> {
    const filtering = filterExpression(filter);
    let startKey = exclusiveStartKey;
    do {
      const { Items, LastEvaluatedKey } = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          ...base,
          ...filtering,
          ExpressionAttributeValues: {
            ...base.ExpressionAttributeValues,
            ...(filtering.ExpressionAttributeValues ?? {}),
          },
          Limit: limit,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of Items ?? []) yield toReportEvent(item);
      startKey = LastEvaluatedKey;
    } while (startKey);
  }
}
