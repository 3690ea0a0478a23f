import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditEventRecord } from '../../../layers/audit/seal/digest';
import { MemoryDigestStore } from '../../../layers/audit/seal/digest-store';
import {
  eventSortKey,
  MemoryEventSource,
  type StoredEventItem,
} from '../../../layers/audit/seal/event-source';
import { sealPractice } from '../../../layers/audit/seal/sealer';
import { DigestKeyring } from '../../../layers/audit/seal/signing';
import { verifyPractice } from '../../../layers/audit/seal/verifier';
import { at, auditEvent, MINUTE, PRACTICE, SECOND, T0, TestSigner } from './support/sealing';

const signer = new TestSigner();
const keys = new DigestKeyring([signer.verifier()]);

type Mutation =
  | {
      kind: 'change';
      index: number;
      field: 'type' | 'details' | 'actor' | 'requestId' | 'at' | 'added' | 'removed';
    }
  | { kind: 'delete'; index: number }
  | { kind: 'insert'; offsetMs: number }
  | { kind: 'duplicate'; index: number }
  | { kind: 'move'; index: number; after: number };

const trail = fc.record({
  gapsMs: fc.array(fc.integer({ min: 1, max: 30 * SECOND }), { minLength: 2, maxLength: 40 }),
  sealEveryMinutes: fc.integer({ min: 1, max: 4 }),
});

const mutation = (size: number): fc.Arbitrary<Mutation> => {
  const index = fc.nat({ max: size - 1 });
  return fc.oneof(
    fc.record({
      kind: fc.constant('change' as const),
      index,
      field: fc.constantFrom('type', 'details', 'actor', 'requestId', 'at', 'added', 'removed'),
    }),
    fc.record({ kind: fc.constant('delete' as const), index }),
    fc.record({ kind: fc.constant('insert' as const), offsetMs: fc.nat({ max: 1000 * SECOND }) }),
    fc.record({ kind: fc.constant('duplicate' as const), index }),
    fc
      .record({ kind: fc.constant('move' as const), index, after: index })
      .filter((move) => move.after !== move.index && move.after !== move.index - 1),
  );
};

function changed(
  record: AuditEventRecord,
  field: Extract<Mutation, { kind: 'change' }>['field'],
): AuditEventRecord {
  switch (field) {
    case 'type':
      return { ...record, type: record.type === 'staff.rejected' ? 'staff.approved' : 'staff.rejected' };
    case 'details':
      return { ...record, details: { ...(record.details as object), outcome: 'altered' } };
    case 'actor':
      return { ...record, actor: { sub: 'someone-else' } };
    case 'requestId':
      return { ...record, requestId: `${String(record.requestId)}-x` };
    case 'at':
      return { ...record, at: new Date(Date.parse(record.at) + 1).toISOString() };
    case 'added':
      return { ...record, note: 'added later' };
    case 'removed': {
      const { requestId: _dropped, ...rest } = record;
      return rest as AuditEventRecord;
    }
  }
}

function apply(items: StoredEventItem[], change: Mutation, sorted: StoredEventItem[]): StoredEventItem[] {
  const target = 'index' in change ? (sorted[change.index] as StoredEventItem) : undefined;
  switch (change.kind) {
    case 'change':
      return items.map((item) =>
        item === target ? { ...item, record: changed(item.record, change.field) } : item,
      );
    case 'delete':
      return items.filter((item) => item !== target);
    case 'insert': {
      const record = auditEvent(9999, at(change.offsetMs));
      return [...items, { sk: eventSortKey(record), record }];
    }
    case 'duplicate': {
      const record = { ...(target as StoredEventItem).record, details: { outcome: 'forged' } };
      return [...items, { sk: `${(target as StoredEventItem).sk}#copy`, record }];
    }
    case 'move': {
      const after = sorted[change.after] as StoredEventItem;
      return items.map((item) => (item === target ? { ...item, sk: `${after.sk}~` } : item));
    }
  }
}

describe('sealing and verification (property)', () => {
  it('detects any single mutation of a sealed event set, and names the event', async () => {
    await fc.assert(
      fc.asyncProperty(
        trail.chain((shape) => fc.tuple(fc.constant(shape), mutation(shape.gapsMs.length))),
        async ([shape, change]) => {
          const events = new MemoryEventSource();
          const digests = new MemoryDigestStore();
          let offset = 0;
          shape.gapsMs.forEach((gap, index) => {
            offset += gap;
            events.put(PRACTICE, auditEvent(index, at(offset)));
          });
          for (
            let minutes = shape.sealEveryMinutes;
            minutes * MINUTE < offset + MINUTE;
            minutes += shape.sealEveryMinutes
          ) {
            await sealPractice({
              practiceId: PRACTICE,
              events,
              digests,
              signer,
              now: new Date(T0 + minutes * MINUTE),
            });
          }
          const now = new Date(T0 + offset + 40 * MINUTE);
          await sealPractice({ practiceId: PRACTICE, events, digests, signer, now });
          const clean = await verifyPractice({ practiceId: PRACTICE, events, digests, keys });
          expect(clean.intact).toBe(true);

          const items = events.items(PRACTICE);
          const sorted = [...items].sort((a, b) => (a.sk < b.sk ? -1 : 1));
          const tampered = new MemoryEventSource(
            apply(items, change, sorted).map((item) => ({ practiceId: PRACTICE, ...item })),
          );
          const report = await verifyPractice({ practiceId: PRACTICE, events: tampered, digests, keys });
          expect(report.intact).toBe(false);
          const named = report.breaks.map((brk) =>
            'eventId' in brk ? `${brk.kind}:${brk.eventId}` : brk.kind,
          );
          const id = (index: number) => (sorted[index] as StoredEventItem).record.eventId;
          switch (change.kind) {
            case 'change':
              expect(named).toEqual([`changed:${id(change.index)}`]);
              break;
            case 'delete':
              expect(named).toEqual([`missing:${id(change.index)}`]);
              break;
            case 'insert':
              expect(named).toEqual(['inserted:evt-9999']);
              break;
            case 'duplicate':
              expect(named).toEqual([`inserted:${id(change.index)}`]);
              break;
            case 'move': {
              // Moved past a single neighbour it is a swap, and either of the two may be named as out of order.
              const swappedWith =
                change.after === change.index + 1
                  ? change.after
                  : change.after === change.index - 2
                    ? change.index - 1
                    : undefined;
              const allowed = [[`reordered:${id(change.index)}`]];
              if (swappedWith !== undefined) allowed.push([`reordered:${id(swappedWith)}`]);
              expect(allowed).toContainEqual(named);
              break;
            }
          }
        },
      ),
      { numRuns: 80 },
    );
  });
});
