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
  // Staff administration is a few changes a day per practice, and Cognito's admin APIs have low request
  // quotas of their own: 5 executions at most, so a slow or throttled Cognito holds no more.
  reservedConcurrency: 5,

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
