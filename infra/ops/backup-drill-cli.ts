import { parseArgs } from 'node:util';
import { BackupClient } from '@aws-sdk/client-backup';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { STSClient } from '@aws-sdk/client-sts';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoKeyMaterialStore } from '../../layers/crypto/dynamo-key-material-store';
import { FieldCrypto } from '../../layers/crypto/field-crypto';
import { KmsPracticeKeys } from '../../layers/crypto/kms-practice-keys';
import { StsPracticeCredentials } from '../../layers/isolation/practice-credentials';
import { TABLES, type TableId } from '../../layers/storage/tables';
import { DrillError, dataStackName, describeError, runBackupDrill, stackOutputs } from './backup-drill';

const TABLE_IDS = TABLES.map((table) => table.id) as TableId[];
const USAGE =
  `Usage: npm run backup:drill -- --stage <stage> --table <${TABLE_IDS.join('|')}> ` +
  '[--region eu-west-2] [--keep] [--sample 20] [--recovery-point <arn>] [--expect-equal-counts] ' +
  '[--skip-decrypt] [--drill-role-arn <arn>]';

/** Practice ids are `[a-z0-9-]`; this one names no practice, so its session can reach no data. */
const PROBE_PRACTICE = 'restore-drill-probe';

/**
 * `npm run backup:drill`: the restore drill of the README, with the operator's AWS credentials (a profile or
 * the environment). Exits 0 when the drill passed, 1 when it found a problem, 2 on a usage error.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      stage: { type: 'string' },
      table: { type: 'string' },
      region: { type: 'string' },
      keep: { type: 'boolean', default: false },
      sample: { type: 'string', default: '20' },
      'recovery-point': { type: 'string' },
      'expect-equal-counts': { type: 'boolean', default: false },
      'skip-decrypt': { type: 'boolean', default: false },
      'drill-role-arn': { type: 'string' },
    },
  });
  const table = values.table as TableId | undefined;
  const sampleSize = Number(values.sample);
  if (
    !values.stage ||
    !table ||
    !TABLE_IDS.includes(table) ||
    !Number.isInteger(sampleSize) ||
    sampleSize < 1
  ) {
    console.error(USAGE);
    return 2;
  }
  const stage = values.stage;
  const region = values.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'eu-west-2';
  const cloudFormation = new CloudFormationClient({ region });
  const dynamo = new DynamoDBClient({ region });
  const documents = DynamoDBDocumentClient.from(dynamo);

  let decrypterFor: ((keyRecordsTable: string) => FieldCrypto) | undefined;
  if (!values['skip-decrypt']) {
    // The Data stack's restore drill role: a practice data role for operators, that may only decrypt.
    const dataRoleArn =
      values['drill-role-arn'] ??
      (await stackOutputs(cloudFormation, dataStackName(stage))).RestoreDrillRoleArn;
    if (!dataRoleArn) {
      throw new DrillError(
        `${dataStackName(stage)} has no RestoreDrillRoleArn output: deploy the current version.`,
      );
    }
    const credentials = new StsPracticeCredentials({ roleArn: dataRoleArn, sts: new STSClient({ region }) });
    // Before a restore that can take an hour: can these credentials get a practice session at all?
    try {
      await credentials.forPractice(PROBE_PRACTICE)();
    } catch (error) {
      console.error(
        `Cannot start a session of the restore drill role (${dataRoleArn}) to decrypt the sample: ` +
          `${describeError(error)}. Run with credentials allowed sts:AssumeRole and sts:TagSession on it, or ` +
          'with --skip-decrypt (counts only).',
      );
      return 1;
    }
    decrypterFor = (keyRecordsTable) =>
      new FieldCrypto(
        KmsPracticeKeys.forDataRole({
          stage,
          region,
          dataRoleArn,
          kmsClientFor: (practiceId) =>
            new KMSClient({ region, credentials: credentials.forPractice(practiceId) }),
          store: new DynamoKeyMaterialStore(documents, keyRecordsTable),
        }),
      );
  }

  const report = await runBackupDrill(
    {
      cloudFormation,
      backup: new BackupClient({ region }),
      dynamo,
      ...(decrypterFor ? { decrypterFor } : {}),
    },
    {
      stage,
      table,
      keep: values.keep,
      sampleSize,
      expectEqualCounts: values['expect-equal-counts'],
      ...(values['recovery-point'] ? { recoveryPointArn: values['recovery-point'] } : {}),
      log: (line) => console.log(line),
    },
  );
  if (report.ok) {
    console.log(`Restore drill of ${table} (${stage}) passed.`);
    return 0;
  }
  for (const problem of report.problems) console.error(`Problem: ${problem}`);
  console.error(`Restore drill of ${table} (${stage}) FAILED.`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error instanceof DrillError ? error.message : describeError(error));
    process.exit(1);
  },
);
