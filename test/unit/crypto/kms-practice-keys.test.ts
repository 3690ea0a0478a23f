import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  EnableKeyRotationCommand,
  GenerateDataKeyCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PracticeBlindIndex } from '../../../layers/crypto/blind-index';
import { seal } from '../../../layers/crypto/envelope';
import {
  DecryptionFailedError,
  EncryptionContextMismatchError,
  PracticeKeyUnavailableError,
} from '../../../layers/crypto/errors';
import { FieldCrypto, type FieldRef } from '../../../layers/crypto/field-crypto';
import { MemoryKeyMaterialStore } from '../../../layers/crypto/key-material-store';
import {
  KmsPracticeKeys,
  practiceKeyAlias,
  practiceKeyPolicy,
} from '../../../layers/crypto/kms-practice-keys';
import { ACCOUNT, DATA_ROLE, FakeKms } from './support/fake-kms';

const NHS: FieldRef = { table: 'records', attribute: 'nhsNumber' };
const NAME: FieldRef = { table: 'records', attribute: 'name' };

let kms: FakeKms;
let admin: ReturnType<FakeKms['client']>;
let data: ReturnType<FakeKms['client']>;
let store: MemoryKeyMaterialStore;
let keys: KmsPracticeKeys;

function newKeys() {
  return new KmsPracticeKeys({
    stage: 'test',
    accountId: ACCOUNT,
    dataRoleArns: [DATA_ROLE],
    adminClient: admin.client,
    kmsClientFor: () => data.client,
    store,
  });
}

const calls = (command: Parameters<typeof data.mock.commandCalls>[0], practiceId?: string) =>
  data.mock
    .commandCalls(command)
    .filter(
      (call) =>
        !practiceId ||
        (call.args[0].input as { EncryptionContext?: Record<string, string> }).EncryptionContext
          ?.practiceId === practiceId,
    ).length;

beforeEach(() => {
  kms = new FakeKms();
  admin = kms.client();
  data = kms.client();
  store = new MemoryKeyMaterialStore();
  keys = newKeys();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('KmsPracticeKeys.provision', () => {
  it('creates a symmetric key with rotation, an alias naming the practice and a practiceId tag', async () => {
    const { keyId } = await keys.provision('practice-a', 'The Surgery');
    expect(keyId).toMatch(/^arn:aws:kms:eu-west-2:111122223333:key\//);

    const [create] = admin.mock.commandCalls(CreateKeyCommand);
    const input = create?.args[0].input;
    expect(input).toMatchObject({ KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' });
    expect(input?.Tags).toContainEqual({ TagKey: 'practiceId', TagValue: 'practice-a' });
    expect(input?.Description).toContain('practice-a');

    expect(admin.mock.commandCalls(EnableKeyRotationCommand)[0]?.args[0].input).toEqual({
      KeyId: keyId,
      RotationPeriodInDays: 365,
    });
    expect(admin.mock.commandCalls(CreateAliasCommand)[0]?.args[0].input).toEqual({
      AliasName: 'alias/clinic-connect/test/practice/practice-a',
      TargetKeyId: keyId,
    });
    expect(kms.keyByAlias(practiceKeyAlias('test', 'practice-a'))?.rotation).toBe(true);
  });

  it('sets a key policy: the account administers, the data roles use it only with this practiceId', async () => {
    await keys.provision('practice-a', 'The Surgery');
    const policy = JSON.parse(admin.mock.commandCalls(CreateKeyCommand)[0]?.args[0].input.Policy ?? '{}');
    expect(policy).toEqual(
      practiceKeyPolicy({ practiceId: 'practice-a', accountId: ACCOUNT, dataRoleArns: [DATA_ROLE] }),
    );
    const [adminStatement, useStatement] = policy.Statement;
    expect(adminStatement.Principal).toEqual({ AWS: `arn:aws:iam::${ACCOUNT}:root` });
    for (const action of [
      'kms:Decrypt',
      'kms:Encrypt',
      'kms:GenerateDataKey',
      'kms:CreateGrant',
      'kms:ReEncrypt*',
    ]) {
      expect(adminStatement.Action).not.toContain(action);
    }
    expect(useStatement).toEqual({
      Sid: 'PracticeDataOnlyWithThisPracticesContext',
      Effect: 'Allow',
      Principal: { AWS: [DATA_ROLE] },
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: '*',
      Condition: { StringEquals: { 'kms:EncryptionContext:practiceId': 'practice-a' } },
    });
  });

  it('is idempotent: a second call finds the key by its alias and creates nothing', async () => {
    const first = await keys.provision('practice-a', 'The Surgery');
    const second = await newKeys().provision('practice-a', 'The Surgery');
    expect(second).toEqual(first);
    expect(admin.mock.commandCalls(CreateKeyCommand)).toHaveLength(1);
    expect(admin.mock.commandCalls(CreateAliasCommand)).toHaveLength(1);
  });

  it('settles a race: the loser schedules its own new key for deletion and uses the winner’s', async () => {
    const [x, y] = await Promise.all([
      keys.provision('practice-a', 'The Surgery'),
      newKeys().provision('practice-a', 'The Surgery'),
    ]);
    expect(x).toEqual(y);
    expect(admin.mock.commandCalls(CreateKeyCommand)).toHaveLength(2);
    const orphan = admin.mock.commandCalls(ScheduleKeyDeletionCommand)[0]?.args[0].input.KeyId;
    expect(orphan).toBeDefined();
    expect(orphan).not.toBe(x.keyId);
  });

  it('refuses bad configuration at construction', () => {
    const options = { stage: 'test', adminClient: admin.client, kmsClientFor: () => data.client, store };
    expect(() => new KmsPracticeKeys({ ...options, accountId: '1', dataRoleArns: [DATA_ROLE] })).toThrow(
      /account/,
    );
    expect(() => new KmsPracticeKeys({ ...options, accountId: ACCOUNT, dataRoleArns: [] })).toThrow(/role/);
  });
});

describe('FieldCrypto over the KMS keyring (mocked KMS)', () => {
  beforeEach(async () => {
    await keys.provision('practice-a', 'A');
    await keys.provision('practice-b', 'B');
  });

  it('round-trips, with the practice id in the context KMS sees', async () => {
    const crypto = new FieldCrypto(keys);
    const sealed = await crypto.encrypt('practice-a', NHS, '9990001234');
    expect(await new FieldCrypto(newKeys()).decrypt('practice-a', NHS, sealed)).toBe('9990001234');
    const generate = data.mock.commandCalls(GenerateDataKeyCommand)[0]?.args[0].input;
    expect(generate?.EncryptionContext).toEqual({
      practiceId: 'practice-a',
      table: 'records',
      attribute: 'nhsNumber',
    });
    expect(generate?.KeyId).toBe((await store.get('practice-a', 'kms-key-arn')) ?? 'missing');
  });

  it('refuses a ciphertext swapped in from practice B, and another field’s ciphertext', async () => {
    const crypto = new FieldCrypto(keys);
    const fromB = await crypto.encrypt('practice-b', NHS, '9990005678');
    await expect(crypto.decrypt('practice-a', NHS, fromB)).rejects.toThrow(DecryptionFailedError);
    const name = await crypto.encrypt('practice-a', NAME, 'Ann Example');
    await expect(crypto.decrypt('practice-a', NHS, name)).rejects.toThrow(EncryptionContextMismatchError);
  });

  it('caching on: N encryptions of a field make one GenerateDataKey per practice; off: N', async () => {
    const N = 200;
    const cached = new FieldCrypto(keys);
    for (let i = 0; i < N; i++) {
      await cached.encrypt('practice-a', NHS, `999000${String(i).padStart(4, '0')}`);
      await cached.encrypt('practice-b', NHS, `999000${String(i).padStart(4, '0')}`);
    }
    expect(calls(GenerateDataKeyCommand, 'practice-a')).toBe(1);
    expect(calls(GenerateDataKeyCommand, 'practice-b')).toBe(1);

    data.mock.resetHistory();
    const uncached = new FieldCrypto(keys, { caching: false });
    for (let i = 0; i < N; i++) await uncached.encrypt('practice-a', NHS, '9990001234');
    expect(calls(GenerateDataKeyCommand, 'practice-a')).toBe(N);
  });

  it('caching on: decrypting N values written under one cached data key makes one Decrypt', async () => {
    const writer = new FieldCrypto(keys);
    const sealed = [];
    for (let i = 0; i < 50; i++) sealed.push(await writer.encrypt('practice-a', NHS, `v${i}`));
    const reader = new FieldCrypto(newKeys());
    for (const value of sealed) await reader.decrypt('practice-a', NHS, value);
    expect(calls(DecryptCommand, 'practice-a')).toBe(1);
  });

  it('coalesces concurrent misses: 50 parallel encryptions on a cold cache make one KMS call', async () => {
    const crypto = new FieldCrypto(keys);
    const sealed = await Promise.all(
      Array.from({ length: 50 }, (_, i) => crypto.encrypt('practice-a', NHS, `v${i}`)),
    );
    expect(calls(GenerateDataKeyCommand, 'practice-a')).toBe(1);
    const reader = new FieldCrypto(newKeys());
    await Promise.all(sealed.map((value) => reader.decrypt('practice-a', NHS, value)));
    expect(calls(DecryptCommand, 'practice-a')).toBe(1);
  });

  it('after maxAge the cached data key is retired and KMS is asked again', async () => {
    let now = 0;
    const crypto = new FieldCrypto(keys, { caching: { maxAgeMs: 50 }, now: () => now });
    await crypto.encrypt('practice-a', NHS, 'x');
    await crypto.encrypt('practice-a', NHS, 'y');
    expect(calls(GenerateDataKeyCommand, 'practice-a')).toBe(1);
    now += 51;
    // The ESDK cache reads the clock itself: move it on, without waiting.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 60);
    await crypto.encrypt('practice-a', NHS, 'z');
    expect(calls(GenerateDataKeyCommand, 'practice-a')).toBe(2);
  });

  it('retires a cached data key after maxMessagesEncrypted values', async () => {
    const crypto = new FieldCrypto(keys, { caching: { maxMessagesEncrypted: 10 } });
    for (let i = 0; i < 25; i++) await crypto.encrypt('practice-a', NHS, 'x');
    expect(calls(GenerateDataKeyCommand, 'practice-a')).toBe(3);
  });

  it('each (table, attribute) has its own data key: the context is part of the cache key', async () => {
    const crypto = new FieldCrypto(keys);
    await crypto.encrypt('practice-a', NHS, '9990001234');
    await crypto.encrypt('practice-a', NAME, 'Ann');
    await crypto.encrypt('practice-a', { table: 'records', attribute: 'dateOfBirth' }, '2000-01-01');
    await crypto.encrypt('practice-a', NHS, '9990001235');
    expect(calls(GenerateDataKeyCommand, 'practice-a')).toBe(3);
  });

  it('the key policy stops a role using A’s key for B’s context (simulated by the fake KMS)', async () => {
    const keyringA = await keys.keyringFor('practice-a');
    await expect(
      seal(
        keyringA,
        { practiceId: 'practice-b', table: 'records', attribute: 'nhsNumber' },
        Buffer.from('x'),
      ),
    ).rejects.toThrow(/denied by key policy/);
  });
});

describe('KmsPracticeKeys.destroy (crypto-shred)', () => {
  beforeEach(async () => {
    await keys.provision('practice-a', 'A');
    await keys.provision('practice-b', 'B');
  });

  it('schedules key deletion (7 days), deletes the alias and forgets the key material', async () => {
    const arn = await store.get('practice-a', 'kms-key-arn');
    await keys.destroy('practice-a');
    expect(admin.mock.commandCalls(ScheduleKeyDeletionCommand)[0]?.args[0].input).toEqual({
      KeyId: arn,
      PendingWindowInDays: 7,
    });
    expect(admin.mock.commandCalls(DeleteAliasCommand)[0]?.args[0].input).toEqual({
      AliasName: 'alias/clinic-connect/test/practice/practice-a',
    });
    expect(await store.get('practice-a', 'kms-key-arn')).toBeUndefined();
    await keys.destroy('practice-a'); // idempotent
  });

  it('after destroy, ciphertext made before, even a copy restored from backup, cannot be decrypted', async () => {
    const writer = new FieldCrypto(keys);
    const backup = await writer.encrypt('practice-a', NHS, '9990001234');
    const otherPractice = await writer.encrypt('practice-b', NHS, '9990005678');
    const arn = (await store.get('practice-a', 'kms-key-arn')) ?? '';
    await new PracticeBlindIndex(keys).of('practice-a', 'nhsNumber', '9990001234');
    const wrappedIndexKey = await store.get('practice-a', 'blind-index-key');

    await keys.destroy('practice-a');

    // A fresh container: the store no longer names a key.
    await expect(new FieldCrypto(newKeys()).decrypt('practice-a', NHS, backup)).rejects.toThrow(
      DecryptionFailedError,
    );
    // Even with the key material records restored from a backup of the store, KMS refuses the key.
    const restoredStore = new MemoryKeyMaterialStore();
    await restoredStore.put('practice-a', 'kms-key-arn', arn);
    await restoredStore.put('practice-a', 'blind-index-key', wrappedIndexKey ?? '');
    const restored = new KmsPracticeKeys({
      stage: 'test',
      accountId: ACCOUNT,
      dataRoleArns: [DATA_ROLE],
      adminClient: admin.client,
      kmsClientFor: () => data.client,
      store: restoredStore,
    });
    const attempt = new FieldCrypto(restored).decrypt('practice-a', NHS, backup);
    await expect(attempt).rejects.toThrow(DecryptionFailedError);
    await expect(attempt).rejects.toThrow(/key has been destroyed/);
    await expect(restored.blindIndexKey('practice-a')).rejects.toThrow(DecryptionFailedError);
    // Other practices are untouched.
    expect(await new FieldCrypto(newKeys()).decrypt('practice-b', NHS, otherPractice)).toBe('9990005678');
  });

  it('a warm container holding cached data keys loses access once maxAge has passed', async () => {
    let now = 0;
    const warm = new FieldCrypto(newKeys(), { now: () => now, caching: { maxAgeMs: 20 } });
    const sealed = await warm.encrypt('practice-a', NHS, '9990001234');
    expect(await warm.decrypt('practice-a', NHS, sealed)).toBe('9990001234');
    await keys.destroy('practice-a');
    now += 21;
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 30);
    await expect(warm.decrypt('practice-a', NHS, sealed)).rejects.toThrow(DecryptionFailedError);
  });

  it('refuses to re-onboard an id whose key is still pending deletion behind a surviving alias', async () => {
    const arn = (await store.get('practice-a', 'kms-key-arn')) ?? '';
    const key = kms.keys.get(arn);
    if (key) key.state = 'PendingDeletion';
    await expect(newKeys().provision('practice-a', 'A')).rejects.toThrow(PracticeKeyUnavailableError);
  });
});
