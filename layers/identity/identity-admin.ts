import {
  AdminSetUserMFAPreferenceCommand,
  AdminUserGlobalSignOutCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { ConfigError } from '../config/load-config';
import * as z from '../validation/z';

/** Port: what the API may ask of the staff identity provider. */
export interface IdentityAdmin {
  /** Revokes the member's refresh tokens and sessions, so they cannot get new access tokens. */
  endSessions(sub: string): Promise<void>;
  /**
   * Turns off the member's authenticator (they lost it) and ends their sessions: at their next sign-in,
   * after their password, they set up a new one, as at their first.
   */
  resetAuthenticator(sub: string): Promise<void>;
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

  /**
   * The pool requires MFA with an authenticator app only: with the member's software token turned off they
   * have no second factor, so Cognito answers their next password with the MFA_SETUP challenge (managed login
   * shows the QR code), and the new token replaces the old one.
   */
  async resetAuthenticator(sub: string): Promise<void> {
    await this.client.send(
      new AdminSetUserMFAPreferenceCommand({
        UserPoolId: this.userPoolId,
        Username: sub,
        SoftwareTokenMfaSettings: { Enabled: false, PreferredMfa: false },
      }),
    );
    await this.endSessions(sub);
  }
}

/**
 * The local provider (infra/local/oidc) asks the directory for a member's claims at every token it issues
 * (sign-in, code exchange, refresh) and refuses suspended members, so there is no session to end from here;
 * an authenticator is reset through its admin endpoint, as Cognito's admin API does it.
 */
export class LocalIdentityAdmin implements IdentityAdmin {
  constructor(private readonly admin?: { url: string; token: string }) {}

  async endSessions(): Promise<void> {}

  async resetAuthenticator(sub: string): Promise<void> {
    if (!this.admin) throw new Error('The local identity provider’s admin endpoint is not configured.');
    const response = await fetch(
      `${this.admin.url}/accounts/${encodeURIComponent(sub)}/authenticator-reset`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${this.admin.token}` },
      },
    );
    if (!response.ok) throw new Error(`The local identity provider refused the reset (${response.status}).`);
  }
}

/** `uses: ['identity-admin']`: the user pool, required everywhere but the local stack (its own provider). */
export const IdentityAdminConfig = z
  .object({
    STAGE: z.string(),
    USER_POOL_ID: z.optional(
      z.string().check(z.regex(/^[\w-]+_[0-9a-zA-Z]+$/, 'must be a Cognito user pool id')),
    ),
    /** The local stack's: its identity provider's admin endpoint, and the token it wants. */
    LOCAL_IDENTITY_ADMIN_URL: z.optional(z.url()),
    LOCAL_IDENTITY_ADMIN_TOKEN: z.optional(z.string().check(z.minLength(32))),
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
  LOCAL_IDENTITY_ADMIN_URL?: string | undefined;
  LOCAL_IDENTITY_ADMIN_TOKEN?: string | undefined;
  AWS_REGION: string;
  STAGE: string;
}): IdentityAdmin {
  if (env.USER_POOL_ID) {
    return new CognitoIdentityAdmin(
      new CognitoIdentityProviderClient({ region: env.AWS_REGION }),
      env.USER_POOL_ID,
    );
  }
  if (env.STAGE === 'local') {
    return new LocalIdentityAdmin(
      env.LOCAL_IDENTITY_ADMIN_URL && env.LOCAL_IDENTITY_ADMIN_TOKEN
        ? { url: env.LOCAL_IDENTITY_ADMIN_URL, token: env.LOCAL_IDENTITY_ADMIN_TOKEN }
        : undefined,
    );
  }
  throw new ConfigError('Invalid configuration. USER_POOL_ID: is required outside the local stack');
}
