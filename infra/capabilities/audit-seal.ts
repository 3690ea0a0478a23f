import { join } from 'node:path';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { z } from 'zod';
import { LocalDigestSigner } from '../../layers/audit/seal/signing';
import { StageConfigError } from '../config';
import { objectsFinding } from '../constructs/acknowledge';
import { AuditSealResources } from '../constructs/audit-seal-resources';
import type { AwsStage } from './capability';
import { defineCapability } from './capability';

export const DIGEST_PREFIX = 'audit-digests';

/** Six years (the UK limitation period for claims), unless the stage says otherwise. */
const AuditSealStageSettings = z.object({
  auditDigestLockDays: z.coerce.number().int().min(1).max(36_500).default(2_190),
});

export function auditSealResources(stage: AwsStage): AuditSealResources {
  const raw = stage.context('auditDigestLockDays');
  const parsed = AuditSealStageSettings.safeParse({ auditDigestLockDays: raw === '' ? undefined : raw });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new StageConfigError(`Invalid stage configuration (CDK context). ${problems.join('; ')}`);
  }
  const resources = AuditSealResources.of(stage.scope, {
    stage: stage.config.stage,
    lockDays: parsed.data.auditDigestLockDays,
    logRetentionDays: stage.config.logRetentionDays,
  });
  if (!stage.dataEventBuckets.includes(resources.bucket)) stage.dataEventBuckets.push(resources.bucket);
  return resources;
}

/** Where the local stack keeps the audit key pair and the digest copies. */
export function localAuditSealDir(dataDir: string): string {
  return join(dataDir, 'audit-seal');
}

/**
 * Sealing audit trails. In AWS: `kms:Sign` on the stage's ECC_NIST_P256 audit key and write-once puts to the
 * Object Lock digest bucket (infra/constructs/audit-seal-resources.ts). Locally: a P-256 key pair and a
 * directory of digest copies under the data directory (layers/audit/seal: `LocalDigestSigner`,
 * `FileDigestStore`).
 */
export const capability = defineCapability({
  id: 'audit-seal',
  summary: 'Signing audit digests (KMS ECC_NIST_P256) and keeping write-once copies (S3 Object Lock)',
  clients: ['KMS', 'S3'],

  aws(stage) {
    const resources = auditSealResources(stage);
    return {
      use: () => ({
        environment: {
          AUDIT_SIGNING_KEY_ARN: resources.signingKey.keyArn,
          AUDIT_DIGEST_BUCKET: resources.bucket.bucketName,
        },
        statements: [
          new PolicyStatement({
            sid: 'SignAuditDigests',
            effect: Effect.ALLOW,
            actions: ['kms:Sign'],
            resources: [resources.signingKey.keyArn],
            conditions: {
              StringEquals: { 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:MessageType': 'DIGEST' },
            },
          }),
          new PolicyStatement({
            sid: 'WriteDigestCopies',
            effect: Effect.ALLOW,
            // New objects and reading one back (a retried write compares); never delete, never retention.
            actions: ['s3:PutObject', 's3:GetObject'],
            resources: [resources.bucket.arnForObjects(`${DIGEST_PREFIX}/*`)],
          }),
          new PolicyStatement({
            sid: 'DigestCopiesKey',
            effect: Effect.ALLOW,
            actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
            resources: [resources.bucketKey.keyArn],
            conditions: { StringEquals: { 'kms:ViaService': `s3.${stage.config.region}.amazonaws.com` } },
          }),
        ],
        acknowledgements: [
          {
            findings: [objectsFinding(resources.bucket, `${DIGEST_PREFIX}/*`)],
            reason:
              'One new object per digest under audit-digests/ (its name is the practice and sequence number, ' +
              'known only when sealing); Object Lock keeps every one from being overwritten or deleted.',
          },
        ],
      }),
    };
  },

  async local(stage) {
    const dir = localAuditSealDir(stage.dataDir);
    // The key pair now, so that its public key (what audit:verify trusts) exists before the first seal.
    const signer = await LocalDigestSigner.open({ dir });
    return {
      keyId: signer.keyId,
      environment: { LOCAL_AUDIT_SEAL_DIR: dir },
      describe: () => [
        `Audit sealing: every minute, a digest per practice signed with the local key in ${dir}`,
        '  npm run audit:seal seals now; npm run audit:verify -- --practice <id> checks with the public key only.',
      ],
      close: async () => undefined,
    };
  },
});
