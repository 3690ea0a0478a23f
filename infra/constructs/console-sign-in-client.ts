import { Duration } from 'aws-cdk-lib';
import {
  CfnManagedLoginBranding,
  ClientAttributes,
  type IUserPool,
  OAuthScope,
  UserPoolClient,
  UserPoolClientIdentityProvider,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

/** Where the console finishes a sign-in; the web app's CALLBACK_PATH. */
export const SIGN_IN_CALLBACK_PATH = '/auth/callback';

/** The scopes the console asks for; they are also what config.json tells it to ask for. */
export const CONSOLE_SCOPES = [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE];

/** Token lifetimes: short access and ID tokens, renewed with a refresh token for a working day at most. */
export const CONSOLE_TOKEN_VALIDITY = {
  accessToken: Duration.minutes(10),
  idToken: Duration.minutes(10),
  refreshToken: Duration.hours(12),
} as const;

export interface ConsoleSignInClientProps {
  userPool: IUserPool;
  /** The console's origin, `https://<host>`: callback and sign-out URLs are under it. */
  origin: string;
}

/**
 * The console's app client: a public client (a browser cannot keep a secret) using the authorization code
 * grant only, with PKCE, which the console (oidc-client-ts) always sends with S256 and Cognito then checks
 * at the token endpoint. Cognito has no setting that refuses a code request without PKCE; with no secret and
 * no implicit grant, a code is only redeemable by whoever holds the verifier of the request that began it.
 *
 * Token revocation is on, so signing out can revoke the refresh token (`/oauth2/revoke`), and the pre-token
 * trigger refuses refreshes for suspended members. Managed login (v2) is styled with Cognito's defaults.
 */
export class ConsoleSignInClient extends Construct {
  readonly client: UserPoolClient;
  readonly branding: CfnManagedLoginBranding;

  constructor(scope: Construct, id: string, props: ConsoleSignInClientProps) {
    super(scope, id);
    const standard = new ClientAttributes().withStandardAttributes({
      email: true,
      emailVerified: true,
      fullname: true,
    });

    this.client = new UserPoolClient(this, 'Client', {
      userPool: props.userPool,
      userPoolClientName: 'console',
      generateSecret: false,
      // Managed login signs people in with SRP; refresh tokens renew the session.
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: CONSOLE_SCOPES,
        callbackUrls: [`${props.origin}${SIGN_IN_CALLBACK_PATH}`],
        logoutUrls: [`${props.origin}/`],
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      accessTokenValidity: CONSOLE_TOKEN_VALIDITY.accessToken,
      idTokenValidity: CONSOLE_TOKEN_VALIDITY.idToken,
      refreshTokenValidity: CONSOLE_TOKEN_VALIDITY.refreshToken,
      // Time to answer each sign-in challenge, including scanning the QR code when enrolling an authenticator.
      authSessionValidity: Duration.minutes(5),
      enableTokenRevocation: true,
      preventUserExistenceErrors: true,
      readAttributes: standard,
      // Sign-up must write the required email; the pre-token trigger refuses tokens should it ever stray
      // outside the allow-list.
      writeAttributes: new ClientAttributes().withStandardAttributes({ email: true, fullname: true }),
    });

    this.branding = new CfnManagedLoginBranding(this, 'ManagedLoginStyle', {
      userPoolId: props.userPool.userPoolId,
      clientId: this.client.userPoolClientId,
      useCognitoProvidedValues: true,
    });
  }
}
