import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BackupPlan, BackupPlanRule, BackupResource, BackupVault } from 'aws-cdk-lib/aws-backup';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Schedule } from 'aws-cdk-lib/aws-events';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledge';

export interface DailyTableBackupProps {
  tables: readonly ITable[];
  /** Recovery points in the vault are encrypted with this key (advanced DynamoDB backups). */
  vaultKey: IKey;
  retentionDays: number;
}

/**
 * R16 asks for a full backup daily and a partial one hourly. Point-in-time recovery on each table gives
 * per-second restores for 35 days (the "hourly" part and better); this plan adds a daily recovery point kept
 * in a separate vault for as long as the stage config says, so a restore does not depend on the table.
 */
export class DailyTableBackup extends Construct {
  readonly plan: BackupPlan;

  constructor(scope: Construct, id: string, props: DailyTableBackupProps) {
    super(scope, id);
    const vault = new BackupVault(this, 'Vault', {
      encryptionKey: props.vaultKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.plan = new BackupPlan(this, 'Plan', {
      backupVault: vault,
      backupPlanRules: [
        new BackupPlanRule({
          ruleName: 'Daily',
          // 02:00 UTC: before the working day in the UK and the rest of Europe.
          scheduleExpression: Schedule.cron({ hour: '2', minute: '0' }),
          startWindow: Duration.hours(1),
          completionWindow: Duration.hours(8),
          deleteAfter: Duration.days(props.retentionDays),
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
  }
}
