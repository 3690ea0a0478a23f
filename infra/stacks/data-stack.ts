import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, type ITable, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { AccountRootPrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { TABLES, type TableId } from '../../layers/storage/tables';
import type { StageConfig } from '../config';
import { DailyTableBackup } from '../constructs/daily-table-backup';
import { PracticeDataRole } from '../constructs/practice-data-role';
import { practiceKeyStatement, practiceSessionStatements } from '../constructs/table-access';

export type StageTables = { readonly [K in TableId]: ITable };

export interface DataStackProps extends StackProps {
  config: StageConfig;
}

/**
 * Every table of `TABLES`, encrypted under one customer-managed key, with point-in-time recovery and a daily
 * backup into a locked vault, copied to a second EU region (DailyTableBackup). Stateful: tables and keys are
 * retained and protected from deletion whatever the stage.
 */
export class DataStack extends Stack {
  readonly tables: StageTables;
  readonly tableKey: Key;
  readonly backup: DailyTableBackup;
  /** For `npm run backup:drill`: decrypts a sample of restored values, one practice per session. */
  readonly restoreDrillRole: PracticeDataRole;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.tableKey = new Key(this, 'TableKey', {
      description: `ClinicConnect ${config.stage}: server-side encryption of the DynamoDB tables`,
      alias: `alias/clinic-connect/${config.stage}/tables`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const tables: Partial<Record<TableId, ITable>> = {};
    for (const definition of TABLES) {
      // `Table` (AWS::DynamoDB::Table) rather than TableV2: the compliance packs inspect Table resources, so
      // PITR and backup coverage are checked at every synth instead of assumed.
      const table = new Table(this, `${definition.id}Table`, {
        partitionKey: { name: definition.partitionKey, type: AttributeType.STRING },
        sortKey: { name: definition.sortKey, type: AttributeType.STRING },
        billingMode: BillingMode.PAY_PER_REQUEST,
        encryption: TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: this.tableKey,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: true,
        removalPolicy: RemovalPolicy.RETAIN,
        ...('timeToLiveAttribute' in definition
          ? { timeToLiveAttribute: definition.timeToLiveAttribute }
          : {}),
      });
      for (const index of definition.indexes) {
        table.addGlobalSecondaryIndex({
          indexName: index.name,
          partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
          sortKey: { name: index.sortKey, type: AttributeType.STRING },
        });
      }
      tables[definition.id] = table;
    }
    this.tables = tables as StageTables;

    this.backup = new DailyTableBackup(this, 'Backup', {
      stage: config.stage,
      tables: Object.values(this.tables),
      tableKey: this.tableKey,
      retentionDays: config.backupRetentionDays,
      lockDays: config.backupLockDays,
      lockCoolOffDays: config.backupLockCoolOffDays,
      copyRegion: config.backupCopyRegion,
    });

    // The restore drill decrypts a sample of a restored table's values with their practices' keys, which only
    // practice data roles may use: a role of that family for the account's operators. Its sessions may only
    // Decrypt, with one practice's key and context; they read no table (the drill reads the restored table
    // and the key records with the operator's own credentials). Operators need sts:AssumeRole and
    // sts:TagSession on it in their own IAM policies: trusting the account leaves who to IAM.
    this.restoreDrillRole = new PracticeDataRole(this, 'RestoreDrill', {
      stage: config.stage,
      region: config.region,
      owner: 'restoreDrill',
      description: 'Restore drill: decrypt a sample of restored values, one practice per session (operators)',
      trustedBy: new AccountRootPrincipal(),
      statements: [
        ...practiceSessionStatements({}, this.tables, this.tableKey),
        practiceKeyStatement({ app: 'clinic-connect', stage: config.stage }, ['kms:Decrypt']),
      ],
    });

    // What a restore (and `npm run backup:drill`) needs to find: read with DescribeStacks.
    for (const definition of TABLES) {
      new CfnOutput(this, `${definition.id}TableName`, { value: this.tables[definition.id].tableName });
    }
    new CfnOutput(this, 'TableKeyArn', { value: this.tableKey.keyArn });
    new CfnOutput(this, 'BackupVaultName', { value: this.backup.vault.vault.backupVaultName });
    new CfnOutput(this, 'BackupRestoreRoleArn', { value: this.backup.restoreRole.roleArn });
    new CfnOutput(this, 'RestoreDrillRoleArn', { value: this.restoreDrillRole.roleArn });
  }
}
