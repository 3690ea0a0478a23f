import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { BackupPlan, BackupPlanRule, BackupResource, BackupVault } from 'aws-cdk-lib/aws-backup';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledge';
import { backupVaultNames, LockedBackupVault } from './locked-backup-vault';

export interface DailyTableBackupProps {
  stage: string;
  tables: readonly ITable[];
  /** The tables' own key: a restore writes the new table under it, like the tables it replaces. */
  tableKey: IKey;
  retentionDays: number;
  lockDays: number;
  lockCoolOffDays: number;
  /** The region of the copy vault (BackupCopyStack), another EU region than this stack's. */
  copyRegion: string;
}

/**
 * R16 asks for a full backup daily and a partial one hourly. Point-in-time recovery on each table already
 * gives continuous backups (a restore to any second of the last 35 days: the "hourly" part and better); this
 * plan adds a daily recovery point of every table that nobody can delete before its time:
 *
 * - in a locked vault under its own key (LockedBackupVault), kept `retentionDays`;
 * - copied, as soon as it is made, to the locked vault of the same stage in `copyRegion`, kept as long.
 *
 * And a role for restores (`npm run backup:drill`, or an operator's restore): AWS Backup assumes it to read a
 * recovery point and create a NEW table under the tables' key; it cannot touch the existing tables.
 */
export class DailyTableBackup extends Construct {
  readonly plan: BackupPlan;
  readonly vault: LockedBackupVault;
  readonly restoreRole: Role;

  constructor(scope: Construct, id: string, props: DailyTableBackupProps) {
    super(scope, id);
    const names = backupVaultNames(props.stage);
    this.vault = new LockedBackupVault(this, 'Vault', {
      vaultName: names.primary,
      description: `ClinicConnect ${props.stage}: daily table backups`,
      lockDays: props.lockDays,
      coolOffDays: props.lockCoolOffDays,
    });
    // Named, not referenced: the copy vault lives in another region's stack, deployed first.
    const copyVault = BackupVault.fromBackupVaultArn(
      this,
      'CopyVault',
      Stack.of(this).formatArn({
        service: 'backup',
        region: props.copyRegion,
        resource: 'backup-vault',
        resourceName: names.copy,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    const keep = Duration.days(props.retentionDays);
    this.plan = new BackupPlan(this, 'Plan', {
      backupVault: this.vault.vault,
      backupPlanRules: [
        new BackupPlanRule({
          ruleName: 'Daily',
          // 02:00 UTC: before the working day in the UK and the rest of Europe.
          scheduleExpression: Schedule.cron({ hour: '2', minute: '0' }),
          startWindow: Duration.hours(1),
          completionWindow: Duration.hours(8),
          deleteAfter: keep,
          copyActions: [{ destinationBackupVault: copyVault, deleteAfter: keep }],
        }),
      ],
    });
    const selection = this.plan.addSelection('Tables', {
      resources: props.tables.map((table) => BackupResource.fromDynamoDbTable(table)),
    });
    acknowledge(
      selection,
      [
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      ],
      'AWSBackupServiceRolePolicyForBackup is the policy AWS maintains for the AWS Backup service role; the ' +
        'role can only be assumed by backup.amazonaws.com and acts only on the resources this selection names.',
    );

    this.restoreRole = new Role(this, 'RestoreRole', {
      description: 'AWS Backup restores of the stage tables into new tables (restore drills, recovery)',
      assumedBy: new ServicePrincipal('backup.amazonaws.com'),
      managedPolicies: [
        ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSBackupServiceRolePolicyForRestores'),
      ],
    });
    new ManagedPolicy(this, 'RestoreKeys', {
      description: 'Read recovery points under the vault key; write the restored table under the table key',
      roles: [this.restoreRole],
      statements: [
        new PolicyStatement({
          actions: ['kms:Decrypt', 'kms:DescribeKey'],
          resources: [this.vault.key.keyArn],
        }),
        new PolicyStatement({
          actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
          resources: [props.tableKey.keyArn],
        }),
        // DynamoDB keeps a grant on the key for the table it creates; nobody else gets one.
        new PolicyStatement({
          actions: ['kms:CreateGrant'],
          resources: [props.tableKey.keyArn],
          conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
        }),
      ],
    });
    acknowledge(
      this.restoreRole,
      [
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores]',
      ],
      'AWSBackupServiceRolePolicyForRestores is the policy AWS maintains for restores by AWS Backup; only ' +
        'backup.amazonaws.com can assume the role, and a restore always creates a new table.',
    );
  }
}
