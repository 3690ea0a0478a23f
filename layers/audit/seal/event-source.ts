import type { AuditEventRecord } from './digest';

export interface EventRange {
  /** Inclusive: events with `at >= from`. */
  from?: string;
  /** Exclusive: events with `at < to`. */
  to?: string;
}

/**
 * Port: reads a practice's audit events, in the store's own order. For DynamoDB that is the sort key order
 * (`sk = EVENT#<at>#<eventId>`, a Query on `pk = PRACTICE#<id>` with `sk >= EVENT#<from>` and `sk < EVENT#<to>`,
 * ConsistentRead), which is the canonical order unless someone rewrote a key. Items come back as stored,
 * without `pk` and `sk` (see `AuditEventRecord`).
 */
export interface EventSource {
  list(practiceId: string, range?: EventRange): AsyncIterable<AuditEventRecord>;
}

export interface StoredEventItem {
  /** The sort key, `EVENT#<at>#<eventId>` unless tampered with. */
  sk: string;
  record: AuditEventRecord;
}

export const eventSortKey = (event: { at: string; eventId: string }) => `EVENT#${event.at}#${event.eventId}`;

/**
 * In memory, for tests: behaves like the DynamoDB table, ordering and ranging by the sort key, so tests can
 * tamper with items the way someone with write access to the table could (change an attribute, delete an item,
 * put one in, or move one by rewriting its sort key).
 */
export class MemoryEventSource implements EventSource {
  private readonly practices = new Map<string, StoredEventItem[]>();

  constructor(items: Iterable<{ practiceId: string; sk?: string; record: AuditEventRecord }> = []) {
    for (const item of items) this.put(item.practiceId, item.record, item.sk);
  }

  /** Adds an event under its proper sort key (or a given one). */
  put(practiceId: string, record: AuditEventRecord, sk = eventSortKey(record)): void {
    let items = this.practices.get(practiceId);
    if (!items) {
      items = [];
      this.practices.set(practiceId, items);
    }
    items.push({ sk, record: structuredClone(record) });
  }

  async *list(practiceId: string, range: EventRange = {}) {
    const items = [...(this.practices.get(practiceId) ?? [])].sort((a, b) =>
      a.sk < b.sk ? -1 : a.sk > b.sk ? 1 : 0,
    );
    for (const item of items) {
      if (range.from !== undefined && item.sk < `EVENT#${range.from}`) continue;
      if (range.to !== undefined && !(item.sk < `EVENT#${range.to}`)) continue;
      yield structuredClone(item.record);
    }
  }

  /** Copies of a practice's items, in insertion order. */
  items(practiceId: string): StoredEventItem[] {
    return structuredClone(this.practices.get(practiceId) ?? []);
  }
}
