import { KMSClient } from '@aws-sdk/client-kms';
import { BaseConfig } from '../../config/base-config';
import * as z from '../../validation/z';
import { type DigestVerifier, kmsDigestVerifier, readLocalDigestVerifier } from './signing';

const KEY_ARN = z
  .string()
  .check(z.regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/, 'must be a KMS key ARN'));

/** The checker's settings: the same key, of which it only ever reads the public half. */
export const AuditVerifyConfig = z
  .object({
    STAGE: BaseConfig.shape.STAGE,
    AWS_REGION: BaseConfig.shape.AWS_REGION,
    AUDIT_SIGNING_KEY_ARN: z.optional(KEY_ARN),
    LOCAL_AUDIT_SEAL_DIR: z.optional(z.string().check(z.minLength(1))),
  })
  .check(
    z.refine((config) => Boolean(config.LOCAL_AUDIT_SEAL_DIR) || Boolean(config.AUDIT_SIGNING_KEY_ARN), {
      message: 'is required: the KMS key whose public key checks audit digests',
      path: ['AUDIT_SIGNING_KEY_ARN'],
    }),
    z.refine((config) => !config.LOCAL_AUDIT_SEAL_DIR || config.STAGE === 'local', {
      message: 'is for the local stack only (STAGE=local)',
      path: ['LOCAL_AUDIT_SEAL_DIR'],
    }),
  );
export type AuditVerifyConfig = z.infer<typeof AuditVerifyConfig>;

/**
 * The public key that checks digests: KMS GetPublicKey of the audit key (fetched once per container; the role
 * may call nothing else on it), or locally the public key file. Never the private key.
 */
export function auditVerifierFrom(config: AuditVerifyConfig): () => Promise<DigestVerifier> {
  let verifier: Promise<DigestVerifier> | undefined;
  const load = async () => {
    if (config.LOCAL_AUDIT_SEAL_DIR) return readLocalDigestVerifier(config.LOCAL_AUDIT_SEAL_DIR);
    const kms = new KMSClient({ region: config.AWS_REGION, maxAttempts: 3 });
    return kmsDigestVerifier(kms, config.AUDIT_SIGNING_KEY_ARN as string);
  };
  return () => {
    verifier ??= load().catch((error: unknown) => {
      verifier = undefined;
      throw error;
    });
    return verifier;
  };
}
