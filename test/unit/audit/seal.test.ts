import { describe, expect, it } from 'vitest';
import {
  type AuditDigest,
  DigestConflictError,
  digestBytes,
  digestHash,
  eventHash,
  GENESIS,
  type SignedAuditDigest,
} from '../../../layers/audit/seal/digest';
import { MemoryDigestStore } from '../../../layers/audit/seal/digest-store';
import { eventSortKey, MemoryEventSource } from '../../../layers/audit/seal/event-source';
import { DigestChainError, sealPractice } from '../../../layers/audit/seal/sealer';
import { DigestKeyring } from '../../../layers/audit/seal/signing';
import { type DigestBreak, longestIncreasing, verifyPractice } from '../../../layers/audit/seal/verifier';
import {
  at,
  auditEvent,
  MINUTE,
  PRACTICE,
  SECOND,
  sealedTrail,
  T0,
  TestSigner,
  tamperedEvents,
} from './support/sealing';

const verify = (
  events: MemoryEventSource,
  digests: MemoryDigestStore,
  signer: TestSigner,
  extra: Partial<Parameters<typeof verifyPractice>[0]> = {},
) =>
  verifyPractice({
    practiceId: PRACTICE,
    events,
    digests,
    keys: new DigestKeyring([signer.verifier()]),
    ...extra,
  });

const summary = (breaks: Awaited<ReturnType<typeof verifyPractice>>['breaks']) =>
  breaks.map((brk) =>
    'eventId' in brk
      ? { kind: brk.kind, eventId: brk.eventId }
      : { kind: brk.kind, reason: brk.reason, sequence: brk.sequence },
  );

async function resign(signer: TestSigner, digest: AuditDigest): Promise<SignedAuditDigest> {
  return { digest, signature: Buffer.from(await signer.sign(digestBytes(digest))).toString('hex') };
}

describe('sealPractice', () => {
  it('writes a chain of digests: contiguous ranges, consecutive numbers, each naming the one before', async () => {
    const { digests, records } = await sealedTrail();
    const chain = digests.all(PRACTICE);
    expect(chain.map((signed) => signed.digest.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(chain[0]?.digest).toMatchObject({
      digestStartTime: GENESIS,
      digestEndTime: at(30 * SECOND),
      previousDigestSignature: null,
      previousDigestHashValue: null,
    });
    for (let index = 1; index < chain.length; index++) {
      const [before, after] = [chain[index - 1] as SignedAuditDigest, chain[index] as SignedAuditDigest];
      expect(after.digest.digestStartTime).toBe(before.digest.digestEndTime);
      expect(after.digest.previousDigestSignature).toBe(before.signature);
      expect(after.digest.previousDigestHashValue).toBe(digestHash(before.digest));
    }
    const sealedIds = chain.flatMap((signed) => signed.digest.events.map((entry) => entry.eventId));
    expect(sealedIds).toEqual(records.map((record) => record.eventId));
    expect(chain[1]?.digest.events[0]).toEqual({
      eventId: 'evt-0003',
      at: at(30 * SECOND),
      hash: eventHash(records[3] as (typeof records)[number]),
    });
  });

  it('writes a digest even when there is nothing to seal, so a pause in sealing is visible', async () => {
    const { digests } = await sealedTrail();
    const empty = digests.all(PRACTICE).at(-1)?.digest;
    expect(empty).toMatchObject({ sequence: 8, events: [], oldestEventTime: null, newestEventTime: null });
    expect(empty?.digestEndTime).toBe(at(40 * MINUTE - 30 * SECOND));
  });

  it('seals only events older than the settle delay', async () => {
    const events = new MemoryEventSource();
    const digests = new MemoryDigestStore();
    events.put(PRACTICE, auditEvent(1, at(0)));
    events.put(PRACTICE, auditEvent(2, at(50 * SECOND)));
    const result = await sealPractice({
      practiceId: PRACTICE,
      events,
      digests,
      signer: new TestSigner(),
      now: new Date(T0 + 60 * SECOND),
    });
    expect(result.status === 'sealed' && result.digest.events.map((entry) => entry.eventId)).toEqual([
      'evt-0001',
    ]);
  });

  it('is idempotent: running again at once seals nothing and writes nothing', async () => {
    const { events, digests, signer } = await sealedTrail();
    const now = new Date(T0 + 40 * MINUTE);
    await expect(sealPractice({ practiceId: PRACTICE, events, digests, signer, now })).resolves.toEqual({
      status: 'not-due',
      sealedThrough: at(40 * MINUTE - 30 * SECOND),
    });
    expect(digests.all(PRACTICE)).toHaveLength(8);
  });

  it('lets one of two concurrent runs write; the other is superseded and writes nothing', async () => {
    const events = new MemoryEventSource();
    const digests = new MemoryDigestStore();
    events.put(PRACTICE, auditEvent(1, at(0)));
    const signer = new TestSigner();
    const run = (minutes: number) =>
      sealPractice({ practiceId: PRACTICE, events, digests, signer, now: new Date(T0 + minutes * MINUTE) });
    const results = await Promise.all([run(2), run(3)]);
    expect(results.map((result) => result.status).sort()).toEqual(['sealed', 'superseded']);
    expect(digests.all(PRACTICE)).toHaveLength(1);
    expect((await verify(events, digests, signer)).intact).toBe(true);
  });

  it('survives a crash before the digest is stored: the next run seals the same events', async () => {
    const events = new MemoryEventSource();
    const store = new MemoryDigestStore();
    events.put(PRACTICE, auditEvent(1, at(0)));
    const signer = new TestSigner();
    const failing = Object.assign(Object.create(store) as MemoryDigestStore, {
      put: async () => {
        throw new Error('connection reset');
      },
    });
    await expect(
      sealPractice({ practiceId: PRACTICE, events, digests: failing, signer, now: new Date(T0 + MINUTE) }),
    ).rejects.toThrow('connection reset');
    const result = await sealPractice({
      practiceId: PRACTICE,
      events,
      digests: store,
      signer,
      now: new Date(T0 + 2 * MINUTE),
    });
    expect(result.status === 'sealed' && result.digest).toMatchObject({
      sequence: 1,
      events: [{ eventId: 'evt-0001' }],
    });
  });

  it('survives a crash after the digest is stored: the next run continues from it, sealing nothing twice', async () => {
    const events = new MemoryEventSource();
    const digests = new MemoryDigestStore();
    const signer = new TestSigner();
    events.put(PRACTICE, auditEvent(1, at(0)));
    await sealPractice({ practiceId: PRACTICE, events, digests, signer, now: new Date(T0 + MINUTE) });
    // (the process dies here, before anything else it meant to do)
    events.put(PRACTICE, auditEvent(2, at(40 * SECOND)));
    const result = await sealPractice({
      practiceId: PRACTICE,
      events,
      digests,
      signer,
      now: new Date(T0 + 2 * MINUTE),
    });
    expect(result.status === 'sealed' && result.digest.events.map((entry) => entry.eventId)).toEqual([
      'evt-0002',
    ]);
    expect((await verify(events, digests, signer)).intact).toBe(true);
  });

  it('seals a late event (written after its range was sealed) in the next digest, once, with its own time', async () => {
    const events = new MemoryEventSource();
    const digests = new MemoryDigestStore();
    const signer = new TestSigner();
    events.put(PRACTICE, auditEvent(1, at(0)));
    await sealPractice({ practiceId: PRACTICE, events, digests, signer, now: new Date(T0 + 2 * MINUTE) });
    // Its `at` is inside digest 1's range, but it reached the store only after digest 1 was written.
    events.put(PRACTICE, auditEvent(2, at(45 * SECOND)));
    const next = await sealPractice({
      practiceId: PRACTICE,
      events,
      digests,
      signer,
      now: new Date(T0 + 3 * MINUTE),
    });
    expect(next.status === 'sealed' && next).toMatchObject({ late: 1, digest: { sequence: 2 } });
    const sealedLate = next.status === 'sealed' ? next.digest : undefined;
    expect(sealedLate?.events).toEqual([
      expect.objectContaining({ eventId: 'evt-0002', at: at(45 * SECOND) }),
    ]);
    expect(sealedLate?.oldestEventTime).toBe(at(45 * SECOND));
    expect(
      sealedLate &&
        sealedLate.oldestEventTime !== null &&
        sealedLate.oldestEventTime < sealedLate.digestStartTime,
    ).toBe(true);

    const again = await sealPractice({
      practiceId: PRACTICE,
      events,
      digests,
      signer,
      now: new Date(T0 + 4 * MINUTE),
    });
    expect(again.status === 'sealed' && again.digest.events).toEqual([]);
    const report = await verify(events, digests, signer);
    expect(report).toMatchObject({ intact: true, eventsChecked: 2, eventsSealed: 2 });
  });

  it('refuses to chain onto a latest digest it cannot read', async () => {
    const { events, digests, signer } = await sealedTrail();
    const chain = digests.all(PRACTICE);
    const broken = { ...chain.at(-1), digest: { ...chain.at(-1)?.digest, format: 'something else' } };
    const store = new MemoryDigestStore([...chain.slice(0, -1), broken as SignedAuditDigest]);
    await expect(
      sealPractice({ practiceId: PRACTICE, events, digests: store, signer, now: new Date(T0 + 60 * MINUTE) }),
    ).rejects.toBeInstanceOf(DigestChainError);
  });
});

describe('verifyPractice', () => {
  it('finds an untouched trail intact, with counts', async () => {
    const { events, digests, signer } = await sealedTrail();
    events.put(PRACTICE, auditEvent(99, at(40 * MINUTE)));
    const report = await verify(events, digests, signer);
    expect(report).toEqual({
      practiceId: PRACTICE,
      from: null,
      to: null,
      intact: true,
      digestsChecked: 8,
      eventsSealed: 30,
      eventsChecked: 30,
      eventsNotYetSealed: 1,
      sealedThrough: at(40 * MINUTE - 30 * SECOND),
      breaks: [],
    });
  });

  it('names a changed event', async () => {
    const { events, digests, signer } = await sealedTrail();
    const tampered = tamperedEvents(events, (items) =>
      items.map((item) =>
        item.record.eventId === 'evt-0007'
          ? { ...item, record: { ...item.record, details: { outcome: 'no-match', attempt: 7 } } }
          : item,
      ),
    );
    const report = await verify(tampered, digests, signer);
    expect(report.intact).toBe(false);
    expect(summary(report.breaks)).toEqual([{ kind: 'changed', eventId: 'evt-0007' }]);
    expect(report.breaks[0]).toMatchObject({ sequence: 2, at: at(70 * SECOND) });
  });

  it('counts an added attribute as a change', async () => {
    const { events, digests, signer } = await sealedTrail();
    const tampered = tamperedEvents(events, (items) =>
      items.map((item) =>
        item.record.eventId === 'evt-0011'
          ? { ...item, record: { ...item.record, reviewedBy: 'someone' } }
          : item,
      ),
    );
    expect(summary((await verify(tampered, digests, signer)).breaks)).toEqual([
      { kind: 'changed', eventId: 'evt-0011' },
    ]);
  });

  it('names a deleted event as missing', async () => {
    const { events, digests, signer } = await sealedTrail();
    const tampered = tamperedEvents(events, (items) =>
      items.filter((item) => item.record.eventId !== 'evt-0012'),
    );
    const report = await verify(tampered, digests, signer);
    expect(summary(report.breaks)).toEqual([{ kind: 'missing', eventId: 'evt-0012' }]);
    expect(report.breaks[0]).toMatchObject({ sequence: 3 });
  });

  it('names an event inserted into a sealed range', async () => {
    const { events, digests, signer } = await sealedTrail();
    const tampered = tamperedEvents(events, (items) => [
      ...items,
      { sk: eventSortKey(auditEvent(500, at(65 * SECOND))), record: auditEvent(500, at(65 * SECOND)) },
    ]);
    expect(summary((await verify(tampered, digests, signer)).breaks)).toEqual([
      { kind: 'inserted', eventId: 'evt-0500' },
    ]);
  });

  it('names a second item carrying a sealed event id as inserted', async () => {
    const { events, digests, signer } = await sealedTrail();
    const copy = { ...auditEvent(4, at(40 * SECOND)), details: { outcome: 'forged', attempt: 4 } };
    const tampered = tamperedEvents(events, (items) => [
      ...items,
      { sk: `${eventSortKey(copy)}#2`, record: copy },
    ]);
    expect(summary((await verify(tampered, digests, signer)).breaks)).toEqual([
      { kind: 'inserted', eventId: 'evt-0004' },
    ]);
  });

  it('names an event moved out of the sealed order (its sort key rewritten)', async () => {
    const { events, digests, signer } = await sealedTrail();
    const tampered = tamperedEvents(events, (items) => {
      const after = items.find((item) => item.record.eventId === 'evt-0020')?.sk;
      return items.map((item) => (item.record.eventId === 'evt-0003' ? { ...item, sk: `${after}~` } : item));
    });
    const report = await verify(tampered, digests, signer);
    expect(summary(report.breaks)).toEqual([{ kind: 'reordered', eventId: 'evt-0003' }]);
  });

  it('names every break when there are several', async () => {
    const { events, digests, signer } = await sealedTrail();
    const tampered = tamperedEvents(events, (items) => [
      ...items
        .filter((item) => item.record.eventId !== 'evt-0001')
        .map((item) =>
          item.record.eventId === 'evt-0025'
            ? { ...item, record: { ...item.record, type: 'staff.rejected' } }
            : item,
        ),
      { sk: eventSortKey(auditEvent(600, at(100 * SECOND))), record: auditEvent(600, at(100 * SECOND)) },
    ]);
    const kinds = summary((await verify(tampered, digests, signer)).breaks);
    expect(kinds).toEqual(
      expect.arrayContaining([
        { kind: 'missing', eventId: 'evt-0001' },
        { kind: 'changed', eventId: 'evt-0025' },
        { kind: 'inserted', eventId: 'evt-0600' },
      ]),
    );
    expect(kinds).toHaveLength(3);
  });

  it('finds a changed digest: its signature fails, and its events are named as unverified', async () => {
    const { events, digests, signer } = await sealedTrail();
    const chain = digests.all(PRACTICE);
    const target = chain[2] as SignedAuditDigest;
    const changed: SignedAuditDigest = {
      ...target,
      digest: { ...target.digest, events: target.digest.events.slice(1) },
    };
    const store = new MemoryDigestStore(
      chain.map((signed) => (signed.digest.sequence === 3 ? changed : signed)),
    );
    const report = await verify(events, store, signer);
    // Its successor, sealed before the change, no longer recognises it either.
    expect(summary(report.breaks)).toEqual([
      { kind: 'digest-signature-invalid', reason: 'bad-signature', sequence: 3 },
      { kind: 'digest-chain-broken', reason: 'previous-hash-mismatch', sequence: 4 },
    ]);
    expect((report.breaks[0] as DigestBreak).unverifiedEventIds).toEqual(
      target.digest.events.map((e) => e.eventId),
    );
  });

  it('finds a deleted digest: a gap in the sequence, naming the events it sealed', async () => {
    const { events, digests, signer } = await sealedTrail();
    const chain = digests.all(PRACTICE);
    const store = new MemoryDigestStore(chain.filter((signed) => signed.digest.sequence !== 4));
    const report = await verify(events, store, signer);
    expect(summary(report.breaks)).toEqual([
      { kind: 'digest-chain-broken', reason: 'sequence-gap', sequence: 5 },
    ]);
    expect(report.breaks[0]).toMatchObject({
      detail: 'Digest 4 is missing between 3 and 5.',
      unverifiedEventIds: chain[3]?.digest.events.map((entry) => entry.eventId),
    });
  });

  it('finds the first digest deleted', async () => {
    const { events, digests, signer } = await sealedTrail();
    const store = new MemoryDigestStore(digests.all(PRACTICE).slice(1));
    const report = await verify(events, store, signer);
    expect(summary(report.breaks)).toEqual([
      { kind: 'digest-chain-broken', reason: 'sequence-gap', sequence: 2 },
    ]);
    expect((report.breaks[0] as DigestBreak).unverifiedEventIds).toEqual([
      'evt-0000',
      'evt-0001',
      'evt-0002',
    ]);
  });

  it('finds a digest re-signed with another key, whether it keeps the key id or names its own', async () => {
    const { events, digests, signer } = await sealedTrail();
    const chain = digests.all(PRACTICE);
    const attacker = new TestSigner('attacker/key');
    // The attacker hides a change to evt-0010 by sealing its new hash, then signs with their own key.
    const tampered = tamperedEvents(events, (items) =>
      items.map((item) =>
        item.record.eventId === 'evt-0010'
          ? { ...item, record: { ...item.record, requestId: 'req-x' } }
          : item,
      ),
    );
    const forged = tampered.items(PRACTICE).find((item) => item.record.eventId === 'evt-0010')?.record;
    const target = (chain[2] as SignedAuditDigest).digest;
    const events3 = target.events.map((entry) =>
      entry.eventId === 'evt-0010' && forged ? { ...entry, hash: eventHash(forged) } : entry,
    );
    for (const signingKeyId of [target.signingKeyId, attacker.keyId]) {
      const resigned = await resign(attacker, { ...target, events: events3, signingKeyId });
      const store = new MemoryDigestStore(
        chain.map((signed) => (signed.digest.sequence === 3 ? resigned : signed)),
      );
      const report = await verify(tampered, store, signer);
      const reason = signingKeyId === attacker.keyId ? 'unknown-key' : 'bad-signature';
      expect(summary(report.breaks)).toEqual([
        { kind: 'digest-signature-invalid', reason, sequence: 3 },
        { kind: 'digest-chain-broken', reason: 'previous-signature-mismatch', sequence: 4 },
      ]);
      expect((report.breaks[0] as DigestBreak).unverifiedEventIds).toContain('evt-0010');
    }
  });

  it('finds a digest replaced by another one validly signed (its successor names a different predecessor)', async () => {
    const { events, digests, signer } = await sealedTrail();
    const chain = digests.all(PRACTICE);
    const original = (chain[1] as SignedAuditDigest).digest;
    const other = await resign(signer, { ...original, createdAt: at(5 * MINUTE) });
    const store = new MemoryDigestStore(
      chain.map((signed) => (signed.digest.sequence === 2 ? other : signed)),
    );
    const report = await verify(events, store, signer);
    expect(summary(report.breaks)).toEqual([
      { kind: 'digest-chain-broken', reason: 'previous-signature-mismatch', sequence: 3 },
    ]);
  });

  it('finds a gap in time between consecutive digests', async () => {
    const { events, digests, signer } = await sealedTrail();
    const chain = digests.all(PRACTICE).slice(0, 3);
    const third = (chain[2] as SignedAuditDigest).digest;
    // A properly linked, properly signed digest 3 whose range does not start where digest 2's ended.
    const skewed = await resign(signer, { ...third, digestStartTime: at(100 * SECOND) });
    const store = new MemoryDigestStore([
      chain[0] as SignedAuditDigest,
      chain[1] as SignedAuditDigest,
      skewed,
    ]);
    const report = await verify(events, store, signer, { to: at(150 * SECOND) });
    expect(summary(report.breaks)).toEqual([
      { kind: 'digest-chain-broken', reason: 'time-gap', sequence: 3 },
    ]);
  });

  it('finds an unreadable digest', async () => {
    const { events, digests, signer } = await sealedTrail();
    const chain = digests.all(PRACTICE);
    const garbage = {
      digest: { sequence: 6, practiceId: PRACTICE },
      signature: 'zz',
    } as unknown as SignedAuditDigest;
    const store = new MemoryDigestStore(
      chain.map((signed) => (signed.digest.sequence === 6 ? garbage : signed)),
    );
    const report = await verify(events, store, signer);
    expect(summary(report.breaks)).toEqual([
      { kind: 'digest-signature-invalid', reason: 'malformed', sequence: 6 },
    ]);
    expect((report.breaks[0] as DigestBreak).unverifiedEventIds).toEqual([
      'evt-0027',
      'evt-0028',
      'evt-0029',
    ]);
  });

  it("finds another practice's digest filed in this practice's chain", async () => {
    const { events, digests, signer } = await sealedTrail();
    const chain = digests.all(PRACTICE);
    const foreign = await resign(signer, {
      ...(chain[4] as SignedAuditDigest).digest,
      practiceId: 'practice-b',
    });
    // As a table would return it if someone copied B's item under A's partition key.
    const swapped = Object.assign(Object.create(digests) as MemoryDigestStore, {
      async *list() {
        for (const signed of chain) yield signed.digest.sequence === 5 ? foreign : signed;
      },
    });
    const report = await verify(events, swapped, signer);
    expect(summary(report.breaks)).toEqual([
      { kind: 'digest-chain-broken', reason: 'other-practice', sequence: 5 },
      { kind: 'digest-chain-broken', reason: 'previous-signature-mismatch', sequence: 6 },
    ]);
    expect((report.breaks[0] as DigestBreak).unverifiedEventIds).toEqual(
      chain[4]?.digest.events.map((e) => e.eventId),
    );
  });

  it('reports an event sealed too late to be picked up as inserted (the documented limit of the late window)', async () => {
    const { events, digests, signer } = await sealedTrail();
    events.put(PRACTICE, auditEvent(700, at(2 * MINUTE)));
    const sealed = await sealPractice({
      practiceId: PRACTICE,
      events,
      digests,
      signer,
      now: new Date(T0 + 41 * MINUTE),
    });
    expect(sealed.status === 'sealed' && sealed.late).toBe(0);
    expect(summary((await verify(events, digests, signer)).breaks)).toEqual([
      { kind: 'inserted', eventId: 'evt-0700' },
    ]);
  });

  it('counts an unsealed event within the late window as not yet sealed, not inserted', async () => {
    const { events, digests, signer } = await sealedTrail();
    events.put(PRACTICE, auditEvent(701, at(30 * MINUTE)));
    const report = await verify(events, digests, signer);
    expect(report).toMatchObject({ intact: true, eventsNotYetSealed: 1 });
  });

  it('checks only the given range, with the digests around it', async () => {
    const { events, digests, signer } = await sealedTrail();
    const tampered = tamperedEvents(events, (items) =>
      items
        .filter((item) => item.record.eventId !== 'evt-0002')
        .map((item) =>
          item.record.eventId === 'evt-0016'
            ? { ...item, record: { ...item.record, actor: { sub: 'x' } } }
            : item,
        ),
    );
    const report = await verify(tampered, digests, signer, { from: at(2 * MINUTE), to: at(3 * MINUTE) });
    expect(report).toMatchObject({
      from: at(2 * MINUTE),
      to: at(3 * MINUTE),
      eventsSealed: 6,
      eventsChecked: 6,
    });
    expect(summary(report.breaks)).toEqual([{ kind: 'changed', eventId: 'evt-0016' }]);
  });

  it('checks the link into a range from the digest before it', async () => {
    const { events, digests, signer } = await sealedTrail();
    const chain = digests.all(PRACTICE);
    const store = new MemoryDigestStore(chain.filter((signed) => signed.digest.sequence !== 2));
    const report = await verify(events, store, signer, { from: at(100 * SECOND), to: at(3 * MINUTE) });
    expect(summary(report.breaks)).toEqual([
      { kind: 'digest-chain-broken', reason: 'sequence-gap', sequence: 3 },
    ]);
    expect(report.breaks[0]).toMatchObject({ detail: 'Digest 2, before the range, is missing.' });
  });

  it('reports a chain that stopped: the last digest older than allowed', async () => {
    const { events, digests, signer } = await sealedTrail();
    const later = { now: new Date(T0 + 3 * 60 * MINUTE), maxLagMs: 15 * MINUTE };
    expect(summary((await verify(events, digests, signer, later)).breaks)).toEqual([
      { kind: 'digest-chain-broken', reason: 'stale', sequence: 8 },
    ]);
    const onTime = { now: new Date(T0 + 45 * MINUTE), maxLagMs: 15 * MINUTE };
    expect((await verify(events, digests, signer, onTime)).intact).toBe(true);
  });

  it('trusts only the keys it is given', async () => {
    const { events, digests } = await sealedTrail();
    const report = await verifyPractice({
      practiceId: PRACTICE,
      events,
      digests,
      keys: new DigestKeyring([new TestSigner('test/audit-key-1').verifier()]),
    });
    expect(report.breaks.filter((brk) => brk.kind === 'digest-signature-invalid')).toHaveLength(8);
  });
});

describe('MemoryDigestStore', () => {
  it('ignores an identical second write and refuses a different digest with a taken number', async () => {
    const { digests, signer } = await sealedTrail();
    const first = digests.all(PRACTICE)[0] as SignedAuditDigest;
    await expect(digests.put(first)).resolves.toBeUndefined();
    const other = await resign(signer, { ...first.digest, createdAt: at(MINUTE) });
    await expect(digests.put(other)).rejects.toBeInstanceOf(DigestConflictError);
  });
});

describe('longestIncreasing', () => {
  it('keeps one longest increasing run, so the fewest events are called out of order', () => {
    expect([...longestIncreasing([0, 1, 2, 3])].sort()).toEqual([0, 1, 2, 3]);
    expect([...longestIncreasing([0, 3, 1, 2, 4])].sort()).toEqual([0, 2, 3, 4]);
    expect(longestIncreasing([])).toEqual(new Set());
  });
});
