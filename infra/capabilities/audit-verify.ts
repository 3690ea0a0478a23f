import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { auditSealResources, localAuditSealDir } from './audit-seal';
import { defineCapability } from './capability';

/**
 * Checking audit trails against their digests: `kms:GetPublicKey` on the audit key and nothing else (no Sign,
 * no bucket). Locally the public key file beside the local key pair.
 */
export const capability = defineCapability({
  id: 'audit-verify',
  summary: 'Checking audit digests with the audit key’s public key (KMS GetPublicKey)',
  clients: ['KMS'],

  aws(stage) {
    const resources = auditSealResources(stage);
    return {
      use: () => ({
        environment: { AUDIT_SIGNING_KEY_ARN: resources.signingKey.keyArn },
        statements: [
          new PolicyStatement({
            sid: 'ReadAuditPublicKey',
            effect: Effect.ALLOW,
            actions: ['kms:GetPublicKey'],
            resources: [resources.signingKey.keyArn],
          }),
        ],
      }),
    };
  },

  async local(stage) {
    return {
      environment: { LOCAL_AUDIT_SEAL_DIR: localAuditSealDir(stage.dataDir) },
      close: async () => undefined,
    };
  },
});
