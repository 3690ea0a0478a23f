import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  EnableKeyRotationCommand,
  GenerateDataKeyCommand,
  KMSServiceException,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { PracticeBlindIndex } from '../../../layers/crypto/blind-index';
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
import { ACCOUNT, DATA_ROLE_PATTERN, FakeKms } from './support/fake-kms';

const NHS: FieldRef = { table: 'records', attribute: 'nhsNumber' };
const NAME: FieldRef = { table: 'records', attribute: 'name' };

let kms: FakeKms;
let admin: ReturnType<FakeKms['client']>;
let data: ReturnType<FakeKms['client']>;
let store: MemoryKeyMaterialStore;
let keys: KmsPracticeKeys;

/** One container's keys: its own instance (and so its own cache) over the shared store and KMS. */
function newKeys(options: { keyCacheMs?: number; now?: () => number } = {}) {
  return new KmsPracticeKeys({
    stage: 'test',
    accountId: ACCOUNT,
    dataRolePattern: DATA_ROLE_PATTERN,
    adminClient: admin.client,
    kmsClientFor: () => data.client,
    store,
    ...options,
  });
}

function container(options: { keyCacheMs?: number; now?: () => number } = {}) {
  const keys = newKeys(options);
  return { keys, fields: new FieldCrypto(keys), index: new PracticeBlindIndex(keys) };
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

/** Every call the data role made to KMS for a practice (the data client sends nothing else). */
const kmsCalls = (practiceId?: string) => {
  const all = data.mock.calls().length;
  const known = calls(GenerateDataKeyCommand) + calls(DecryptCommand);
  if (all !== known) throw new Error(`unexpected KMS commands: ${all - known}`);
  return calls(GenerateDataKeyCommand, practiceId) + calls(DecryptCommand, practiceId);
};

const FIELDS: FieldRef[] = [
  NHS,
  NAME,
  { table: 'records', attribute: 'dateOfBirth' },
  { table: 'audit', attribute: 'nhsNumber' },
];

beforeEach(() => {
  kms = new FakeKms();
  admin = kms.client();
  data = kms.client();
  store = new MemoryKeyMaterialStore();
  keys = newKeys();
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

  it('sets a key policy: the account administers, the stage’s practice data roles use it only with this practiceId', async () => {
    await keys.provision('practice-a', 'The Surgery');
    const policy = JSON.parse(admin.mock.commandCalls(CreateKeyCommand)[0]?.args[0].input.Policy ?? '{}');
    expect(policy).toEqual(
      practiceKeyPolicy({ practiceId: 'practice-a', accountId: ACCOUNT, dataRolePattern: DATA_ROLE_PATTERN }),
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
      Sid: 'PracticeDataRolesOnlyWithThisPracticesContext',
      Effect: 'Allow',
      // The account, so that the role's own IAM policy must allow the use too (not only its name).
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: '*',
      Condition: {
        StringEquals: { 'kms:EncryptionContext:practiceId': 'practice-a' },
        ArnLike: {
          'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/ClinicConnect-test-eu-west-2-PracticeData-*`,
        },
      },
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
    expect(
      () => new KmsPracticeKeys({ ...options, accountId: '1', dataRolePattern: DATA_ROLE_PATTERN }),
    ).toThrow(/account/);
    expect(
      () => new KmsPracticeKeys({ ...options, accountId: ACCOUNT, dataRolePattern: 'arn:aws:iam::1:role/*' }),
    ).toThrow(/practice data roles/);
  });
});

describe('FieldCrypto over the practice data key (mocked KMS)', () => {
  beforeEach(async () => {
    await keys.provision('practice-a', 'A');
    await keys.provision('practice-b', 'B');
  });

  it('round-trips; KMS wraps only the data key, under {practiceId, purpose} and the practice’s key ARN', async () => {
    const sealed = await new FieldCrypto(keys).encrypt('practice-a', NHS, '9990001234');
    expect(await container().fields.decrypt('practice-a', NHS, sealed)).toBe('9990001234');
    const arn = (await store.get('practice-a', 'kms-key-arn')) ?? 'missing';
    const context = { practiceId: 'practice-a', purpose: 'practice-data-key' };
    expect(data.mock.commandCalls(GenerateDataKeyCommand).map((c) => c.args[0].input)).toEqual([
      { KeyId: arn, NumberOfBytes: 32, EncryptionContext: context },
    ]);
    const decrypts = data.mock.commandCalls(DecryptCommand).map((c) => c.args[0].input);
    expect(decrypts).toHaveLength(1);
    expect(decrypts[0]).toMatchObject({ KeyId: arn, EncryptionContext: context });
    // The store holds the data key only as KMS wrapped it.
    expect(await store.get('practice-a', 'practice-data-key-v1')).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });

  it('refuses a ciphertext swapped in from practice B, and another field’s ciphertext', async () => {
    const crypto = new FieldCrypto(keys);
    const fromB = await crypto.encrypt('practice-b', NHS, '9990005678');
    await expect(crypto.decrypt('practice-a', NHS, fromB)).rejects.toThrow(DecryptionFailedError);
    await expect(container().fields.decrypt('practice-a', NHS, fromB)).rejects.toThrow(DecryptionFailedError);
    const name = await crypto.encrypt('practice-a', NAME, 'Ann Example');
    await expect(crypto.decrypt('practice-a', NHS, name)).rejects.toThrow(EncryptionContextMismatchError);
    const audit = await crypto.encrypt(
      'practice-a',
      { table: 'audit', attribute: 'nhsNumber' },
      '9990001234',
    );
    await expect(crypto.decrypt('practice-a', NHS, audit)).rejects.toThrow(EncryptionContextMismatchError);
  });

  it('the key policy stops a role using A’s key for B’s context, and B’s key will not open A’s data key', async () => {
    await new FieldCrypto(keys).encrypt('practice-a', NHS, 'x');
    const arnA = (await store.get('practice-a', 'kms-key-arn')) ?? '';
    const wrappedA = (await store.get('practice-a', 'practice-data-key-v1')) ?? '';
    await expect(
      data.client.send(
        new DecryptCommand({
          KeyId: arnA,
          CiphertextBlob: Buffer.from(wrappedA, 'base64'),
          EncryptionContext: { practiceId: 'practice-b', purpose: 'practice-data-key' },
        }),
      ),
    ).rejects.toThrow(/denied by key policy/);
    // A's wrapped data key copied into B's partition: B unwraps with B's key and context, and KMS refuses.
    await store.put('practice-b', 'practice-data-key-v1', wrappedA);
    await expect(newKeys().dataKey('practice-b')).rejects.toThrow(PracticeKeyUnavailableError);
  });

  it('one KMS call per practice per container per window: 100 containers × 100 values, one reader', async () => {
    let now = 1_000_000;
    const clock = { keyCacheMs: 5 * 60_000, now: () => now };
    const written: { field: FieldRef; value: string; sealed: string }[] = [];
    for (let c = 0; c < 100; c++) {
      const writer = container(clock);
      const before = kmsCalls('practice-a');
      for (let i = 0; i < 100; i++) {
        const field = FIELDS[(c + i) % FIELDS.length] as FieldRef;
        const value = `999${String(c * 100 + i).padStart(7, '0')}`;
        written.push({ field, value, sealed: await writer.fields.encrypt('practice-a', field, value) });
      }
      // The first container makes the data key (GenerateDataKey), every other one unwraps it (Decrypt).
      expect(kmsCalls('practice-a') - before).toBe(1);
    }
    expect(calls(GenerateDataKeyCommand, 'practice-a')).toBe(1);

    data.mock.resetHistory();
    const reader = container(clock);
    for (let batch = 0; batch < written.length; batch += 500) {
      await Promise.all(
        written.slice(batch, batch + 500).map(async ({ field, value, sealed }) => {
          expect(await reader.fields.decrypt('practice-a', field, sealed)).toBe(value);
        }),
      );
    }
    expect(kmsCalls('practice-a')).toBe(1);
    // The blind index comes from the same unwrapped data key: no extra call.
    await reader.index.of('practice-a', 'nhsNumber', '9990001234');
    expect(kmsCalls('practice-a')).toBe(1);

    // After the window: one more, however many values are read.
    now += 5 * 60_000 + 1;
    for (const { field, value, sealed } of written.slice(0, 200)) {
      expect(await reader.fields.decrypt('practice-a', field, sealed)).toBe(value);
    }
    expect(kmsCalls('practice-a')).toBe(2);
  }, 120_000);

  it('two practices: one call each, values and blind indexes interleaved', async () => {
    const writer = container();
    const values = [];
    for (let i = 0; i < 50; i++) {
      for (const practiceId of ['practice-a', 'practice-b']) {
        values.push({ practiceId, sealed: await writer.fields.encrypt(practiceId, NHS, `v${i}`) });
      }
    }
    data.mock.resetHistory();
    const reader = container();
    for (const { practiceId, sealed } of values) {
      await reader.fields.decrypt(practiceId, NHS, sealed);
      await reader.index.of(practiceId, 'nhsNumber', '9990001234');
    }
    expect(kmsCalls('practice-a')).toBe(1);
    expect(kmsCalls('practice-b')).toBe(1);
  });

  it('coalesces concurrent misses in a container: 50 parallel operations on a cold cache, one call', async () => {
    const writer = container();
    const sealed = await Promise.all(
      Array.from({ length: 50 }, (_, i) => writer.fields.encrypt('practice-a', NHS, `v${i}`)),
    );
    expect(kmsCalls('practice-a')).toBe(1);
    data.mock.resetHistory();
    const reader = container();
    await Promise.all([
      ...sealed.map((value) => reader.fields.decrypt('practice-a', NHS, value)),
      ...sealed.map((_, i) => reader.index.of('practice-a', 'nhsNumber', `999000${i}`)),
    ]);
    expect(kmsCalls('practice-a')).toBe(1);
  });

  it('containers making the data key at once settle on one (putIfAbsent): all read each other', async () => {
    const containers = Array.from({ length: 10 }, () => container());
    const sealed = await Promise.all(
      containers.map((c, i) => c.fields.encrypt('practice-b', NHS, `value ${i}`)),
    );
    const indexes = await Promise.all(
      containers.map((c) => c.index.of('practice-b', 'nhsNumber', '9990001234')),
    );
    expect(new Set(indexes).size).toBe(1);
    for (const c of containers) {
      for (const [i, value] of sealed.entries()) {
        expect(await c.fields.decrypt('practice-b', NHS, value)).toBe(`value ${i}`);
      }
    }
    // Each made one at most, and a loser unwrapped the winner's: at most two calls per container, once ever.
    expect(kmsCalls('practice-b')).toBeLessThanOrEqual(20);
  });

  it('a transient KMS failure is passed on as it is and not remembered', async () => {
    const sealed = await new FieldCrypto(keys).encrypt('practice-a', NHS, '9990001234');
    const throttled = new KMSServiceException({
      name: 'ThrottlingException',
      $fault: 'client',
      message: 'slow down',
      $metadata: {},
    });
    vi.spyOn(data.client, 'send').mockRejectedValueOnce(throttled);
    const reader = container();
    const attempt = reader.fields.decrypt('practice-a', NHS, sealed);
    await expect(attempt).rejects.toThrow(/slow down/);
    await expect(attempt).rejects.not.toThrow(DecryptionFailedError);
    expect(await reader.fields.decrypt('practice-a', NHS, sealed)).toBe('9990001234');
  });
});

describe('KmsPracticeKeys.destroy (crypto-shred)', () => {
  beforeEach(async () => {
    await keys.provision('practice-a', 'A');
    await keys.provision('practice-b', 'B');
  });

  it('schedules key deletion (7 days), deletes the alias and forgets the key material', async () => {
    const arn = await store.get('practice-a', 'kms-key-arn');
    await new FieldCrypto(keys).encrypt('practice-a', NHS, 'x');
    expect(await store.get('practice-a', 'practice-data-key-v1')).toBeDefined();
    await keys.destroy('practice-a');
    expect(admin.mock.commandCalls(ScheduleKeyDeletionCommand)[0]?.args[0].input).toEqual({
      KeyId: arn,
      PendingWindowInDays: 7,
    });
    expect(admin.mock.commandCalls(DeleteAliasCommand)[0]?.args[0].input).toEqual({
      AliasName: 'alias/clinic-connect/test/practice/practice-a',
    });
    expect(await store.get('practice-a', 'kms-key-arn')).toBeUndefined();
    expect(await store.get('practice-a', 'practice-data-key-v1')).toBeUndefined();
    await keys.destroy('practice-a'); // idempotent
  });

  it('forgets this container’s unwrapped data key at once', async () => {
    const { fields, index } = { fields: new FieldCrypto(keys), index: new PracticeBlindIndex(keys) };
    const sealed = await fields.encrypt('practice-a', NHS, '9990001234');
    await keys.destroy('practice-a');
    await expect(fields.decrypt('practice-a', NHS, sealed)).rejects.toThrow(DecryptionFailedError);
    await expect(index.of('practice-a', 'nhsNumber', '9990001234')).rejects.toThrow(
      PracticeKeyUnavailableError,
    );
  });

  it('after destroy, ciphertext made before, even a copy restored from backup, cannot be decrypted', async () => {
    const writer = new FieldCrypto(keys);
    const backup = await writer.encrypt('practice-a', NHS, '9990001234');
    const otherPractice = await writer.encrypt('practice-b', NHS, '9990005678');
    const arn = (await store.get('practice-a', 'kms-key-arn')) ?? '';
    const wrappedDataKey = (await store.get('practice-a', 'practice-data-key-v1')) ?? '';

    await keys.destroy('practice-a');

    // A fresh container: the store no longer names a key.
    await expect(container().fields.decrypt('practice-a', NHS, backup)).rejects.toThrow(
      DecryptionFailedError,
    );
    // Even with the key material records restored from a backup of the store, KMS refuses the key.
    const restoredStore = new MemoryKeyMaterialStore();
    await restoredStore.put('practice-a', 'kms-key-arn', arn);
    await restoredStore.put('practice-a', 'practice-data-key-v1', wrappedDataKey);
    const restored = new KmsPracticeKeys({
      stage: 'test',
      accountId: ACCOUNT,
      dataRolePattern: DATA_ROLE_PATTERN,
      adminClient: admin.client,
      kmsClientFor: () => data.client,
      store: restoredStore,
    });
    const attempt = new FieldCrypto(restored).decrypt('practice-a', NHS, backup);
    await expect(attempt).rejects.toThrow(DecryptionFailedError);
    await expect(attempt).rejects.toThrow(/key has been destroyed/);
    await expect(new PracticeBlindIndex(restored).of('practice-a', 'nhsNumber', 'x')).rejects.toThrow(
      PracticeKeyUnavailableError,
    );
    // Other practices are untouched.
    expect(await container().fields.decrypt('practice-b', NHS, otherPractice)).toBe('9990005678');
  });

  it('onboarding the same id again makes a new key and data key: the old values stay unreadable', async () => {
    const backup = await new FieldCrypto(keys).encrypt('practice-a', NHS, '9990001234');
    const oldIndex = await new PracticeBlindIndex(keys).of('practice-a', 'nhsNumber', '9990001234');
    const oldArn = await store.get('practice-a', 'kms-key-arn');
    await keys.destroy('practice-a');
    await newKeys().provision('practice-a', 'A again');
    expect(await store.get('practice-a', 'kms-key-arn')).not.toBe(oldArn);
    const fresh = container();
    await expect(fresh.fields.decrypt('practice-a', NHS, backup)).rejects.toThrow(DecryptionFailedError);
    expect(await fresh.index.of('practice-a', 'nhsNumber', '9990001234')).not.toBe(oldIndex);
  });

  it('a warm container that did not see the destroy loses access once the window has passed', async () => {
    let now = 0;
    const warm = container({ keyCacheMs: 20, now: () => now });
    const sealed = await warm.fields.encrypt('practice-a', NHS, '9990001234');
    expect(await warm.fields.decrypt('practice-a', NHS, sealed)).toBe('9990001234');
    await keys.destroy('practice-a');
    now += 10;
    expect(await warm.fields.decrypt('practice-a', NHS, sealed)).toBe('9990001234');
    now += 11;
    await expect(warm.fields.decrypt('practice-a', NHS, sealed)).rejects.toThrow(DecryptionFailedError);
  });

  it('refuses to re-onboard an id whose key is still pending deletion behind a surviving alias', async () => {
    const arn = (await store.get('practice-a', 'kms-key-arn')) ?? '';
    const key = kms.keys.get(arn);
    if (key) key.state = 'PendingDeletion';
    await expect(newKeys().provision('practice-a', 'A')).rejects.toThrow(PracticeKeyUnavailableError);
  });
});
