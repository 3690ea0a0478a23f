import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BackupVault } from 'aws-cdk-lib/aws-backup';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface LockedBackupVaultProps {
  /** Fixed, so that the copy rule in the other region can name this vault before it is looked up. */
  vaultName: string;
  description: string;
  /** The vault lock's minimum retention: no recovery point goes sooner, whoever asks. */
  lockDays: number;
  /** Days in which the lock can still be changed or removed; immutable afterwards (compliance mode). */
  coolOffDays: number;
}

/** `clinic-connect-<stage>-tables` and its copy `clinic-connect-<stage>-tables-copy`. */
export function backupVaultNames(stage: string): { primary: string; copy: string } {
  return { primary: `clinic-connect-${stage}-tables`, copy: `clinic-connect-${stage}-tables-copy` };
}

/**
 * A backup vault that no one can empty early: AWS Backup Vault Lock in compliance mode (a minimum retention
 * and a cool-off after which the lock itself can never be changed or removed, by the account root included),
 * plus an access policy that denies deleting recovery points or shortening their lifecycle (in force from the
 * first deploy, during the cool-off too). Recovery points are encrypted with the vault's own customer-managed
 * key, never the tables' key: whoever may use one does not thereby hold the other. Retained on stack deletion;
 * AWS Backup deletes a recovery point when its lifecycle ends.
 */
export class LockedBackupVault extends Construct {
  readonly vault: BackupVault;
  readonly key: Key;

  constructor(scope: Construct, id: string, props: LockedBackupVaultProps) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: `${props.description}: encrypts its recovery points (not the tables' key)`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.vault = new BackupVault(this, 'Vault', {
      backupVaultName: props.vaultName,
      encryptionKey: this.key,
      removalPolicy: RemovalPolicy.RETAIN,
      blockRecoveryPointDeletion: true,
      lockConfiguration: {
        minRetention: Duration.days(props.lockDays),
        changeableFor: Duration.days(props.coolOffDays),
      },
    });
  }
}
