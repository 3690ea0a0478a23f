import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DigestConflictError, digestBytes, type SignedAuditDigest } from '../../../layers/audit/seal/digest';
import { FileDigestStore } from '../../../layers/audit/seal/digest-store';
import { MemoryEventSource } from '../../../layers/audit/seal/event-source';
import { sealPractice } from '../../../layers/audit/seal/sealer';
import { DigestKeyring } from '../../../layers/audit/seal/signing';
import { verifyPractice } from '../../../layers/audit/seal/verifier';
import { at, auditEvent, MINUTE, PRACTICE, SECOND, T0, TestSigner } from './support/sealing';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clinic-digests-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FileDigestStore', () => {
  it('keeps a sealed chain in private files, one per digest, that verifies after reopening', async () => {
    const events = new MemoryEventSource();
    const signer = new TestSigner();
    for (let index = 0; index < 5; index++) events.put(PRACTICE, auditEvent(index, at(index * 20 * SECOND)));
    const store = new FileDigestStore(dir);
    for (const minutes of [1, 2, 3, 30]) {
      await sealPractice({
        practiceId: PRACTICE,
        events,
        digests: store,
        signer,
        now: new Date(T0 + minutes * MINUTE),
      });
    }
    expect(await readdir(join(dir, PRACTICE))).toEqual([
      '000000000001.json',
      '000000000002.json',
      '000000000003.json',
      '000000000004.json',
    ]);
    expect((await stat(join(dir, PRACTICE))).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, PRACTICE, '000000000002.json'))).mode & 0o777).toBe(0o600);

    const reopened = new FileDigestStore(dir);
    expect((await reopened.latest(PRACTICE))?.digest.sequence).toBe(4);
    const report = await verifyPractice({
      practiceId: PRACTICE,
      events,
      digests: reopened,
      keys: new DigestKeyring([signer.verifier()]),
    });
    expect(report).toMatchObject({ intact: true, eventsChecked: 5, digestsChecked: 4 });
  });

  it('lists by range and returns nothing for a practice without digests', async () => {
    const events = new MemoryEventSource();
    const store = new FileDigestStore(dir);
    const signer = new TestSigner();
    for (const minutes of [1, 2, 3]) {
      await sealPractice({
        practiceId: PRACTICE,
        events,
        digests: store,
        signer,
        now: new Date(T0 + minutes * MINUTE),
      });
    }
    const sequences = async (range: Parameters<FileDigestStore['list']>[1]) => {
      const found: number[] = [];
      for await (const signed of store.list(PRACTICE, range)) found.push(signed.digest.sequence);
      return found;
    };
    expect(await sequences({})).toEqual([1, 2, 3]);
    expect(await sequences({ endAfter: at(90 * SECOND) })).toEqual([3]);
    expect(await sequences({ startBefore: at(90 * SECOND) })).toEqual([1, 2]);
    expect(await store.latest('practice-b')).toBeUndefined();
    expect(await store.get(PRACTICE, 9)).toBeUndefined();
  });

  it('never overwrites: the same digest again is fine, a different one with its number is a conflict', async () => {
    const events = new MemoryEventSource();
    const store = new FileDigestStore(dir);
    const signer = new TestSigner();
    await sealPractice({ practiceId: PRACTICE, events, digests: store, signer, now: new Date(T0 + MINUTE) });
    const first = (await store.get(PRACTICE, 1)) as SignedAuditDigest;
    await expect(store.put(first)).resolves.toBeUndefined();
    const digest = { ...first.digest, createdAt: at(2 * MINUTE) };
    const other = { digest, signature: Buffer.from(await signer.sign(digestBytes(digest))).toString('hex') };
    await expect(store.put(other)).rejects.toBeInstanceOf(DigestConflictError);
    expect((await store.get(PRACTICE, 1))?.digest.createdAt).toBe(first.digest.createdAt);
  });

  it('refuses practice ids that are not ids (they become directory names)', async () => {
    const store = new FileDigestStore(dir);
    await expect(store.latest('../etc')).rejects.toThrow(/practice id/);
  });

  it('ignores files that are not digests', async () => {
    const store = new FileDigestStore(dir);
    await sealPractice({
      practiceId: PRACTICE,
      events: new MemoryEventSource(),
      digests: store,
      signer: new TestSigner(),
      now: new Date(T0 + MINUTE),
    });
    await writeFile(join(dir, PRACTICE, 'notes.txt'), 'x');
    expect((await store.latest(PRACTICE))?.digest.sequence).toBe(1);
  });
});
