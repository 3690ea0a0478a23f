import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from './acknowledge';

export interface AccessLogBucketProps {
  retentionDays: number;
}

/**
 * Where CloudFront and S3 deliver their access logs. Both log services dictate its shape: ACLs enabled
 * (CloudFront standard logging writes with an ACL) and SSE-S3 (S3 server access logging cannot deliver to
 * an SSE-KMS bucket). Private, TLS-only, versioned, expired after the log retention period.
 */
export class AccessLogBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: AccessLogBucketProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          expiration: Duration.days(props.retentionDays),
          noncurrentVersionExpiration: Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    acknowledge(
      this.bucket,
      ['HIPAA.Security-S3DefaultEncryptionKMS', 'NIST.800.53.R5-S3DefaultEncryptionKMS'],
      'S3 server access logging only delivers to buckets with SSE-S3 default encryption, so the log ' +
        'destination cannot use SSE-KMS. Objects are encrypted at rest with AES-256 (SSE-S3).',
    );
    acknowledge(
      this.bucket,
      ['HIPAA.Security-S3BucketReplicationEnabled', 'NIST.800.53.R5-S3BucketReplicationEnabled'],
      'Access logs are diagnostic and kept for the log retention period only; S3 stores them across three ' +
        'availability zones, and replicating them out of region would move request metadata outside the ' +
        'chosen EU region for no recovery benefit.',
    );
  }
}
