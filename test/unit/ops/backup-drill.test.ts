import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BackupClient,
  DescribeRegionSettingsCommand,
  DescribeRestoreJobCommand,
  GetRecoveryPointRestoreMetadataCommand,
  ListRecoveryPointsByBackupVaultCommand,
  type RecoveryPointStatus,
  StartRestoreJobCommand,
} from '@aws-sdk/client-backup';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DrillError, type DrillOptions, runBackupDrill } from '../../../infra/ops/backup-drill';
import { encryptedValuesOf, encryptionContextOf } from '../../../infra/ops/encrypted-values';
import { FieldCrypto } from '../../../layers/crypto/field-crypto';
import { LocalPracticeKeys } from '../../../layers/crypto/local-practice-keys';

const cloudFormation = mockClient(CloudFormationClient);
const backup = mockClient(BackupClient);
const dynamo = mockClient(DynamoDBClient);
const documents = mockClient(DynamoDBDocumentClient);

const LIVE = 'ClinicConnect-dev-Data-auditTable20E5AD01-1ABC';
const LIVE_ARN = `arn:aws:dynamodb:eu-west-2:123456789012:table/${LIVE}`;
const NOW = new Date('2026-12-01T09:30:00.000Z');
const RESTORED = `${LIVE}-drill-20261201T093000Z`;
const VAULT = 'clinic-connect-dev-tables';
const ROLE = 'arn:aws:iam::123456789012:role/ClinicConnect-dev-Data-BackupRestoreRole';
const TABLE_KEY = 'arn:aws:kms:eu-west-2:123456789012:key/0000-table';
const point = (id: string, day: number, Status: RecoveryPointStatus = 'COMPLETED') => ({
  RecoveryPointArn: `arn:aws:backup:eu-west-2:123456789012:recovery-point:${id}`,
  CreationDate: new Date(Date.UTC(2026, 10, day, 2)),
  Status,
});

let dataDir: string;
let keys: LocalPracticeKeys;
let fields: FieldCrypto;
/** Items of the restored table as DynamoDB would give them back: real ciphertexts under local practice keys. */
let restoredItems: Record<string, unknown>[];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cc-drill-'));
  keys = new LocalPracticeKeys({ dataDir });
  await keys.provision('a81001', 'Riverside');
  await keys.provision('b82002', 'Brookside');
  fields = new FieldCrypto(keys);
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function auditItem(
  practiceId: string,
  n: number,
  context = { practiceId, attribute: 'patient.lookup.nhsNumber' },
) {
  const ciphertext = await fields.encrypt(
    context.practiceId,
    { table: 'audit', attribute: context.attribute },
    '9990000018',
  );
  return {
    pk: `PRACTICE#${practiceId}`,
    sk: `EVENT#2026-11-30T10:00:0${n}Z#${n}`,
    type: 'patient.lookup',
    details: { outcome: 'match', nhsNumberCiphertext: ciphertext },
  };
}

function calls<T>(mock: { commandCalls: (c: T) => { args: [{ input: unknown }] }[] }, command: T) {
  return mock.commandCalls(command).map((call) => call.args[0].input as Record<string, unknown>);
}

beforeEach(async () => {
  for (const mock of [cloudFormation, backup, dynamo, documents]) mock.reset();
  cloudFormation.on(DescribeStacksCommand, { StackName: 'ClinicConnect-dev-Data' }).resolves({
    Stacks: [
      {
        StackName: 'ClinicConnect-dev-Data',
        CreationTime: new Date(),
        StackStatus: 'UPDATE_COMPLETE',
        Outputs: [
          { OutputKey: 'directoryTableName', OutputValue: 'dir-live' },
          { OutputKey: 'recordsTableName', OutputValue: 'records-live' },
          { OutputKey: 'auditTableName', OutputValue: LIVE },
          { OutputKey: 'TableKeyArn', OutputValue: TABLE_KEY },
          { OutputKey: 'BackupVaultName', OutputValue: VAULT },
          { OutputKey: 'BackupRestoreRoleArn', OutputValue: ROLE },
        ],
      },
    ],
  });
  backup.on(DescribeRegionSettingsCommand).resolves({ ResourceTypeManagementPreference: { DynamoDB: true } });
  backup
    .on(ListRecoveryPointsByBackupVaultCommand)
    .resolvesOnce({ RecoveryPoints: [point('older', 28), point('partial', 30, 'PARTIAL')], NextToken: 't' })
    .resolves({ RecoveryPoints: [point('latest', 29)] });
  backup.on(GetRecoveryPointRestoreMetadataCommand).resolves({
    RestoreMetadata: { originalTableName: LIVE, targetTableName: LIVE, encryptionType: 'Default' },
  });
  backup.on(StartRestoreJobCommand).resolves({ RestoreJobId: 'job-1' });
  backup
    .on(DescribeRestoreJobCommand)
    .resolvesOnce({ Status: 'RUNNING' })
    .resolvesOnce({ Status: 'RUNNING' })
    .resolves({ Status: 'COMPLETED' });
  dynamo
    .on(DescribeTableCommand, { TableName: LIVE })
    .resolves({ Table: { TableArn: LIVE_ARN, TableStatus: 'ACTIVE' } });
  dynamo
    .on(DescribeTableCommand, { TableName: RESTORED })
    .rejectsOnce(new ResourceNotFoundException({ message: 'not found', $metadata: {} }))
    .resolvesOnce({ Table: { TableStatus: 'CREATING' } })
    .resolves({ Table: { TableStatus: 'ACTIVE' } });
  dynamo.on(DeleteTableCommand).resolves({});
  documents
    .on(ScanCommand, { TableName: LIVE, Select: 'COUNT' })
    .resolvesOnce({ Count: 3, LastEvaluatedKey: { pk: 'x', sk: 'y' } })
    .resolves({ Count: 2 });
  documents.on(ScanCommand, { TableName: RESTORED, Select: 'COUNT' }).resolves({ Count: 5 });
  restoredItems = [
    await auditItem('a81001', 1),
    { pk: 'PLATFORM', sk: 'HEALTH', note: 'no encrypted value here' },
    await auditItem('b82002', 2),
    await auditItem('a81001', 3),
    { pk: 'PRACTICE#a81001', sk: 'EVENT#4', type: 'staff.approved', details: {} },
  ];
  documents
    .on(ScanCommand, { TableName: RESTORED, Limit: 100 })
    .callsFake(async () => ({ Items: restoredItems }));
});

/** Before a second drill in one test: the mocks' one-off answers (the new table not existing yet) start over. */
function again() {
  for (const mock of [cloudFormation, backup, dynamo, documents]) mock.resetHistory();
}

const sleeps: number[] = [];
function drill(options: Partial<DrillOptions> = {}, withDecrypt = true) {
  return runBackupDrill(
    {
      cloudFormation: new CloudFormationClient({}),
      backup: new BackupClient({}),
      dynamo: new DynamoDBClient({}),
      ...(withDecrypt ? { decrypterFor: () => fields } : {}),
    },
    {
      stage: 'dev',
      table: 'audit',
      now: () => NOW,
      sleep: async (ms) => void sleeps.push(ms),
      pollIntervalMs: 10,
      ...options,
    },
  );
}

describe('npm run backup:drill', () => {
  it('restores the latest completed recovery point into a NEW table under the table key, by the restore role', async () => {
    const report = await drill();
    expect(report).toMatchObject({
      ok: true,
      problems: [],
      recoveryPointArn: point('latest', 29).RecoveryPointArn,
      restoredTableName: RESTORED,
      restoreJobId: 'job-1',
    });
    expect(calls(backup, ListRecoveryPointsByBackupVaultCommand)[0]).toMatchObject({
      BackupVaultName: VAULT,
      ByResourceArn: LIVE_ARN,
    });
    expect(calls(backup, StartRestoreJobCommand)).toEqual([
      {
        RecoveryPointArn: point('latest', 29).RecoveryPointArn,
        IamRoleArn: ROLE,
        ResourceType: 'DynamoDB',
        IdempotencyToken: RESTORED,
        Metadata: {
          originalTableName: LIVE,
          targetTableName: RESTORED,
          encryptionType: 'KMS',
          kmsMasterKeyArn: TABLE_KEY,
        },
      },
    ]);
    // It waited for the job and then for the table, polling.
    expect(calls(backup, DescribeRestoreJobCommand)).toHaveLength(3);
    expect(sleeps.length).toBeGreaterThanOrEqual(3);
  });

  it('counts both tables with Scan Select=COUNT over every page, not DescribeTable’s stale ItemCount', async () => {
    const report = await drill();
    expect(report).toMatchObject({ liveCount: 5, restoredCount: 5 });
    const liveCounts = calls(documents, ScanCommand).filter((c) => c.TableName === LIVE);
    expect(liveCounts).toEqual([
      { TableName: LIVE, Select: 'COUNT', ExclusiveStartKey: undefined },
      { TableName: LIVE, Select: 'COUNT', ExclusiveStartKey: { pk: 'x', sk: 'y' } },
    ]);
  });

  it('decrypts the sampled values with each practice’s own key and the context of their field', async () => {
    const report = await drill();
    expect(report.sample).toEqual({ checked: 3, decrypted: 3, practices: 2, failures: [] });
    // Never a plaintext in the report.
    expect(JSON.stringify(report)).not.toContain('9990000018');
  });

  it('stops at the sample size', async () => {
    const report = await drill({ sampleSize: 2 });
    expect(report.sample).toMatchObject({ checked: 2, decrypted: 2 });
  });

  it('fails on a value moved from another practice, of another table, or damaged, naming the item', async () => {
    const moved = await auditItem('b82002', 5);
    moved.pk = 'PRACTICE#a81001';
    const otherTable = await auditItem('a81001', 6);
    otherTable.details.nhsNumberCiphertext = await fields.encrypt(
      'a81001',
      { table: 'records', attribute: 'lookup.patient' },
      '{}',
    );
    const damaged = await auditItem('a81001', 7);
    const bytes = Buffer.from(damaged.details.nhsNumberCiphertext, 'base64');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    damaged.details.nhsNumberCiphertext = bytes.toString('base64');
    restoredItems = [moved, otherTable, damaged];

    const report = await drill();
    expect(report.ok).toBe(false);
    expect(report.sample).toMatchObject({ checked: 3, decrypted: 0 });
    expect(report.sample?.failures.map((f) => [f.key, f.path])).toEqual([
      [`${moved.pk} / ${moved.sk}`, 'details.nhsNumberCiphertext'],
      [`${otherTable.pk} / ${otherTable.sk}`, 'details.nhsNumberCiphertext'],
      [`${damaged.pk} / ${damaged.sk}`, 'details.nhsNumberCiphertext'],
    ]);
    expect(report.sample?.failures[0]?.reason).toMatch(/names b82002\/audit, not a81001\/audit/);
    expect(report.sample?.failures[1]?.reason).toMatch(/names a81001\/records, not a81001\/audit/);
    expect(report.sample?.failures[2]?.reason).toMatch(/DecryptionFailedError/);
    expect(report.problems).toHaveLength(3);
    // The restored table is deleted all the same.
    expect(report.restoredTableDeleted).toBe(true);
  });

  it('fails when a practice key is gone (crypto-shredded practice), saying why', async () => {
    const report = await drill({}, true);
    expect(report.ok).toBe(true);
    await keys.destroy('b82002');
    again();
    const shredded = await runBackupDrill(
      {
        cloudFormation: new CloudFormationClient({}),
        backup: new BackupClient({}),
        dynamo: new DynamoDBClient({}),
        decrypterFor: () => new FieldCrypto(keys),
      },
      { stage: 'dev', table: 'audit', now: () => NOW, sleep: async () => {}, pollIntervalMs: 1 },
    );
    expect(shredded.ok).toBe(false);
    expect(shredded.sample?.failures).toHaveLength(1);
    expect(shredded.sample?.failures[0]?.key).toMatch(/^PRACTICE#b82002/);
    await keys.provision('b82002', 'Brookside');
  });

  it('deletes only the restored table, never writes the live one, and keeps the restored one with --keep', async () => {
    await drill();
    expect(calls(dynamo, DeleteTableCommand)).toEqual([{ TableName: RESTORED }]);
    const touchingLive = [
      ...dynamo.calls().map((c) => c.args[0]),
      ...documents.calls().map((c) => c.args[0]),
    ].filter((command) => (command.input as { TableName?: string }).TableName === LIVE);
    expect(new Set(touchingLive.map((command) => command.constructor.name))).toEqual(
      new Set(['DescribeTableCommand', 'ScanCommand']),
    );

    again();
    const kept = await drill({ keep: true });
    expect(kept.restoredTableDeleted).toBe(false);
    expect(calls(dynamo, DeleteTableCommand)).toEqual([]);
  });

  it('restores a named recovery point when asked, and refuses one that is not a completed backup', async () => {
    const report = await drill({ recoveryPointArn: point('older', 28).RecoveryPointArn });
    expect(report.recoveryPointArn).toBe(point('older', 28).RecoveryPointArn);
    backup
      .on(ListRecoveryPointsByBackupVaultCommand)
      .resolves({ RecoveryPoints: [point('partial', 30, 'PARTIAL')] });
    await expect(drill({ recoveryPointArn: point('partial', 30).RecoveryPointArn })).rejects.toThrow(
      /is not a completed backup of this table/,
    );
  });

  it('says so when the vault holds no backup of the table yet, before restoring anything', async () => {
    backup.on(ListRecoveryPointsByBackupVaultCommand).resolves({ RecoveryPoints: [] });
    await expect(drill()).rejects.toThrow(DrillError);
    again();
    await expect(drill()).rejects.toThrow(/holds no completed recovery point/);
    expect(calls(backup, StartRestoreJobCommand)).toEqual([]);
  });

  it('reports a failed restore job and leaves everything as it is', async () => {
    backup
      .on(DescribeRestoreJobCommand)
      .resolves({ Status: 'FAILED', StatusMessage: 'Access denied to the key' });
    const report = await drill();
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual(['Restore job job-1 failed: Access denied to the key']);
    expect(report.liveCount).toBeUndefined();
    expect(calls(dynamo, DeleteTableCommand)).toEqual([]);
  });

  it('gives up waiting after the timeout', async () => {
    backup.on(DescribeRestoreJobCommand).resolves({ Status: 'RUNNING' });
    let clock = NOW.getTime();
    const report = await drill({
      timeoutMs: 60_000,
      now: () => new Date(clock),
      sleep: async (ms) => {
        clock += ms;
      },
      pollIntervalMs: 20_000,
    });
    expect(report.problems[0]).toMatch(/did not finish in time \(status RUNNING\)/);
  });

  it('fails on an empty restore of a table that is not empty, and on any difference with --expect-equal-counts', async () => {
    documents.on(ScanCommand, { TableName: RESTORED, Select: 'COUNT' }).resolves({ Count: 0 });
    restoredItems = [];
    expect((await drill()).problems).toContain('The restored table is empty while the live table is not.');
    documents.on(ScanCommand, { TableName: RESTORED, Select: 'COUNT' }).resolves({ Count: 4 });
    again();
    expect((await drill()).ok).toBe(true);
    again();
    expect((await drill({ expectEqualCounts: true })).problems).toContain(
      'Item counts differ: 5 live, 4 restored.',
    );
  });

  it('fails when AWS Backup’s advanced DynamoDB features are off (no vault key, no copy)', async () => {
    backup
      .on(DescribeRegionSettingsCommand)
      .resolves({ ResourceTypeManagementPreference: { DynamoDB: false } });
    const report = await drill();
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatch(/advanced DynamoDB backup is off/);
  });

  it('counts only, with no decrypter (--skip-decrypt)', async () => {
    const report = await drill({}, false);
    expect(report).toMatchObject({ ok: true, liveCount: 5, restoredCount: 5 });
    expect(report.sample).toBeUndefined();
  });

  it('reads key records from the restored directory when the directory itself is drilled', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'ClinicConnect-dev-Data',
          CreationTime: new Date(),
          StackStatus: 'UPDATE_COMPLETE',
          Outputs: [
            { OutputKey: 'directoryTableName', OutputValue: LIVE },
            { OutputKey: 'recordsTableName', OutputValue: 'records-live' },
            { OutputKey: 'auditTableName', OutputValue: 'audit-live' },
            { OutputKey: 'TableKeyArn', OutputValue: TABLE_KEY },
            { OutputKey: 'BackupVaultName', OutputValue: VAULT },
            { OutputKey: 'BackupRestoreRoleArn', OutputValue: ROLE },
          ],
        },
      ],
    });
    restoredItems = [];
    const tablesAsked: string[] = [];
    await runBackupDrill(
      {
        cloudFormation: new CloudFormationClient({}),
        backup: new BackupClient({}),
        dynamo: new DynamoDBClient({}),
        decrypterFor: (table) => {
          tablesAsked.push(table);
          return fields;
        },
      },
      { stage: 'dev', table: 'directory', now: () => NOW, sleep: async () => {}, pollIntervalMs: 1 },
    );
    expect(tablesAsked).toEqual([RESTORED]);
  });

  it('names the stack when the stage is not deployed', async () => {
    cloudFormation
      .on(DescribeStacksCommand)
      .rejects(new Error('Stack with id ClinicConnect-dev-Data does not exist'));
    await expect(drill()).rejects.toThrow(
      'Stack ClinicConnect-dev-Data does not exist in this account and region.',
    );
  });
});

describe('encrypted values in a stored item', () => {
  it('are found wherever they are, with the context of their header, and nothing else is', async () => {
    const item = await auditItem('a81001', 1);
    const found = encryptedValuesOf({ ...item, list: [item.details.nhsNumberCiphertext], plain: 'AgR4' });
    expect(found.map((value) => value.path)).toEqual(['details.nhsNumberCiphertext', 'list[0]']);
    expect(found[0]?.context).toEqual({
      practiceId: 'a81001',
      table: 'audit',
      attribute: 'patient.lookup.nhsNumber',
    });
  });

  it.each([
    ['not base64', 'this is not base64 at all, just a long enough sentence to be looked at!!'],
    ['another format', Buffer.alloc(80, 1).toString('base64')],
    ['truncated', ''],
  ])('are not confused with %s', async (_name, value) => {
    const truncated = (await auditItem('a81001', 1)).details.nhsNumberCiphertext.slice(0, 60);
    expect(encryptionContextOf(value || truncated)).toBeUndefined();
  });
});
