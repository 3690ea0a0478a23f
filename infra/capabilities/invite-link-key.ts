import { join } from 'node:path';
import { RemovalPolicy } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { ensureLocalInviteLinkKey } from '../../layers/crypto/invite-link-key';
import { defineCapability } from './capability';

/**
 * The platform-wide key invite links are found by (layers/crypto/invite-link-key.ts): in AWS a KMS HMAC key
 * (HMAC_256) that the functions which make or read links may only `GenerateMac` with; locally a 32-byte key
 * file in the data directory. Rotation: KMS HMAC keys do not rotate automatically; a new key makes every
 * outstanding link stop working, which after a day (the longest a link lives) is nothing.
 */
export const capability = defineCapability({
  id: 'invite-link-key',
  summary: 'The key invite links are found by (a KMS HMAC key; a key file locally)',
  clients: ['KMS'],

  aws(stage) {
    const key = new Key(stage.scope, 'InviteLinkKey', {
      description: 'HMAC key: finds an invitation by the token in its link, without storing the token',
      keySpec: KeySpec.HMAC_256,
      keyUsage: KeyUsage.GENERATE_VERIFY_MAC,
      // Deleting it only makes links of the last day stop working; a new stage gets a new one.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    return {
      use: () => ({
        environment: { INVITE_LINK_KEY_ARN: key.keyArn },
        statements: [
          new PolicyStatement({
            sid: 'HashInviteTokens',
            effect: Effect.ALLOW,
            actions: ['kms:GenerateMac'],
            resources: [key.keyArn],
            conditions: { StringEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_256' } },
          }),
        ],
      }),
    };
  },

  async local(stage) {
    const file = join(stage.dataDir, 'keys', 'invite-link.key');
    await ensureLocalInviteLinkKey(file);
    return { environment: { LOCAL_INVITE_LINK_KEY_FILE: file }, close: async () => undefined };
  },
});
