import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sameContext } from '../../../layers/crypto/envelope';
import {
  DecryptionFailedError,
  EncryptionContextMismatchError,
  PracticeKeyUnavailableError,
} from '../../../layers/crypto/errors';
import { FieldCrypto, type FieldRef } from '../../../layers/crypto/field-crypto';
import { LocalPracticeKeys } from '../../../layers/crypto/local-practice-keys';

const NHS: FieldRef = { table: 'records', attribute: 'nhsNumber' };
const NAME: FieldRef = { table: 'records', attribute: 'name' };

let dataDir: string;
let keys: LocalPracticeKeys;
let crypto: FieldCrypto;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'clinic-crypto-'));
  keys = new LocalPracticeKeys({ dataDir });
  crypto = new FieldCrypto(keys);
  await keys.provision('practice-a', 'Practice A');
  await keys.provision('practice-b', 'Practice B');
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('LocalPracticeKeys', () => {
  it('keeps one 256-bit key per practice in a 0600 file in a 0700 directory', async () => {
    const dir = join(dataDir, 'keys');
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const file = join(dir, 'practice-a.key');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file)).byteLength).toBe(32);
  });

  it('provisions idempotently: a second call keeps the key, so old values still decrypt', async () => {
    const before = await readFile(join(dataDir, 'keys', 'practice-a.key'));
    const sealed = await crypto.encrypt('practice-a', NHS, '9990001234');
    expect(await keys.provision('practice-a', 'Practice A')).toEqual({
      keyId: 'clinic-connect-local/practice-a',
    });
    expect(await readFile(join(dataDir, 'keys', 'practice-a.key'))).toEqual(before);
    expect(await new FieldCrypto(keys).decrypt('practice-a', NHS, sealed)).toBe('9990001234');
  });

  it('two containers provisioning the same practice at once end up with one key', async () => {
    const x = new LocalPracticeKeys({ dataDir });
    const y = new LocalPracticeKeys({ dataDir });
    await Promise.all([x.provision('practice-c', 'C'), y.provision('practice-c', 'C')]);
    const sealed = await new FieldCrypto(x).encrypt('practice-c', NHS, '9990001234');
    expect(await new FieldCrypto(y).decrypt('practice-c', NHS, sealed)).toBe('9990001234');
    expect((await readdir(join(dataDir, 'keys'))).filter((f) => f.startsWith('practice-c'))).toEqual([
      'practice-c.key',
    ]);
  });

  it('refuses a key file other users can read', async () => {
    await chmod(join(dataDir, 'keys', 'practice-a.key'), 0o644);
    await expect(keys.dataKey('practice-a')).rejects.toThrow(/readable by other users/);
  });

  it('refuses ids that could escape the key directory', async () => {
    await expect(keys.provision('../evil', 'x')).rejects.toThrow(TypeError);
    await expect(keys.dataKey('Practice-A')).rejects.toThrow(TypeError);
  });

  it('keeps the practice data key only wrapped under the key file, in a 0600 file, made on first use', async () => {
    const file = join(dataDir, 'keys', 'wrapped', 'practice-a.practice-data-key-v1');
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
    await crypto.encrypt('practice-a', NHS, '9990001234');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const stored = Buffer.from(await readFile(file, 'utf8'), 'base64');
    // An ESDK message under the key file, bound to {practiceId, purpose}.
    expect(stored[0]).toBe(0x02);
    expect(stored.toString('latin1')).toContain('practice-data-key');
    expect(stored.toString('latin1')).toContain('clinic-connect-local');
  });

  it('a data key record moved in from another practice does not open', async () => {
    await crypto.encrypt('practice-b', NHS, '9990005678');
    const wrapped = join(dataDir, 'keys', 'wrapped');
    await writeFile(
      join(wrapped, 'practice-a.practice-data-key-v1'),
      await readFile(join(wrapped, 'practice-b.practice-data-key-v1')),
      { mode: 0o600 },
    );
    await expect(new LocalPracticeKeys({ dataDir }).dataKey('practice-a')).rejects.toThrow(
      PracticeKeyUnavailableError,
    );
  });

  it('says clearly when a practice has no key', async () => {
    await expect(crypto.encrypt('practice-z', NHS, '9990001234')).rejects.toThrow(
      PracticeKeyUnavailableError,
    );
  });
});

describe('FieldCrypto (local raw AES keyring)', () => {
  it('round-trips a value and never stores the plaintext', async () => {
    const sealed = await crypto.encrypt('practice-a', NHS, '9990001234');
    expect(sealed).not.toContain('9990001234');
    expect(Buffer.from(sealed, 'base64').toString('latin1')).not.toContain('9990001234');
    expect(await crypto.decrypt('practice-a', NHS, sealed)).toBe('9990001234');
  });

  it('writes committing, unsigned messages bound to {practiceId, table, attribute}', async () => {
    const sealed = Buffer.from(await crypto.encrypt('practice-a', NHS, 'x'), 'base64');
    // Message format version 2, suite 0x0478 (AES-256-GCM, HKDF-SHA512, key commitment, no signature).
    expect(sealed[0]).toBe(0x02);
    expect(sealed.readUInt16BE(1)).toBe(0x0478);
    const header = sealed.toString('latin1');
    for (const part of ['practiceId', 'practice-a', 'table', 'records', 'attribute', 'nhsNumber']) {
      expect(header).toContain(part);
    }
    // One encrypted data key, wrapped by the practice's field key, named with its practice and version.
    expect(header).toContain('clinic-connect');
    expect(header).toContain('practice/practice-a/v1/fields');
  });

  it('refuses a value swapped in from practice B: B’s key is not A’s', async () => {
    const fromB = await crypto.encrypt('practice-b', NHS, '9990005678');
    const attempt = crypto.decrypt('practice-a', NHS, fromB);
    await expect(attempt).rejects.toThrow(DecryptionFailedError);
    await expect(attempt).rejects.toThrow(/not encrypted under this practice's key/);
  });

  it('refuses a value moved to another attribute of the same practice', async () => {
    const nhs = await crypto.encrypt('practice-a', NHS, '9990001234');
    const attempt = crypto.decrypt('practice-a', NAME, nhs);
    await expect(attempt).rejects.toThrow(EncryptionContextMismatchError);
    await expect(attempt).rejects.toThrow(/belongs to another practice or field/);
  });

  it('refuses a value moved to the same attribute of another table', async () => {
    const nhs = await crypto.encrypt('practice-a', NHS, '9990001234');
    await expect(
      crypto.decrypt('practice-a', { table: 'directory', attribute: 'nhsNumber' }, nhs),
    ).rejects.toThrow(EncryptionContextMismatchError);
  });

  it('fails closed on a tampered or malformed value', async () => {
    const sealed = Buffer.from(await crypto.encrypt('practice-a', NHS, '9990001234'), 'base64');
    sealed[sealed.length - 5] = (sealed[sealed.length - 5] ?? 0) ^ 0x01;
    await expect(crypto.decrypt('practice-a', NHS, sealed.toString('base64'))).rejects.toThrow(
      DecryptionFailedError,
    );
    await expect(crypto.decrypt('practice-a', NHS, '9990001234')).rejects.toThrow(DecryptionFailedError);
    await expect(crypto.decrypt('practice-a', NHS, 'not base64!')).rejects.toThrow(DecryptionFailedError);
    await expect(crypto.decrypt('practice-a', NHS, '')).rejects.toThrow(DecryptionFailedError);
  });

  it('refuses strings that UTF-8 cannot carry instead of corrupting them', async () => {
    await expect(crypto.encrypt('practice-a', NAME, 'a\uD800b')).rejects.toThrow(/well-formed/);
  });

  it('round-trips the empty string and long values', async () => {
    for (const value of ['', 'Ms Zoë O’Brien-Smith', 'x'.repeat(10_000)]) {
      expect(await crypto.decrypt('practice-a', NAME, await crypto.encrypt('practice-a', NAME, value))).toBe(
        value,
      );
    }
  });

  it('round-trips arbitrary well-formed strings (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 200 }), async (value) => {
        const sealed = await crypto.encrypt('practice-a', NAME, value);
        expect(await crypto.decrypt('practice-a', NAME, sealed)).toBe(value);
      }),
      { numRuns: 200 },
    );
  });

  it('a new container (fresh instances on the same data dir) reads what another wrote', async () => {
    const sealed = await crypto.encrypt('practice-a', NHS, '9990001234');
    const other = new FieldCrypto(new LocalPracticeKeys({ dataDir }));
    expect(await other.decrypt('practice-a', NHS, sealed)).toBe('9990001234');
  });
});

describe('crypto-shred (offboarding)', () => {
  it('after destroy, a copy of an old ciphertext (as restored from a backup) cannot be decrypted', async () => {
    const sealed = await crypto.encrypt('practice-a', NHS, '9990001234');
    const backup = `${sealed}`; // the value as a DynamoDB backup or export would hold it
    const otherPractice = await crypto.encrypt('practice-b', NHS, '9990005678');

    await keys.destroy('practice-a');
    crypto.forget('practice-a');

    expect(await readdir(join(dataDir, 'keys'))).not.toContain('practice-a.key');
    const sameContainer = crypto.decrypt('practice-a', NHS, backup);
    await expect(sameContainer).rejects.toThrow(DecryptionFailedError);
    await expect(sameContainer).rejects.toThrow(/offboarded \(crypto-shredded\)/);
    const restored = new FieldCrypto(new LocalPracticeKeys({ dataDir }));
    await expect(restored.decrypt('practice-a', NHS, backup)).rejects.toThrow(DecryptionFailedError);
    await expect(crypto.encrypt('practice-a', NHS, 'x')).rejects.toThrow(PracticeKeyUnavailableError);
    // Other practices are untouched.
    expect(await restored.decrypt('practice-b', NHS, otherPractice)).toBe('9990005678');
  });

  it('re-provisioning the same id makes a NEW key: the old ciphertext stays unreadable', async () => {
    const sealed = await crypto.encrypt('practice-a', NHS, '9990001234');
    await keys.destroy('practice-a');
    crypto.forget('practice-a');
    await keys.provision('practice-a', 'Practice A again');
    await expect(crypto.decrypt('practice-a', NHS, sealed)).rejects.toThrow(DecryptionFailedError);
  });

  it('a warm container that did not see the destroy stops reading within maxAge', async () => {
    let now = 1_000_000;
    const warm = new FieldCrypto(new LocalPracticeKeys({ dataDir, now: () => now }));
    const sealed = await warm.encrypt('practice-a', NHS, '9990001234');
    expect(await warm.decrypt('practice-a', NHS, sealed)).toBe('9990001234');
    await keys.destroy('practice-a');
    now += 5 * 60_000 + 1;
    await expect(warm.decrypt('practice-a', NHS, sealed)).rejects.toThrow(DecryptionFailedError);
  });

  it('destroy is idempotent and overwrites the key file before unlinking it', async () => {
    const file = join(dataDir, 'keys', 'practice-a.key');
    await writeFile(file, Buffer.alloc(32, 7), { mode: 0o600 });
    await keys.destroy('practice-a');
    await keys.destroy('practice-a');
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
  });
});

describe('sameContext', () => {
  it('wants the same keys and values, nothing extra and nothing missing', () => {
    const expected = { practiceId: 'a', table: 'records', attribute: 'name' };
    expect(sameContext({ attribute: 'name', table: 'records', practiceId: 'a' }, expected)).toBe(true);
    expect(sameContext({ ...expected, extra: 'x' }, expected)).toBe(false);
    expect(sameContext({ practiceId: 'a', table: 'records' }, expected)).toBe(false);
    expect(sameContext({ ...expected, practiceId: 'b' }, expected)).toBe(false);
  });
});
