import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  paginateQuery,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { assertPracticeId } from '../crypto/practice-id';
import { directoryKeys } from '../directory/model';
import { RECORD_KINDS } from '../records/record-kinds';
import { addDays, ukDay } from '../universal/uk-days';

/** How many events of each type, and of each type per member of staff (as actor or as the one acted on). */
export interface Counts {
  byType: Record<string, number>;
  byMember: Record<string, Record<string, number>>;
}

export const emptyCounts = (): Counts => ({ byType: {}, byMember: {} });

/** The members of staff an event involves: who did it and whom it was done to (once each). */
/** What counting reads of an event (as stored: shapes are not trusted). */
export interface Countable {
  at: string;
  type?: unknown;
  actor?: unknown;
  subject?: unknown;
}

export function membersOf(record: Pick<Countable, 'actor' | 'subject'>): string[] {
  const members = new Set<string>();
  for (const party of [record.actor, record.subject]) {
    const sub = (party as { sub?: unknown } | undefined)?.sub;
    if (typeof sub === 'string' && sub.length > 0) members.add(sub);
  }
  return [...members];
}

export function countInto(counts: Counts, record: Omit<Countable, 'at'>) {
  const type = typeof record.type === 'string' ? record.type : 'unknown';
  counts.byType[type] = (counts.byType[type] ?? 0) + 1;
  for (const member of membersOf(record)) {
    const mine = counts.byMember[member] ?? {};
    counts.byMember[member] = mine;
    mine[type] = (mine[type] ?? 0) + 1;
  }
}

function countsOf(item: Record<string, unknown>): Counts {
  return {
    byType: (item.byType ?? {}) as Counts['byType'],
    byMember: (item.byMember ?? {}) as Counts['byMember'],
  };
}

export function addCounts(into: Counts, more: Counts): Counts {
  for (const [type, n] of Object.entries(more.byType)) into.byType[type] = (into.byType[type] ?? 0) + n;
  for (const [member, types] of Object.entries(more.byMember)) {
    const mine = into.byMember[member] ?? {};
    into.byMember[member] = mine;
    for (const [type, n] of Object.entries(types)) mine[type] = (mine[type] ?? 0) + n;
  }
  return into;
}

/** Events counted per UK day of their `at`, the day a report shows them under. */
export function countByDay(records: Iterable<Countable>): Map<string, Counts> {
  const days = new Map<string, Counts>();
  for (const record of records) {
    const day = ukDay(record.at);
    let counts = days.get(day);
    if (!counts) {
      counts = emptyCounts();
      days.set(day, counts);
    }
    countInto(counts, record);
  }
  return days;
}

const PREFIX = RECORD_KINDS.auditDayTotals.sortKey;
/** What one digest sealed of one day: `AUDITDAY#PART#<day>#<sequence, 12 digits>`. */
const partKey = (day: string, sequence: number) =>
  `${PREFIX}PART#${day}#${String(sequence).padStart(12, '0')}`;
const partsOf = (day: string) => `${PREFIX}PART#${day}#`;
/** A complete day's sum: `AUDITDAY#SUM#<day>`. Apart from the parts, so a year's report reads 366 items. */
const SUMS = `${PREFIX}SUM#`;
const sumKey = (day: string) => `${SUMS}${day}`;

/**
 * Totals of a practice's sealed audit events per UK day, kept by the sealer so that a report's totals over a
 * year are a few hundred small reads rather than a pass over every event. Every item is written once and never
 * changed (the sealer's access to the records table is append-only, like everyone's to the audit table):
 *
 * - `AUDITDAY#PART#<day>#<sequence>`: what digest `sequence` sealed of that day (a digest spanning midnight
 *   writes two). Written right after the digest; a run that finds the newest digest without them counts its
 *   events again and writes them, so a crash (or a concurrent sealer) between the two writes is repaired.
 * - `AUDITDAY#SUM#<day>`: the day's sum, once sealing has passed the end of the day and the late window, so no
 *   later digest can add to it.
 *
 * A report reads the sums of its range, and the parts of the (one or two) days in it that have no sum yet.
 * Derived data, not evidence: the events and digests are that. Offboarding discards them.
 */
export class DynamoAuditTotals {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Records what digest `sequence` sealed, per day; writing the same again is a no-op. */
  async putDigestCounts(practiceId: string, sequence: number, byDay: Map<string, Counts>): Promise<void> {
    await Promise.all(
      [...byDay].map(([day, counts]) =>
        this.putOnce({ ...this.key(practiceId, partKey(day, sequence)), day, sequence, ...counts }),
      ),
    );
  }

  /** Whether digest `sequence`'s counts for each of `days` are stored. */
  async hasDigestCounts(practiceId: string, sequence: number, days: readonly string[]): Promise<boolean> {
    // BatchGetItem takes 100 keys at most (a backlog's digest can span many days).
    for (let index = 0; index < days.length; index += 100) {
      const keys = days.slice(index, index + 100).map((day) => this.key(practiceId, partKey(day, sequence)));
      const { Responses, UnprocessedKeys } = await this.client.send(
        new BatchGetCommand({
          RequestItems: {
            [this.tableName]: { Keys: keys, ProjectionExpression: 'sk', ConsistentRead: true },
          },
        }),
      );
      // Unprocessed keys (throttling) count as missing: recounting is always safe.
      if (UnprocessedKeys?.[this.tableName] || (Responses?.[this.tableName] ?? []).length !== keys.length)
        return false;
    }
    return true;
  }

  /** The newest day that has its sum, if any. */
  async lastRolledUpDay(practiceId: string): Promise<string | undefined> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sums)',
        ExpressionAttributeValues: { ':pk': this.partition(practiceId), ':sums': SUMS },
        ProjectionExpression: '#day',
        ExpressionAttributeNames: { '#day': 'day' },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const day = Items?.[0]?.day;
    return typeof day === 'string' ? day : undefined;
  }

  /** Writes the sum of a day that no digest can add to any more (idempotent). */
  async rollUp(practiceId: string, day: string): Promise<Counts> {
    const counts = emptyCounts();
    for (const part of await this.parts(practiceId, day, true)) addCounts(counts, part);
    await this.putOnce({ ...this.key(practiceId, sumKey(day)), day, rolledUp: true, ...counts });
    return counts;
  }

  /** The totals of each day from `fromDay` to `toDay` (days with no sealed event are absent). */
  async totals(practiceId: string, fromDay: string, toDay: string): Promise<Map<string, Counts>> {
    const byDay = new Map<string, Counts>();
    const pages = paginateQuery(
      { client: this.client, pageSize: 1_000 },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': this.partition(practiceId),
          ':from': sumKey(fromDay),
          ':to': sumKey(toDay),
        },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) byDay.set(String(item.day), countsOf(item));
    }
    // The days without a sum: normally the last one or two of the range (sealing is minutes behind).
    const unsummed = [];
    for (let day = fromDay; day <= toDay; day = addDays(day, 1)) if (!byDay.has(day)) unsummed.push(day);
    const parts = await Promise.all(unsummed.map((day) => this.parts(practiceId, day, false)));
    unsummed.forEach((day, index) => {
      const dayParts = parts[index] as Counts[];
      if (dayParts.length > 0) byDay.set(day, dayParts.reduce(addCounts, emptyCounts()));
    });
    return byDay;
  }

  private async parts(practiceId: string, day: string, consistent: boolean): Promise<Counts[]> {
    const parts: Counts[] = [];
    const pages = paginateQuery(
      { client: this.client, pageSize: 500 },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :parts)',
        ExpressionAttributeValues: { ':pk': this.partition(practiceId), ':parts': partsOf(day) },
        ConsistentRead: consistent,
      },
    );
    for await (const page of pages) for (const item of page.Items ?? []) parts.push(countsOf(item));
    return parts;
  }
  private async putOnce(item: Record<string, unknown>) {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  private key(practiceId: string, sk: string) {
    return { pk: this.partition(practiceId), sk };
  }

  private partition(practiceId: string) {
    assertPracticeId(practiceId);
    return directoryKeys.practicePartition(practiceId);
  }
}
