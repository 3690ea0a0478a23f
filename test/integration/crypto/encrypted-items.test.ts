import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedDynamo, startEmbeddedDynamo } from '../../../infra/local/embedded-dynamodb';
import { PracticeBlindIndex } from '../../../layers/crypto/blind-index';
import { DynamoKeyMaterialStore } from '../../../layers/crypto/dynamo-key-material-store';
import { DecryptionFailedError, EncryptionContextMismatchError } from '../../../layers/crypto/errors';
import { FieldCrypto } from '../../../layers/crypto/field-crypto';
import { LocalPracticeKeys } from '../../../layers/crypto/local-practice-keys';
import { PracticeLookups } from '../../../layers/records/lookup-records';

let dynamo: EmbeddedDynamo;
let client: DynamoDBDocumentClient;
let dataDir: string;
let store: DynamoKeyMaterialStore;

beforeAll(async () => {
  dynamo = await startEmbeddedDynamo({ tablePrefix: 'crypto-it' });
  client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'eu-west-2',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    }),
  );
  dataDir = await mkdtemp(join(tmpdir(), 'clinic-crypto-it-'));
  store = new DynamoKeyMaterialStore(client, dynamo.tableNames.directory);
});

afterAll(async () => {
  await dynamo?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('DynamoKeyMaterialStore (dynalite)', () => {
  it('stores, keeps the first of two racing writers, and deletes only key material', async () => {
    const practice = { pk: 'PRACTICE#store-test', sk: 'PRACTICE', name: 'kept' };
    await client.send(new PutCommand({ TableName: dynamo.tableNames.directory, Item: practice }));
    const results = await Promise.all(
      ['one', 'two', 'three'].map((value) => store.putIfAbsent('store-test', 'practice-data-key-v1', value)),
    );
    expect(new Set(results).size).toBe(1);
    expect(await store.get('store-test', 'practice-data-key-v1')).toBe(results[0]);
    await store.put('store-test', 'kms-key-arn', 'arn');
    await store.deleteAll('store-test');
    expect(await store.get('store-test', 'practice-data-key-v1')).toBeUndefined();
    expect(await store.get('store-test', 'kms-key-arn')).toBeUndefined();
    const { Item } = await client.send(
      new GetCommand({ TableName: dynamo.tableNames.directory, Key: { pk: practice.pk, sk: practice.sk } }),
    );
    expect(Item).toEqual(practice);
  });
});

describe('encrypted patient attributes in DynamoDB', () => {
  const table = () => dynamo.tableNames.records;
  const keys = () => new LocalPracticeKeys({ dataDir, store });

  it('stores only ciphertext and a blind index; reads back; refuses swapped values; shreds', async () => {
    const practiceKeys = keys();
    await practiceKeys.provision('surgery-a', 'Surgery A');
    await practiceKeys.provision('surgery-b', 'Surgery B');
    const crypto = new FieldCrypto(practiceKeys);
    const index = new PracticeBlindIndex(practiceKeys);

    const write = async (practiceId: string, nhsNumber: string, name: string) => {
      const item = {
        pk: `PRACTICE#${practiceId}`,
        sk: `PATIENT#${await index.of(practiceId, 'nhsNumber', nhsNumber)}`,
        nhsNumber: await crypto.encrypt(practiceId, { table: 'records', attribute: 'nhsNumber' }, nhsNumber),
        name: await crypto.encrypt(practiceId, { table: 'records', attribute: 'name' }, name),
      };
      await client.send(new PutCommand({ TableName: table(), Item: item }));
      return item;
    };
    const a = await write('surgery-a', '9990001234', 'Ann Example');
    const b = await write('surgery-b', '9990001234', 'Bob Example');

    // At rest: no plaintext anywhere in the item; the same NHS number indexes differently per practice.
    const raw = JSON.stringify(a);
    expect(raw).not.toContain('9990001234');
    expect(raw).not.toContain('Ann Example');
    expect(a.sk).not.toBe(b.sk);

    // "Has this NHS number been seen?" — by blind index, in a fresh container.
    const reader = new FieldCrypto(keys());
    const lookupKey = `PATIENT#${await new PracticeBlindIndex(keys()).of('surgery-a', 'nhsNumber', '999 000 1234')}`;
    const { Item } = await client.send(
      new GetCommand({ TableName: table(), Key: { pk: 'PRACTICE#surgery-a', sk: lookupKey } }),
    );
    expect(await reader.decrypt('surgery-a', { table: 'records', attribute: 'name' }, Item?.name)).toBe(
      'Ann Example',
    );

    // B's ciphertext pasted into A's item, and A's NHS number ciphertext moved into A's name.
    await expect(
      reader.decrypt('surgery-a', { table: 'records', attribute: 'name' }, b.name),
    ).rejects.toThrow(DecryptionFailedError);
    await expect(
      reader.decrypt('surgery-a', { table: 'records', attribute: 'name' }, a.nhsNumber),
    ).rejects.toThrow(EncryptionContextMismatchError);

    // Offboard A: a copy of its item (as in a backup) is unreadable; B is unaffected.
    // One wrapped data key per practice in DynamoDB, holding nothing readable without the practice key.
    const wrapped = await store.get('surgery-a', 'practice-data-key-v1');
    expect(wrapped).toMatch(/^[A-Za-z0-9+/]+=*$/);
    await practiceKeys.destroy('surgery-a');
    expect(await store.get('surgery-a', 'practice-data-key-v1')).toBeUndefined();
    const afterShred = new FieldCrypto(keys());
    await expect(
      afterShred.decrypt('surgery-a', { table: 'records', attribute: 'name' }, a.name),
    ).rejects.toThrow(DecryptionFailedError);
    expect(await afterShred.decrypt('surgery-b', { table: 'records', attribute: 'name' }, b.name)).toBe(
      'Bob Example',
    );
  });

  it('a lookup whose patient ciphertext was swapped in from another practice fails with a clear error', async () => {
    const practiceKeys = keys();
    await practiceKeys.provision('surgery-c', 'Surgery C');
    await practiceKeys.provision('surgery-d', 'Surgery D');
    const crypto = new FieldCrypto(practiceKeys);
    const records = dynamo.tableNames.records;
    const lookups = (practiceId: string) => new PracticeLookups(client, records, practiceId, crypto);
    const patient = (nhsNumber: string, familyName: string) => ({
      nhsNumber,
      birthDate: '1980-04-12',
      givenNames: ['Test'],
      familyName,
      displayName: `Test ${familyName}`,
      gender: 'unknown' as const,
      mobile: '07700900123',
      gpOdsCode: null,
    });
    const record = (lookupId: string, nhsNumber: string, familyName: string) => ({
      lookupId,
      createdAt: new Date().toISOString(),
      createdBy: 'someone',
      expiresAt: new Date(Date.now() + 3_600_000),
      nhsNumberIndex: 'index',
      patient: patient(nhsNumber, familyName),
    });
    const cId = '00000000-0000-4000-8000-00000000000c';
    const dId = '00000000-0000-4000-8000-00000000000d';
    await lookups('surgery-c').create(record(cId, '9990000018', 'Cee'));
    await lookups('surgery-d').create(record(dId, '9990000026', 'Dee'));
    expect((await lookups('surgery-c').get(cId))?.patient.familyName).toBe('Cee');

    const { Item: dItem } = await client.send(
      new GetCommand({ TableName: records, Key: { pk: 'PRACTICE#surgery-d', sk: `LOOKUP#${dId}` } }),
    );
    await client.send(
      new UpdateCommand({
        TableName: records,
        Key: { pk: 'PRACTICE#surgery-c', sk: `LOOKUP#${cId}` },
        UpdateExpression: 'SET patient = :stolen',
        ExpressionAttributeValues: { ':stolen': dItem?.patient },
      }),
    );
    const reading = lookups('surgery-c').get(cId);
    await expect(reading).rejects.toThrow(DecryptionFailedError);
    await expect(reading).rejects.toThrow(/records\.lookup\.patient of practice surgery-c/);
  });
});
