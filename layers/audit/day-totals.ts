import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  paginateQuery,
} from '@aws-sdk/lib-dynamodb';
import { assertPracticeId } from '../crypto/practice-id';
import { directoryKeys } from '../directory/model';
import { RECORD_KINDS } from '../records/record-kinds';
import { ukDay } from '../universal/uk-days';

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
const digestKey = (day: string, sequence: number) => `${PREFIX}${day}#${String(sequence).padStart(12, '0')}`;
const rollUpKey = (day: string) => `${PREFIX}${day}`;
const ROLL_UP_SUFFIX = '#DAY';

/**
 * Totals of a practice's sealed audit events per UK day, kept by the sealer so that a report's totals over a
 * year are a few hundred small reads rather than a pass over every event. Every item is written once and never
 * changed (the sealer's access to the records table is append-only, like everyone's to the audit table):
 *
 * - `AUDITDAY#<day>#<sequence>`: what digest `sequence` sealed of that day (a digest spanning midnight writes
 *   two). Written right after the digest; a run that finds its latest digest without them recounts and writes
 *   them, so a crash between the two writes is repaired.
 * - `AUDITDAY#<day>#DAY`: the day's sum, once sealing has passed the end of the day and the late window, so no
 *   later digest can add to it.
 *
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
        this.putOnce({ ...this.key(practiceId, digestKey(day, sequence)), day, sequence, ...counts }),
      ),
    );
  }

  /** Whether digest `sequence`'s counts for each of `days` are stored. */
  async hasDigestCounts(practiceId: string, sequence: number, days: readonly string[]): Promise<boolean> {
    if (days.length === 0) return true;
    const { Responses } = await this.client.send(
      new BatchGetCommand({
        RequestItems: {
          [this.tableName]: {
            Keys: days.map((day) => this.key(practiceId, digestKey(day, sequence))),
            ProjectionExpression: 'sk',
            ConsistentRead: true,
          },
        },
      }),
    );
    return (Responses?.[this.tableName] ?? []).length === days.length;
  }

  /** The newest day that has its sum, if any. */
  async lastRolledUpDay(practiceId: string): Promise<string | undefined> {
    const pages = paginateQuery(
      { client: this.client, pageSize: 50 },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        FilterExpression: 'attribute_exists(rolledUp)',
        ExpressionAttributeValues: { ':pk': this.partition(practiceId), ':prefix': PREFIX },
        ProjectionExpression: 'sk, #day',
        ExpressionAttributeNames: { '#day': 'day' },
        ScanIndexForward: false,
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      const item = page.Items?.[0];
      if (item) return String(item.day);
    }
    return undefined;
  }

  /** Writes the sum of a day that no digest can add to any more (idempotent). */
  async rollUp(practiceId: string, day: string): Promise<Counts> {
    const counts = emptyCounts();
    for (const part of await this.digestParts(practiceId, day)) addCounts(counts, part);
    await this.putOnce({
      ...this.key(practiceId, `${rollUpKey(day)}${ROLL_UP_SUFFIX}`),
      day,
      rolledUp: true,
      ...counts,
    });
    return counts;
  }

  /** The totals of each day from `fromDay` to `toDay` (days with no sealed event are absent). */
  async totals(practiceId: string, fromDay: string, toDay: string): Promise<Map<string, Counts>> {
    const byDay = new Map<string, Counts>();
    const rolledUp = new Set<string>();
    const parts: { day: string; counts: Counts }[] = [];
    const pages = paginateQuery(
      { client: this.client, pageSize: 1_000 },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': this.partition(practiceId),
          ':from': `${PREFIX}${fromDay}`,
          ':to': `${PREFIX}${toDay}#~`,
        },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const day = String(item.day);
        const counts = { byType: item.byType ?? {}, byMember: item.byMember ?? {} } as Counts;
        if (item.rolledUp) {
          rolledUp.add(day);
          byDay.set(day, counts);
        } else parts.push({ day, counts });
      }
    }
    // A day's sum sorts after its parts: the parts of summed days are skipped, the rest added up.
    for (const { day, counts } of parts) {
      if (rolledUp.has(day)) continue;
      byDay.set(day, addCounts(byDay.get(day) ?? emptyCounts(), counts));
    }
    return byDay;
  }

  private async digestParts(practiceId: string, day: string): Promise<Counts[]> {
    const parts: Counts[] = [];
    const pages = paginateQuery(
      { client: this.client, pageSize: 500 },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': this.partition(practiceId),
          ':from': `${rollUpKey(day)}#0`,
          ':to': `${rollUpKey(day)}#9`,
        },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        parts.push({ byType: item.byType ?? {}, byMember: item.byMember ?? {} } as Counts);
      }
    }
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
