import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config';
import { backupVaultNames, LockedBackupVault } from '../constructs/locked-backup-vault';

export interface BackupCopyStackProps extends StackProps {
  config: StageConfig;
}

/**
 * The vault in `backupCopyRegion` that receives a copy of every daily recovery point of the stage's tables:
 * locked like the primary vault, under a key of its own in that region. A region of its own so that losing
 * the stage's region (or its vault) loses no backup. Deployed before the data stack, whose backup plan copies
 * into it by name.
 */
export class BackupCopyStack extends Stack {
  readonly vault: LockedBackupVault;

  constructor(scope: Construct, id: string, props: BackupCopyStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.vault = new LockedBackupVault(this, 'CopyVault', {
      vaultName: backupVaultNames(config.stage).copy,
      description: `ClinicConnect ${config.stage}: copies of the table backups from ${config.region}`,
      lockDays: config.backupLockDays,
      coolOffDays: config.backupLockCoolOffDays,
    });
    new CfnOutput(this, 'CopyVaultName', { value: this.vault.vault.backupVaultName });
  }
}
