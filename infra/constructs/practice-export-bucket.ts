import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { AccessLogBucket } from './access-log-bucket';
import { acknowledge } from './acknowledge';

export interface PracticeExportBucketProps {
  /** Exports are deleted this many days after they are made: the operator hands them over meanwhile. */
  retentionDays: number;
  logRetentionDays: number;
}

/**
 * Offboarding exports (a practice's data, decrypted, as the practice takes it away): private, TLS only,
 * under a key of their own, versioned against accidental overwrite, expired after the retention period, and
 * every access logged.
 */
export class PracticeExportBucket extends Construct {
  readonly bucket: Bucket;
  readonly key: Key;

  constructor(scope: Construct, id: string, props: PracticeExportBucketProps) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: 'Encrypts practice offboarding exports',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const logs = new AccessLogBucket(this, 'AccessLogs', { retentionDays: props.logRetentionDays });
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: logs.bucket,
      serverAccessLogsPrefix: 'practice-exports/',
      lifecycleRules: [
        {
          expiration: Duration.days(props.retentionDays),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    acknowledge(
      this.bucket,
      ['HIPAA.Security-S3BucketReplicationEnabled', 'NIST.800.53.R5-S3BucketReplicationEnabled'],
      'Exports are short-lived copies of patient data made for handing over to the practice; replicating ' +
        'them to another region would multiply copies (and move patient data out of the chosen region) for ' +
        'no recovery benefit: the export can be made again until the offboarding destroys the key.',
    );
  }
}
