import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { assertPracticeId } from '../../crypto/practice-id';
import { RECORD_KINDS } from '../../records/record-kinds';
import { auditKeys } from '../audit-log';
import { canonicalJson } from './canonical-json';
import { DigestConflictError, type SignedAuditDigest } from './digest';
import type { DigestRange, DigestStore } from './digest-store';

const PREFIX = RECORD_KINDS.auditDigest.sortKey;

/** `DIGEST#000000000042`: twelve digits, so that sort-key order is sequence order. */
export function digestSortKey(sequence: number): string {
  if (!Number.isSafeInteger(sequence) || sequence < 1) throw new TypeError('Not a digest sequence number.');
  return `${PREFIX}${String(sequence).padStart(12, '0')}`;
}

function asSigned(item: Record<string, unknown> | undefined): SignedAuditDigest | undefined {
  if (!item) return undefined;
  // As stored, tampered or not: the verifier judges it.
  return { digest: item.digest, signature: item.signature } as SignedAuditDigest;
}

/**
 * The digests in the practice's own partition of the audit table, `sk = DIGEST#<sequence, 12 digits>`, beside
 * the events they seal: written by the sealer through the practice data role like any of the practice's data
 * (append-only: a conditional put on a free sequence number, which is the commit point two sealers race for).
 *
 * `list` with a range finds the first digest that can matter by binary search on the sequence numbers (digest
 * times grow with their sequence), so checking last week of a practice sealed every five minutes for years
 * reads a few dozen items, not every digest since the start. Where the chain is damaged the search cannot be
 * trusted and the list starts at digest 1: the verifier then sees, and reports, everything.
 */
export class DynamoDigestStore implements DigestStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async latest(practiceId: string) {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': this.partition(practiceId), ':prefix': PREFIX },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    return asSigned(Items?.[0]);
  }

  async get(practiceId: string, sequence: number) {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: this.partition(practiceId), sk: digestSortKey(sequence) },
        ConsistentRead: true,
      }),
    );
    return asSigned(Item);
  }

  /**
   * Where sealing has reached (the newest digest's end), read without the digest's events: what a report
   * needs to know which of its events are sealed, without fetching a large digest.
   */
  async sealedThrough(practiceId: string): Promise<string | null> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': this.partition(practiceId), ':prefix': PREFIX },
        ProjectionExpression: 'digest.digestEndTime',
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    const end = (Items?.[0]?.digest as { digestEndTime?: unknown } | undefined)?.digestEndTime;
    return typeof end === 'string' ? end : null;
  }

  /** The ids of the events sealed by digests ending after `time` (a report's unsealed tail is the rest). */
  async sealedEventIds(practiceId: string, time: string): Promise<Set<string>> {
    const ids = new Set<string>();
    for await (const signed of this.list(practiceId, { endAfter: time })) {
      for (const entry of signed.digest?.events ?? []) ids.add(entry.eventId);
    }
    return ids;
  }

  async *list(practiceId: string, range: DigestRange = {}): AsyncIterable<SignedAuditDigest> {
    const first = range.endAfter === undefined ? 1 : await this.firstEndingAfter(practiceId, range.endAfter);
    const pages = paginateQuery(
      { client: this.client, pageSize: 500 },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': this.partition(practiceId),
          ':from': digestSortKey(first),
          ':to': `${PREFIX}~`,
        },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const signed = asSigned(item) as SignedAuditDigest;
        const start = signed.digest?.digestStartTime;
        const end = signed.digest?.digestEndTime;
        // Damaged records are listed anyway, for the verifier to report.
        if (range.endAfter !== undefined && typeof end === 'string' && !(end > range.endAfter)) continue;
        if (range.startBefore !== undefined && typeof start === 'string' && !(start < range.startBefore)) {
          return; // times only grow from here
        }
        yield signed;
      }
    }
  }

  async put(signed: SignedAuditDigest) {
    const { practiceId, sequence } = signed.digest;
    const key = { pk: this.partition(practiceId), sk: digestSortKey(sequence) };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key, sequence, digest: signed.digest, signature: signed.signature },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.get(practiceId, sequence);
      if (existing && canonicalJson(existing) === canonicalJson(signed)) return; // a retried write
      throw new DigestConflictError(practiceId, sequence);
    }
  }

  /**
   * The lowest sequence number whose digest may end after `time`: binary search over 1…latest on
   * `digestEndTime`, falling back to 1 when a probe finds a missing or unreadable digest.
   */
  private async firstEndingAfter(practiceId: string, time: string): Promise<number> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': this.partition(practiceId), ':prefix': PREFIX },
        ProjectionExpression: 'digest.#sequence',
        ExpressionAttributeNames: { '#sequence': 'sequence' },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const top = (Items?.[0]?.digest as { sequence?: unknown } | undefined)?.sequence;
    if (typeof top !== 'number' || !Number.isSafeInteger(top) || top < 1) return 1;
    let low = 1;
    let high = top;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      const end = await this.endOf(practiceId, middle);
      if (typeof end !== 'string') return 1;
      if (end > time) high = middle;
      else low = middle + 1;
    }
    return low;
  }

  /** One digest's end time, read alone (a probe of the search: digests can be a few hundred KB). */
  private async endOf(practiceId: string, sequence: number): Promise<string | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: this.partition(practiceId), sk: digestSortKey(sequence) },
        ProjectionExpression: 'digest.digestEndTime',
        ConsistentRead: true,
      }),
    );
    const end = (Item?.digest as { digestEndTime?: unknown } | undefined)?.digestEndTime;
    return typeof end === 'string' ? end : undefined;
  }

  private partition(practiceId: string) {
    assertPracticeId(practiceId);
    return auditKeys.partition(practiceId);
  }
}
