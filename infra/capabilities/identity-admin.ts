import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { defineCapability } from './capability';

/**
 * Acting on staff accounts at the identity provider. In AWS: the stage's Cognito user pool, and only
 * AdminUserGlobalSignOut on it (revokes the member's refresh tokens). Locally the embedded provider asks the
 * directory at every token it issues, so there is nothing to call: the function gets no pool and, on the
 * local stage only, uses the directory-checked adapter (layers/identity/identity-admin.ts).
 */
export const capability = defineCapability({
  id: 'identity-admin',
  summary: 'Staff identity provider administration (Cognito: end a member’s sessions)',
  clients: ['CognitoIdentityProvider'],

  aws(stage) {
    const { userPoolId, userPoolArn } = stage.userPool;
    return {
      use: () => ({
        environment: { USER_POOL_ID: userPoolId },
        statements: [
          new PolicyStatement({
            sid: 'EndMemberSessions',
            effect: Effect.ALLOW,
            actions: ['cognito-idp:AdminUserGlobalSignOut'],
            resources: [userPoolArn],
          }),
        ],
      }),
    };
  },

  async local() {
    return { environment: {}, close: async () => undefined };
  },
});
