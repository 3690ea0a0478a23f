import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { defineCapability } from './capability';

/**
 * Acting on staff accounts at the identity provider. In AWS: the stage's Cognito user pool, and only
 * AdminUserGlobalSignOut (revokes the member's refresh tokens) and AdminSetUserMFAPreference (turns a lost
 * authenticator off, so the member sets up a new one at their next sign-in) on it. Locally the embedded
 * provider asks the directory at every token it issues, so ending sessions needs no call; an authenticator
 * is reset through the provider's admin endpoint, which the local stack points the functions at
 * (LOCAL_IDENTITY_ADMIN_URL, with its token): layers/identity/identity-admin.ts.
 */
export const capability = defineCapability({
  id: 'identity-admin',
  summary:
    'Staff identity provider administration (Cognito: end a member’s sessions, reset their authenticator)',
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
            sid: 'EndMemberSessionsResetAuthenticators',
            effect: Effect.ALLOW,
            actions: ['cognito-idp:AdminUserGlobalSignOut', 'cognito-idp:AdminSetUserMFAPreference'],
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
