import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { blindIndex, normaliseText, PracticeBlindIndex } from '../../../layers/crypto/blind-index';
import { PracticeKeyUnavailableError } from '../../../layers/crypto/errors';
import { LocalPracticeKeys } from '../../../layers/crypto/local-practice-keys';

let dataDir: string;
let keys: LocalPracticeKeys;
let index: PracticeBlindIndex;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'clinic-index-'));
  keys = new LocalPracticeKeys({ dataDir });
  index = new PracticeBlindIndex(keys);
  await keys.provision('practice-a', 'Practice A');
  await keys.provision('practice-b', 'Practice B');
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('blindIndex', () => {
  const key = new Uint8Array(32).fill(1);

  it('is a full-length HMAC-SHA256 in base64url', () => {
    expect(blindIndex(key, 'nhsNumber', '9990001234')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('normalises NHS numbers to their digits', () => {
    const plain = blindIndex(key, 'nhsNumber', '9990001234');
    expect(blindIndex(key, 'nhsNumber', '999 000 1234')).toBe(plain);
    expect(blindIndex(key, 'nhsNumber', ' 999-000-1234 ')).toBe(plain);
    expect(blindIndex(key, 'nhsNumber', '9990001235')).not.toBe(plain);
  });

  it('normalises text (NFC, whitespace, case) by default', () => {
    expect(normaliseText('  Zoe\u0308   O’Brien ')).toBe('zoë o’brien');
    expect(blindIndex(key, 'familyName', 'ZOË')).toBe(blindIndex(key, 'familyName', 'zoe\u0308'));
  });

  it('separates namespaces: the same digits as an NHS number and as a phone number differ', () => {
    expect(blindIndex(key, 'nhsNumber', '07700900123')).not.toBe(blindIndex(key, 'phone', '07700900123'));
  });

  it('differs for different keys', () => {
    expect(blindIndex(key, 'nhsNumber', '9990001234')).not.toBe(
      blindIndex(new Uint8Array(32).fill(2), 'nhsNumber', '9990001234'),
    );
  });

  it('refuses short keys, odd namespaces and inherited names', () => {
    expect(() => blindIndex(new Uint8Array(16), 'nhsNumber', 'x')).toThrow(/32 bytes/);
    expect(() => blindIndex(key, 'nhs\u0000Number', 'x')).toThrow(/namespace/);
    expect(blindIndex(key, 'constructor', 'x')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('is deterministic and injective on distinct normalised values (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        const same = normaliseText(a) === normaliseText(b);
        expect(blindIndex(key, 'name', a) === blindIndex(key, 'name', b)).toBe(same);
      }),
    );
  });
});

describe('PracticeBlindIndex with local keys', () => {
  it('is stable within a practice, across containers, and different across practices', async () => {
    const a1 = await index.of('practice-a', 'nhsNumber', '9990001234');
    const a2 = await new PracticeBlindIndex(new LocalPracticeKeys({ dataDir })).of(
      'practice-a',
      'nhsNumber',
      '999 000 1234',
    );
    const b = await index.of('practice-b', 'nhsNumber', '9990001234');
    expect(a2).toBe(a1);
    expect(b).not.toBe(a1);
  });

  it('derives the index key from the practice data key: nothing else is stored', async () => {
    const key = (await keys.dataKey('practice-a')).blindIndexKey();
    expect(key.byteLength).toBe(32);
    expect(await readdir(join(dataDir, 'keys', 'wrapped'))).toEqual(['practice-a.practice-data-key-v1']);
    const stored = Buffer.from(
      await readFile(join(dataDir, 'keys', 'wrapped', 'practice-a.practice-data-key-v1'), 'utf8'),
      'base64',
    );
    expect(stored.includes(Buffer.from(key))).toBe(false);
  });

  it('hands out copies: zeroing one does not change the next', async () => {
    const first = (await keys.dataKey('practice-a')).blindIndexKey();
    const copy = Uint8Array.from(first);
    first.fill(0);
    expect((await keys.dataKey('practice-a')).blindIndexKey()).toEqual(copy);
  });

  it('two containers racing to create the data key agree on one index key', async () => {
    const [x, y] = await Promise.all([
      new LocalPracticeKeys({ dataDir }).dataKey('practice-b'),
      new LocalPracticeKeys({ dataDir }).dataKey('practice-b'),
    ]);
    expect(x.blindIndexKey()).toEqual(y.blindIndexKey());
  });

  it('is shredded with the practice key', async () => {
    await index.of('practice-a', 'nhsNumber', '9990001234');
    await keys.destroy('practice-a');
    expect(await readdir(join(dataDir, 'keys', 'wrapped'))).not.toContain('practice-a.practice-data-key-v1');
    await expect(index.of('practice-a', 'nhsNumber', '9990001234')).rejects.toThrow(
      PracticeKeyUnavailableError,
    );
    await expect(new LocalPracticeKeys({ dataDir }).dataKey('practice-a')).rejects.toThrow(
      PracticeKeyUnavailableError,
    );
  });

  it('a wrapped data key restored without the practice key is useless', async () => {
    const before = await index.of('practice-a', 'nhsNumber', '9990001234');
    const file = join(dataDir, 'keys', 'wrapped', 'practice-a.practice-data-key-v1');
    const backup = await readFile(file, 'utf8');
    await keys.destroy('practice-a');
    await keys.provision('practice-a', 'Practice A again');
    await writeFile(file, backup, { mode: 0o600 });
    await expect(new LocalPracticeKeys({ dataDir }).dataKey('practice-a')).rejects.toThrow(
      PracticeKeyUnavailableError,
    );
    // And once the restored record is gone, the new key makes a new data key: old indexes do not match.
    await rm(file);
    expect(
      await new PracticeBlindIndex(new LocalPracticeKeys({ dataDir })).of(
        'practice-a',
        'nhsNumber',
        '9990001234',
      ),
    ).not.toBe(before);
  });
});
