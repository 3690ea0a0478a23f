import {
  AdminUserGlobalSignOutCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { ConfigError } from '../config/load-config';
import * as z from '../validation/z';

/** Port: what the API may ask of the staff identity provider. */
export interface IdentityAdmin {
  /** Revokes the member's refresh tokens and sessions, so they cannot get new access tokens. */
  endSessions(sub: string): Promise<void>;
}

/** Cognito: with email as the username attribute, an account's Username is its `sub`. */
export class CognitoIdentityAdmin implements IdentityAdmin {
  constructor(
    private readonly client: CognitoIdentityProviderClient,
    private readonly userPoolId: string,
  ) {}

  async endSessions(sub: string): Promise<void> {
    await this.client.send(new AdminUserGlobalSignOutCommand({ UserPoolId: this.userPoolId, Username: sub }));
  }
}

/**
 * The local provider asks the directory for a member's claims at every token it issues (sign-in, code
 * exchange, refresh) and refuses suspended members, so there is no session to end from here.
 */
export class DirectoryCheckedIdentityAdmin implements IdentityAdmin {
  async endSessions(): Promise<void> {}
}

/** `uses: ['identity-admin']`: the user pool, required everywhere but the local stack (its own provider). */
export const IdentityAdminConfig = z
  .object({
    STAGE: z.string(),
    USER_POOL_ID: z.optional(
      z.string().check(z.regex(/^[\w-]+_[0-9a-zA-Z]+$/, 'must be a Cognito user pool id')),
    ),
  })
  .check(
    z.refine((config) => Boolean(config.USER_POOL_ID) || config.STAGE === 'local', {
      message: 'is required outside the local stack',
      path: ['USER_POOL_ID'],
    }),
  );

/** Cognito wherever there is a pool; the local provider only on the local stage, never by omission in AWS. */
export function identityAdminFrom(env: {
  USER_POOL_ID?: string | undefined;
  AWS_REGION: string;
  STAGE: string;
}): IdentityAdmin {
  if (env.USER_POOL_ID) {
    return new CognitoIdentityAdmin(
      new CognitoIdentityProviderClient({ region: env.AWS_REGION }),
      env.USER_POOL_ID,
    );
  }
  if (env.STAGE === 'local') return new DirectoryCheckedIdentityAdmin();
  throw new ConfigError('Invalid configuration. USER_POOL_ID: is required outside the local stack');
}
