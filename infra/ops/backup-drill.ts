import {
  type BackupClient,
  DescribeRegionSettingsCommand,
  DescribeRestoreJobCommand,
  GetRecoveryPointRestoreMetadataCommand,
  ListRecoveryPointsByBackupVaultCommand,
  type RecoveryPointByBackupVault,
  StartRestoreJobCommand,
} from '@aws-sdk/client-backup';
import {
  type CloudFormationClient,
  DescribeStacksCommand,
  type DescribeStacksCommandOutput,
} from '@aws-sdk/client-cloudformation';
import {
  DeleteTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { FieldRef } from '../../layers/crypto/field-crypto';
import type { TableId } from '../../layers/storage/tables';
import { encryptedValuesOf } from './encrypted-values';

/** What the drill decrypts with: `FieldCrypto.decrypt`, under the practice's own key. */
export interface FieldDecrypter {
  decrypt(practiceId: string, field: FieldRef, ciphertext: string): Promise<string>;
}

export interface DrillClients {
  cloudFormation: CloudFormationClient;
  backup: BackupClient;
  /** With the operator's own credentials: describes, scans and deletes tables. */
  dynamo: DynamoDBClient;
  /**
   * The decrypter for the sample, given the directory table that holds the practice keys' records (the
   * restored one when the drill restores the directory); undefined to skip decryption (counts only).
   */
  decrypterFor?: (keyRecordsTable: string) => FieldDecrypter;
}

export interface DrillOptions {
  stage: string;
  table: TableId;
  /** Keep the restored table afterwards (default: delete it). */
  keep?: boolean;
  /** Encrypted values to decrypt (default 20). */
  sampleSize?: number;
  /** A recovery point to restore instead of the latest completed one. */
  recoveryPointArn?: string;
  /** Fail unless both tables hold the same number of items (only meaningful on a quiet stage). */
  expectEqualCounts?: boolean;
  pollIntervalMs?: number;
  timeoutMs?: number;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** Progress lines (identifiers and counts only, never a decrypted value). */
  log?: (line: string) => void;
}

export interface SampleFailure {
  /** The item's key, which holds identifiers only. */
  key: string;
  path: string;
  reason: string;
}

export interface DrillReport {
  ok: boolean;
  problems: string[];
  liveTableName: string;
  recoveryPointArn?: string;
  recoveryPointCreatedAt?: string;
  restoreJobId?: string;
  restoredTableName?: string;
  liveCount?: number;
  restoredCount?: number;
  sample?: { checked: number; decrypted: number; practices: number; failures: SampleFailure[] };
  restoredTableDeleted: boolean;
}

/** Raised for a drill that cannot start: a missing stack, table or recovery point. */
export class DrillError extends Error {
  override readonly name = 'DrillError';
}

export function dataStackName(stage: string): string {
  return `ClinicConnect-${stage}-Data`;
}

/** The Data stack's outputs a restore needs (infra/stacks/data-stack.ts). */
export interface DataStackOutputs {
  tableNames: Record<TableId, string>;
  tableKeyArn: string;
  vaultName: string;
  restoreRoleArn: string;
}

export async function dataStackOutputs(
  cloudFormation: CloudFormationClient,
  stage: string,
): Promise<DataStackOutputs> {
  const name = dataStackName(stage);
  const outputs = await stackOutputs(cloudFormation, name);
  const need = (key: string) => {
    const value = outputs[key];
    if (!value) throw new DrillError(`Stack ${name} has no output ${key}: deploy the current version first.`);
    return value;
  };
  return {
    tableNames: {
      directory: need('directoryTableName'),
      records: need('recordsTableName'),
      audit: need('auditTableName'),
    },
    tableKeyArn: need('TableKeyArn'),
    vaultName: need('BackupVaultName'),
    restoreRoleArn: need('BackupRestoreRoleArn'),
  };
}

export async function stackOutputs(
  cloudFormation: CloudFormationClient,
  stackName: string,
): Promise<Record<string, string>> {
  let stacks: DescribeStacksCommandOutput;
  try {
    stacks = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
  } catch (error) {
    if (/does not exist/.test((error as Error).message)) {
      throw new DrillError(`Stack ${stackName} does not exist in this account and region.`);
    }
    throw error;
  }
  const outputs = stacks.Stacks?.[0]?.Outputs;
  return Object.fromEntries((outputs ?? []).map((output) => [output.OutputKey, output.OutputValue]));
}

/**
 * A restore drill for one table: restores the latest completed recovery point from the stage's locked vault
 * into a NEW table (under the tables' key, by the stack's restore role), waits for it, compares item counts
 * with the live table (a Scan with Select=COUNT on both: DescribeTable's ItemCount is refreshed only about
 * every six hours), decrypts a sample of the encrypted values with their practices' keys through
 * layers/crypto, and deletes the restored table unless asked to keep it. Never writes to the live table.
 */
export async function runBackupDrill(clients: DrillClients, options: DrillOptions): Promise<DrillReport> {
  const log = options.log ?? (() => {});
  const now = options.now ?? (() => new Date());
  const sleep = options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const pollIntervalMs = options.pollIntervalMs ?? 30_000;
  const deadline = now().getTime() + (options.timeoutMs ?? 2 * 60 * 60_000);
  const documents = DynamoDBDocumentClient.from(clients.dynamo);

  const outputs = await dataStackOutputs(clients.cloudFormation, options.stage);
  const liveTableName = outputs.tableNames[options.table];
  const report: DrillReport = { ok: false, problems: [], liveTableName, restoredTableDeleted: false };
  // Without AWS Backup's advanced DynamoDB features, DynamoDB keeps the backups itself: not under the vault
  // key, not in the locked vault's control, and not copied to the other region.
  const settings = await clients.backup.send(new DescribeRegionSettingsCommand({}));
  if (settings.ResourceTypeManagementPreference?.DynamoDB === false) {
    report.problems.push(
      'AWS Backup advanced DynamoDB backup is off in this region, so backups are neither under the vault key ' +
        'nor copied: aws backup update-region-settings --resource-type-management-preference DynamoDB=true',
    );
  }
  const live = await clients.dynamo.send(new DescribeTableCommand({ TableName: liveTableName }));
  const liveTableArn = live.Table?.TableArn;
  if (!liveTableArn) throw new DrillError(`Table ${liveTableName} was not found.`);

  const point = await recoveryPoint(
    clients.backup,
    outputs.vaultName,
    liveTableArn,
    options.recoveryPointArn,
  );
  report.recoveryPointArn = point.RecoveryPointArn;
  report.recoveryPointCreatedAt = point.CreationDate?.toISOString();
  log(`Recovery point ${point.RecoveryPointArn} of ${liveTableName}, made ${report.recoveryPointCreatedAt}.`);

  const restoredTableName = `${liveTableName}-drill-${stamp(now())}`.slice(0, 255);
  if (await tableExists(clients.dynamo, restoredTableName)) {
    throw new DrillError(
      `Table ${restoredTableName} exists already: the drill only ever restores into a new one.`,
    );
  }
  const { RestoreMetadata } = await clients.backup.send(
    new GetRecoveryPointRestoreMetadataCommand({
      BackupVaultName: outputs.vaultName,
      RecoveryPointArn: point.RecoveryPointArn,
    }),
  );
  const { RestoreJobId } = await clients.backup.send(
    new StartRestoreJobCommand({
      RecoveryPointArn: point.RecoveryPointArn,
      IamRoleArn: outputs.restoreRoleArn,
      ResourceType: 'DynamoDB',
      IdempotencyToken: restoredTableName,
      Metadata: {
        ...RestoreMetadata,
        targetTableName: restoredTableName,
        encryptionType: 'KMS',
        kmsMasterKeyArn: outputs.tableKeyArn,
      },
    }),
  );
  if (!RestoreJobId) throw new DrillError('AWS Backup started no restore job.');
  report.restoreJobId = RestoreJobId;
  report.restoredTableName = restoredTableName;
  log(`Restore job ${RestoreJobId}: restoring into the new table ${restoredTableName} ...`);

  const restored = await waitForRestore(clients, RestoreJobId, restoredTableName, {
    deadline,
    now,
    sleep,
    pollIntervalMs,
  });
  if (restored !== 'active') {
    report.problems.push(restored);
    // Whatever exists of the new table is left for inspection; the live table was never touched.
    return report;
  }

  try {
    const [liveCount, restoredCount] = await Promise.all([
      countItems(documents, liveTableName),
      countItems(documents, restoredTableName),
    ]);
    report.liveCount = liveCount;
    report.restoredCount = restoredCount;
    log(`Items: ${liveCount} in the live table now, ${restoredCount} in the restored one.`);
    if (liveCount > 0 && restoredCount === 0) {
      report.problems.push('The restored table is empty while the live table is not.');
    } else if (options.expectEqualCounts && liveCount !== restoredCount) {
      report.problems.push(`Item counts differ: ${liveCount} live, ${restoredCount} restored.`);
    }

    if (clients.decrypterFor) {
      const keyRecords = options.table === 'directory' ? restoredTableName : outputs.tableNames.directory;
      report.sample = await decryptSample(
        documents,
        restoredTableName,
        options.table,
        clients.decrypterFor(keyRecords),
        options.sampleSize ?? 20,
      );
      const { checked, decrypted, practices, failures } = report.sample;
      log(`Decrypted ${decrypted} of ${checked} sampled values, of ${practices} practices.`);
      for (const failure of failures) {
        report.problems.push(`Could not decrypt ${failure.path} of ${failure.key}: ${failure.reason}`);
      }
    } else {
      log('Decryption skipped (--skip-decrypt).');
    }
  } finally {
    if (!options.keep) {
      await clients.dynamo.send(new DeleteTableCommand({ TableName: restoredTableName }));
      report.restoredTableDeleted = true;
      log(`Deleted ${restoredTableName}.`);
    } else {
      log(`Kept ${restoredTableName} (--keep): delete it when done.`);
    }
  }
  report.ok = report.problems.length === 0;
  return report;
}

async function recoveryPoint(
  backup: BackupClient,
  vaultName: string,
  tableArn: string,
  wanted: string | undefined,
): Promise<RecoveryPointByBackupVault> {
  const points: RecoveryPointByBackupVault[] = [];
  let NextToken: string | undefined;
  do {
    const page = await backup.send(
      new ListRecoveryPointsByBackupVaultCommand({
        BackupVaultName: vaultName,
        ByResourceArn: tableArn,
        NextToken,
      }),
    );
    points.push(...(page.RecoveryPoints ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  const completed = points.filter((point) => point.Status === 'COMPLETED' && point.RecoveryPointArn);
  if (wanted) {
    const found = completed.find((point) => point.RecoveryPointArn === wanted);
    if (!found)
      throw new DrillError(
        `Recovery point ${wanted} is not a completed backup of this table in ${vaultName}.`,
      );
    return found;
  }
  const latest = completed.sort(
    (a, b) => (b.CreationDate?.getTime() ?? 0) - (a.CreationDate?.getTime() ?? 0),
  )[0];
  if (!latest)
    throw new DrillError(`Vault ${vaultName} holds no completed recovery point of ${tableArn} yet.`);
  return latest;
}

async function waitForRestore(
  clients: DrillClients,
  restoreJobId: string,
  tableName: string,
  timing: { deadline: number; now: () => Date; sleep: (ms: number) => Promise<void>; pollIntervalMs: number },
): Promise<'active' | string> {
  for (;;) {
    const job = await clients.backup.send(new DescribeRestoreJobCommand({ RestoreJobId: restoreJobId }));
    if (job.Status === 'COMPLETED') break;
    if (job.Status === 'ABORTED' || job.Status === 'FAILED') {
      return `Restore job ${restoreJobId} ${job.Status.toLowerCase()}: ${job.StatusMessage ?? 'no reason given'}`;
    }
    if (timing.now().getTime() >= timing.deadline) {
      return `Restore job ${restoreJobId} did not finish in time (status ${job.Status}); it may still complete.`;
    }
    await timing.sleep(timing.pollIntervalMs);
  }
  for (;;) {
    const { Table } = await clients.dynamo.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return 'active';
    if (timing.now().getTime() >= timing.deadline) {
      return `Table ${tableName} is not active in time (status ${Table?.TableStatus}).`;
    }
    await timing.sleep(timing.pollIntervalMs);
  }
}

async function tableExists(dynamo: DynamoDBClient, tableName: string): Promise<boolean> {
  try {
    await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
    return true;
  } catch (error) {
    if (error instanceof ResourceNotFoundException || (error as Error).name === 'ResourceNotFoundException') {
      return false;
    }
    throw error;
  }
}

/** Every item, counted by DynamoDB page by page (Select=COUNT): exact, unlike DescribeTable's ItemCount. */
export async function countItems(documents: DynamoDBDocumentClient, tableName: string): Promise<number> {
  let count = 0;
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new ScanCommand({ TableName: tableName, Select: 'COUNT', ExclusiveStartKey }),
    );
    count += page.Count ?? 0;
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return count;
}

const PRACTICE_PARTITION = /^PRACTICE#([a-z0-9][a-z0-9-]{2,62})$/;

/**
 * Decrypts up to `size` field values of the restored table (layers/crypto's encrypted attributes, found by
 * their message header), each with the key of the practice whose partition holds it and the context the value
 * must have: its practice, this table, its attribute. Values of key material (the wrapped blind-index key) are
 * not field values and are left out. Plaintexts are dropped at once: the report holds counts and keys only.
 */
async function decryptSample(
  documents: DynamoDBDocumentClient,
  tableName: string,
  table: TableId,
  decrypter: FieldDecrypter,
  size: number,
): Promise<NonNullable<DrillReport['sample']>> {
  const sample = { checked: 0, decrypted: 0, practices: 0, failures: [] as SampleFailure[] };
  const practices = new Set<string>();
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await documents.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey, Limit: 100 }),
    );
    for (const item of page.Items ?? []) {
      const practiceId = PRACTICE_PARTITION.exec(String(item.pk ?? ''))?.[1];
      if (!practiceId) continue;
      for (const value of encryptedValuesOf(item)) {
        if (sample.checked >= size) break;
        const { context } = value;
        if (context.purpose !== undefined && context.table === undefined) continue;
        sample.checked += 1;
        practices.add(practiceId);
        const key = `${String(item.pk)} / ${String(item.sk)}`;
        if (context.practiceId !== practiceId || context.table !== table || !context.attribute) {
          sample.failures.push({
            key,
            path: value.path,
            reason: `its encryption context names ${context.practiceId ?? '?'}/${context.table ?? '?'}, not ${practiceId}/${table}`,
          });
          continue;
        }
        try {
          await decrypter.decrypt(practiceId, { table, attribute: context.attribute }, value.ciphertext);
          sample.decrypted += 1;
        } catch (error) {
          sample.failures.push({ key, path: value.path, reason: describeError(error) });
        }
      }
      if (sample.checked >= size) break;
    }
    ExclusiveStartKey = sample.checked >= size ? undefined : page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  sample.practices = practices.size;
  return sample;
}

/** The error and its causes, by name and message (they never hold plaintext). */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 4; depth += 1) {
    parts.push(`${current.name}: ${current.message}`);
    current = (current as Error & { cause?: unknown }).cause;
  }
  return parts.join(' <- ') || String(error);
}

function stamp(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}
