import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectLockRetention } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { AccessLogBucket } from './access-log-bucket';
import { acknowledge } from './acknowledge';

export interface AuditSealResourcesProps {
  stage: string;
  /** Days each digest copy is locked for (compliance mode: nobody can shorten it). */
  lockDays: number;
  logRetentionDays: number;
}

/**
 * What sealing the audit trails needs, once per stage:
 *
 * - the signing key: asymmetric, `ECC_NIST_P256` / `SIGN_VERIFY` (ECDSA with SHA-256). KMS never releases
 *   its private half, so only a principal allowed `kms:Sign` on it (the sealer's role) can make a digest that
 *   verifies, and anyone holding its public key (`kms:GetPublicKey`, or a copy printed by the report) can check
 *   one, offline. Asymmetric KMS keys do not rotate; a new key would be a new key id, named in new digests;
 * - the digest bucket: every digest is also written here, once, under S3 Object Lock in COMPLIANCE mode for
 *   `lockDays`: no one, the account root included, can delete or overwrite a copy before then, whatever they
 *   do to the table. Versioned (Object Lock needs it), encrypted under its own key, TLS only, logged.
 */
export class AuditSealResources extends Construct {
  readonly signingKey: Key;
  readonly bucket: Bucket;
  readonly bucketKey: Key;

  /** The stack's one instance (both audit capabilities use it). */
  static of(scope: Construct, props: AuditSealResourcesProps): AuditSealResources {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild('AuditSeal');
    return existing instanceof AuditSealResources
      ? existing
      : new AuditSealResources(stack, 'AuditSeal', props);
  }

  constructor(scope: Construct, id: string, props: AuditSealResourcesProps) {
    super(scope, id);
    this.signingKey = new Key(this, 'SigningKey', {
      description: `ClinicConnect ${props.stage}: signs the audit trail digests (ECDSA P-256)`,
      alias: `alias/clinic-connect/${props.stage}/audit-signing`,
      keySpec: KeySpec.ECC_NIST_P256,
      keyUsage: KeyUsage.SIGN_VERIFY,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucketKey = new Key(this, 'BucketKey', {
      description: `ClinicConnect ${props.stage}: encrypts the audit digest copies`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const logs = new AccessLogBucket(this, 'AccessLogs', { retentionDays: props.logRetentionDays });
    this.bucket = new Bucket(this, 'Digests', {
      objectLockEnabled: true,
      objectLockDefaultRetention: ObjectLockRetention.compliance(Duration.days(props.lockDays)),
      versioned: true,
      encryption: BucketEncryption.KMS,
      encryptionKey: this.bucketKey,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: logs.bucket,
      serverAccessLogsPrefix: 'audit-digests/',
      lifecycleRules: [
        {
          // Locked versions cannot expire early; this only tidies up after the lock has run out.
          noncurrentVersionExpiration: Duration.days(props.lockDays + 1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    acknowledge(
      this.bucket,
      ['HIPAA.Security-S3BucketReplicationEnabled', 'NIST.800.53.R5-S3BucketReplicationEnabled'],
      'The digest copies are the second, write-once copy of what the audit table holds (the table itself is ' +
        'backed up daily into a locked vault copied to a second EU region); they hold hashes, event ids and ' +
        'times only, and Object Lock already keeps them from deletion for the retention period.',
    );
    new CfnOutput(Stack.of(this), 'AuditSigningKeyArn', {
      value: this.signingKey.keyArn,
      description: 'Its public key checks audit digests: aws kms get-public-key --key-id <this>',
    });
    new CfnOutput(Stack.of(this), 'AuditDigestBucket', { value: this.bucket.bucketName });
  }
}
