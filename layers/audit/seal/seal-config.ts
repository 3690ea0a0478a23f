import { join } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { BaseConfig } from '../../config/base-config';
import * as z from '../../validation/z';
import type { DigestStore } from './digest-store';
import { FileDigestStore } from './digest-store';
import { S3DigestStore } from './s3-digest-store';
import { type DigestSigner, KmsDigestSigner, LocalDigestSigner } from './signing';

export const KEY_ARN = z
  .string()
  .check(z.regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/, 'must be a KMS key ARN'));

/** Where the local stand-ins keep the audit key pair and the digests' write-once copies. */
export function localSealPaths(dir: string) {
  return { keyDir: dir, copiesDir: join(dir, 'digests') };
}

/**
 * The sealer's settings. In AWS: the signing key (`AUDIT_SIGNING_KEY_ARN`) and the Object Lock bucket of the
 * copies (`AUDIT_DIGEST_BUCKET`). Locally (`STAGE=local` only): `LOCAL_AUDIT_SEAL_DIR`, holding the key pair
 * and the copies.
 */
export const AuditSealConfig = z
  .object({
    STAGE: BaseConfig.shape.STAGE,
    AWS_REGION: BaseConfig.shape.AWS_REGION,
    AUDIT_SIGNING_KEY_ARN: z.optional(KEY_ARN),
    AUDIT_DIGEST_BUCKET: z.optional(z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/))),
    LOCAL_AUDIT_SEAL_DIR: z.optional(z.string().check(z.minLength(1))),
  })
  .check(
    z.refine((config) => Boolean(config.LOCAL_AUDIT_SEAL_DIR) || Boolean(config.AUDIT_SIGNING_KEY_ARN), {
      message: 'is required: the KMS key that signs audit digests',
      path: ['AUDIT_SIGNING_KEY_ARN'],
    }),
    z.refine((config) => Boolean(config.LOCAL_AUDIT_SEAL_DIR) || Boolean(config.AUDIT_DIGEST_BUCKET), {
      message: 'is required: the Object Lock bucket that keeps each digest',
      path: ['AUDIT_DIGEST_BUCKET'],
    }),
    z.refine((config) => !config.LOCAL_AUDIT_SEAL_DIR || config.STAGE === 'local', {
      message: 'is for the local stack only (STAGE=local)',
      path: ['LOCAL_AUDIT_SEAL_DIR'],
    }),
  );
export type AuditSealConfig = z.infer<typeof AuditSealConfig>;

export interface AuditSealing {
  signer(): Promise<DigestSigner>;
  /** The write-once copies (S3 Object Lock; local files). */
  copies: DigestStore;
}

/** The signer and the copies' store, from the sealer's parsed configuration. */
export function auditSealingFrom(config: AuditSealConfig): AuditSealing {
  if (config.LOCAL_AUDIT_SEAL_DIR) {
    const paths = localSealPaths(config.LOCAL_AUDIT_SEAL_DIR);
    let signer: Promise<DigestSigner> | undefined;
    return {
      signer: () => {
        signer ??= LocalDigestSigner.open({ dir: paths.keyDir });
        return signer;
      },
      copies: new FileDigestStore(paths.copiesDir),
    };
  }
  const kms = new KMSClient({ region: config.AWS_REGION, maxAttempts: 3 });
  const signer = new KmsDigestSigner(kms, config.AUDIT_SIGNING_KEY_ARN as string);
  return {
    signer: async () => signer,
    copies: new S3DigestStore(
      new S3Client({ region: config.AWS_REGION, maxAttempts: 3 }),
      config.AUDIT_DIGEST_BUCKET as string,
    ),
  };
}
