import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PracticeSealOutcome, sealPracticeTrail } from '../../../functions/audit/sealing';
import { verifyRange } from '../../../functions/audit/verify-trail';
import { startEmbeddedDynamo } from '../../../infra/local/embedded-dynamodb';
import { type AuditEvent, DynamoAuditLog } from '../../../layers/audit/audit-log';
import { DynamoAuditTotals } from '../../../layers/audit/day-totals';
import { digestBytes } from '../../../layers/audit/seal/digest';
import { type DigestStore, FileDigestStore } from '../../../layers/audit/seal/digest-store';
import { DynamoDigestStore, digestSortKey } from '../../../layers/audit/seal/dynamo-digest-store';
import { DynamoEventSource } from '../../../layers/audit/seal/dynamo-event-source';
import { LockedDigestStore } from '../../../layers/audit/seal/locked-digest-store';
import { sealPractice } from '../../../layers/audit/seal/sealer';
import { LocalDigestSigner } from '../../../layers/audit/seal/signing';
import type { IntegrityBreak } from '../../../layers/audit/seal/verifier';
import { createDocumentClient } from '../../../layers/storage/dynamo-client';

/**
 * The tamper cases through the real stores: events in dynalite (the DynamoDB API), digests in the audit table
 * and in write-once files, signed with the local key, checked with its public key only. Each case changes the
 * table the way someone with write access to it could, and expects the break named.
 */

const MINUTE = 60_000;
const T0 = Date.parse('2026-03-02T09:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

let dynamo: Awaited<ReturnType<typeof startEmbeddedDynamo>>;
let client: DynamoDBDocumentClient;
let dir: string;
let signer: LocalDigestSigner;
let copies: FileDigestStore;

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  dynamo = await startEmbeddedDynamo({});
  client = createDocumentClient({ AWS_REGION: 'eu-west-2', DYNAMODB_ENDPOINT: dynamo.endpoint });
  dir = await mkdtemp(join(tmpdir(), 'clinic-seal-'));
  signer = await LocalDigestSigner.open({ dir: join(dir, 'key') });
  copies = new FileDigestStore(join(dir, 'copies'));
});
afterAll(async () => {
  client?.destroy();
  await dynamo?.close();
  await rm(dir, { recursive: true, force: true });
});

const tables = () => dynamo.tableNames;
const events = () => new DynamoEventSource(client, tables().audit);
const tableDigests = () => new DynamoDigestStore(client, tables().audit);
const totals = () => new DynamoAuditTotals(client, tables().records);

async function seal(practiceId: string, nowMs: number): Promise<PracticeSealOutcome> {
  return sealPracticeTrail({
    practiceId,
    events: events(),
    digests: new LockedDigestStore(tableDigests(), copies),
    totals: totals(),
    signer,
    now: new Date(nowMs),
  });
}

/**
 * Eighteen events over three minutes (a lookup every 10 s, by two members), sealed by a digest a minute, and
 * once more long after, so every event is older than the late window.
 */
async function sealedPractice(practiceId: string): Promise<AuditEvent[]> {
  const log = new DynamoAuditLog(client, tables().audit);
  const written: AuditEvent[] = [];
  for (let index = 0; index < 18; index++) {
    written.push(
      await log.record({
        practiceId,
        type: index % 3 === 0 ? 'staff.aup_accepted' : 'patient.lookup',
        at: at(index * 10_000),
        actor: { sub: `member-${index % 2}`, role: 'clinician' },
        details: { outcome: 'no-match', reason: 'restricted', attempt: index },
        requestId: `req-${index}`,
      }),
    );
  }
  for (const minute of [1, 2, 3, 4, 60]) await seal(practiceId, T0 + minute * MINUTE);
  return written;
}

async function check(
  practiceId: string,
  digests: DigestStore = tableDigests(),
  range: { fromIso?: string; toIso?: string } = {},
) {
  const { report } = await verifyRange(
    practiceId,
    { events: events(), digests, verifier: async () => signer.verifier() },
    range,
    // Sealing is current: the last seal was at T0 + 60 min.
    new Date(T0 + 61 * MINUTE),
  );
  return report;
}

const named = (breaks: IntegrityBreak[]) =>
  breaks.map((brk) => ('eventId' in brk ? `${brk.kind}:${brk.eventId}` : `${brk.reason}:${brk.sequence}`));

const eventKey = (practiceId: string, event: { at: string; eventId: string }) => ({
  pk: `PRACTICE#${practiceId}`,
  sk: `EVENT#${event.at}#${event.eventId}`,
});

describe('sealing through the real stores', () => {
  it('writes a chain of signed digests to the table and the write-once copies, and the trail verifies', async () => {
    await sealedPractice('seal-intact');
    const report = await check('seal-intact');
    expect(report).toMatchObject({
      intact: true,
      eventsSealed: 18,
      eventsChecked: 18,
      eventsNotYetSealed: 0,
    });
    expect(report.digestsChecked).toBe(5);
    const copied = [];
    for await (const signed of copies.list('seal-intact')) copied.push(signed.digest.sequence);
    expect(copied).toEqual([1, 2, 3, 4, 5]);
    expect((await check('seal-intact', copies)).intact).toBe(true);
  });

  it('keeps per-day totals of what it sealed', async () => {
    await sealedPractice('seal-totals');
    const day = (await totals().totals('seal-totals', '2026-03-02', '2026-03-02')).get('2026-03-02');
    expect(day?.byType).toEqual({ 'patient.lookup': 12, 'staff.aup_accepted': 6 });
    expect(day?.byMember['member-0']).toEqual({ 'patient.lookup': 6, 'staff.aup_accepted': 3 });
    // Long past its end and the late window, the day has its sum, and reads the same.
    const { Item } = await client.send(
      new GetCommand({
        TableName: tables().records,
        Key: { pk: 'PRACTICE#seal-totals', sk: 'AUDITDAY#SUM#2026-03-02' },
      }),
    );
    expect(Item).toBeUndefined(); // T0 + 60 min is still 2 March
    await seal('seal-totals', Date.parse('2026-03-04T09:00:00.000Z'));
    const rolled = await client.send(
      new GetCommand({
        TableName: tables().records,
        Key: { pk: 'PRACTICE#seal-totals', sk: 'AUDITDAY#SUM#2026-03-02' },
      }),
    );
    expect(rolled.Item?.byType).toEqual({ 'patient.lookup': 12, 'staff.aup_accepted': 6 });
    expect((await totals().totals('seal-totals', '2026-03-01', '2026-03-03')).get('2026-03-02')).toEqual(day);
  });

  it('repairs the totals of a digest whose run crashed between writing it and them', async () => {
    const log = new DynamoAuditLog(client, tables().audit);
    for (let index = 0; index < 5; index++) {
      await log.record({
        practiceId: 'seal-repair',
        type: 'patient.lookup',
        at: at(index * 1_000),
        actor: { sub: 'member-0' },
        details: { outcome: 'match' },
      });
    }
    expect((await seal('seal-repair', T0 + 5 * MINUTE)).digests).toBe(1);
    await client.send(
      new DeleteCommand({
        TableName: tables().records,
        Key: { pk: 'PRACTICE#seal-repair', sk: 'AUDITDAY#PART#2026-03-02#000000000001' },
      }),
    );
    expect((await totals().totals('seal-repair', '2026-03-02', '2026-03-02')).size).toBe(0);
    const outcome = await seal('seal-repair', T0 + 6 * MINUTE);
    expect(outcome.repaired).toBe(true);
    expect(
      (await totals().totals('seal-repair', '2026-03-02', '2026-03-02')).get('2026-03-02')?.byType,
    ).toEqual({
      'patient.lookup': 5,
    });
  });

  it('never sums a day without the totals of a digest another sealer wrote meanwhile', async () => {
    const log = new DynamoAuditLog(client, tables().audit);
    for (let index = 0; index < 4; index++) {
      await log.record({
        practiceId: 'seal-race',
        type: 'patient.lookup',
        at: at(index * 1_000),
        actor: { sub: 'member-0' },
        details: { outcome: 'match' },
      });
    }
    // Another sealer, running at the same time, writes its digest (through 4 March) just after this run has
    // looked for the newest one, and has not written its totals yet when this run comes to sum the days.
    let calls = 0;
    const racing: DigestStore = {
      latest: async (practiceId) => {
        calls++;
        if (calls === 2) {
          const other = await sealPractice({
            practiceId,
            events: events(),
            digests: tableDigests(),
            signer,
            now: new Date('2026-03-04T12:00:00.000Z'),
          });
          expect(other.status).toBe('sealed');
        }
        return tableDigests().latest(practiceId);
      },
      get: (practiceId, sequence) => tableDigests().get(practiceId, sequence),
      list: (practiceId, range) => tableDigests().list(practiceId, range),
      put: (signed) => tableDigests().put(signed),
    };
    const outcome = await sealPracticeTrail({
      practiceId: 'seal-race',
      events: events(),
      digests: racing,
      totals: totals(),
      signer,
      now: new Date('2026-03-04T11:00:00.000Z'),
    });
    expect(outcome).toMatchObject({ digests: 0, repaired: true });
    expect(outcome.daysRolledUp).toBeGreaterThan(0);
    expect(
      (await totals().totals('seal-race', '2026-03-02', '2026-03-02')).get('2026-03-02')?.byType,
    ).toEqual({
      'patient.lookup': 4,
    });
  });

  it('finds an event changed after it was sealed, naming it', async () => {
    const written = await sealedPractice('seal-changed');
    const target = written[4] as AuditEvent;
    await client.send(
      new UpdateCommand({
        TableName: tables().audit,
        Key: eventKey('seal-changed', target),
        UpdateExpression: 'SET details.outcome = :match',
        ExpressionAttributeValues: { ':match': 'match' },
      }),
    );
    const report = await check('seal-changed');
    expect(report.intact).toBe(false);
    expect(named(report.breaks)).toEqual([`changed:${target.eventId}`]);
  });

  it('finds an event deleted after it was sealed', async () => {
    const written = await sealedPractice('seal-missing');
    const target = written[7] as AuditEvent;
    await client.send(
      new DeleteCommand({ TableName: tables().audit, Key: eventKey('seal-missing', target) }),
    );
    expect(named((await check('seal-missing')).breaks)).toEqual([`missing:${target.eventId}`]);
  });

  it('finds an event put into a sealed range', async () => {
    const written = await sealedPractice('seal-inserted');
    const forged = {
      ...(written[5] as AuditEvent),
      eventId: '00000000-0000-4000-8000-000000000001',
      at: at(55_000),
    };
    await client.send(
      new PutCommand({
        TableName: tables().audit,
        Item: { ...eventKey('seal-inserted', forged), ...forged },
      }),
    );
    expect(named((await check('seal-inserted')).breaks)).toEqual([`inserted:${forged.eventId}`]);
  });

  it('finds an event moved out of its sealed order (its sort key rewritten)', async () => {
    const written = await sealedPractice('seal-reordered');
    const target = written[2] as AuditEvent;
    await client.send(
      new DeleteCommand({ TableName: tables().audit, Key: eventKey('seal-reordered', target) }),
    );
    // Same item, filed under a later time: it now reads after events sealed after it.
    await client.send(
      new PutCommand({
        TableName: tables().audit,
        Item: {
          ...eventKey('seal-reordered', target),
          sk: `EVENT#${at(75_000)}#${target.eventId}`,
          ...target,
        },
      }),
    );
    expect(named((await check('seal-reordered')).breaks)).toEqual([`reordered:${target.eventId}`]);
  });

  it('finds a digest changed after it was signed, and still checks against the write-once copies', async () => {
    await sealedPractice('seal-digest-changed');
    await client.send(
      new UpdateCommand({
        TableName: tables().audit,
        Key: { pk: 'PRACTICE#seal-digest-changed', sk: digestSortKey(2) },
        UpdateExpression: 'SET digest.events[0].#hash = :zero',
        ExpressionAttributeNames: { '#hash': 'hash' },
        ExpressionAttributeValues: { ':zero': '0'.repeat(64) },
      }),
    );
    const report = await check('seal-digest-changed');
    expect(named(report.breaks)).toContain('bad-signature:2');
    expect(report.intact).toBe(false);
    // The copies cannot have been changed: against them the events are as sealed.
    expect((await check('seal-digest-changed', copies)).intact).toBe(true);
  });

  it('finds a digest re-signed with another key', async () => {
    await sealedPractice('seal-other-key');
    const other = await LocalDigestSigner.open({ dir: join(dir, 'other-key') });
    const { Item } = await client.send(
      new GetCommand({
        TableName: tables().audit,
        Key: { pk: 'PRACTICE#seal-other-key', sk: digestSortKey(3) },
      }),
    );
    const digest = { ...(Item?.digest as Record<string, unknown>), signingKeyId: other.keyId };
    const signature = Buffer.from(await other.sign(digestBytes(digest as never))).toString('hex');
    await client.send(new PutCommand({ TableName: tables().audit, Item: { ...Item, digest, signature } }));
    const report = await check('seal-other-key');
    expect(named(report.breaks)).toContain('unknown-key:3');
  });

  it('finds a gap in the chain where a digest was deleted, and names the events left unvouched for', async () => {
    const written = await sealedPractice('seal-gap');
    const second = await tableDigests().get('seal-gap', 2);
    await client.send(
      new DeleteCommand({
        TableName: tables().audit,
        Key: { pk: 'PRACTICE#seal-gap', sk: digestSortKey(2) },
      }),
    );
    const report = await check('seal-gap');
    const gap = report.breaks.find((brk) => !('eventId' in brk) && brk.reason === 'sequence-gap');
    expect(gap).toBeDefined();
    const unvouched = (gap as { unverifiedEventIds: string[] }).unverifiedEventIds.sort();
    expect(unvouched).toEqual((second?.digest.events ?? []).map((entry) => entry.eventId).sort());
    expect(unvouched.length).toBeGreaterThan(0);
    expect(written.map((event) => event.eventId)).toEqual(expect.arrayContaining(unvouched));
  });

  it('checks a range by finding its digests, not by reading the whole chain', async () => {
    const written = await sealedPractice('seal-range');
    const target = written[10] as AuditEvent;
    await client.send(new DeleteCommand({ TableName: tables().audit, Key: eventKey('seal-range', target) }));
    const inRange = await check('seal-range', tableDigests(), { fromIso: at(90_000), toIso: at(130_000) });
    expect(named(inRange.breaks)).toEqual([`missing:${target.eventId}`]);
    expect(inRange.eventsSealed).toBe(4);
    const before = await check('seal-range', tableDigests(), { fromIso: at(0), toIso: at(60_000) });
    expect(before).toMatchObject({ intact: true, eventsSealed: 6 });
  });
});
