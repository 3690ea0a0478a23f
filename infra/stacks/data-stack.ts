import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, type ITable, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { TABLES, type TableId } from '../../layers/storage/tables';
import type { StageConfig } from '../config';
import { DailyTableBackup } from '../constructs/daily-table-backup';

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

    // What a restore (and `npm run backup:drill`) needs to find: read with DescribeStacks.
    for (const definition of TABLES) {
      new CfnOutput(this, `${definition.id}TableName`, { value: this.tables[definition.id].tableName });
    }
    new CfnOutput(this, 'TableKeyArn', { value: this.tableKey.keyArn });
    new CfnOutput(this, 'BackupVaultName', { value: this.backup.vault.vault.backupVaultName });
    new CfnOutput(this, 'BackupRestoreRoleArn', { value: this.backup.restoreRole.roleArn });
  }
}
