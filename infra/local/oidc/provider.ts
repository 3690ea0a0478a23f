import type { IncomingMessage, ServerResponse } from 'node:http';
import Provider, {
  type Configuration,
  errors,
  interactionPolicy,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import { AccountStore } from './account-store';
import { createAssetServer } from './assets';
import {
  DEFAULT_IP_BACKOFF_POLICY,
  DEFAULT_LOCKOUT_POLICY,
  IpBackoff,
  type IpBackoffPolicy,
  type LockoutPolicy,
} from './guessing-limits';
import { sendText, setPageHeaders } from './http-utils';
import { createInteractionHandler } from './interactions';
import { loadOrCreateProviderKeys } from './keys';
import { MemoryAdapter } from './memory-adapter';
import { ensurePrivateDir, identityDir } from './private-files';
import { logoutPage, messagePage } from './views';

/**
 * The local stand-in for the Cognito user pool: an OpenID Connect provider (oidc-provider) with email +
 * password + TOTP sign-in, mounted under a path prefix of the local server's single origin.
 *
 * Tokens: the access token is an RS256 JWT (`typ: at+jwt`) verifiable with the discovery document's
 * jwks_uri, with `aud` = the console's client id so that a JWT authorizer configured with
 * `audience: [clientId]` accepts it, plus Cognito-style `token_use: 'access'` and the custom claims
 * `email`, `practice_id`, `role`.
 */
export interface LocalIdentityProviderOptions {
  /** `${origin}${mountPath}`, e.g. `http://localhost:3000/oidc`. Its path is the mount path. */
  issuer: string;
  /** Keys and accounts live in `${dataDir}/identity/`. */
  dataDir: string;
  /** The console's public client id, e.g. `clinic-console`. */
  clientId: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  /** Access (and ID) token lifetime; default 600 s, at most 900 s. */
  accessTokenTtlSeconds?: number;
  /** Absolute lifetime of a refresh-token chain and of the sign-in session; default 12 h. */
  sessionTtlSeconds?: number;
  /**
   * Whether the account may still get tokens (the app's staff directory: approved, not suspended). Asked at
   * sign-in, at every code exchange and at every refresh; `false` refuses the refresh with invalid_grant.
   */
  isAccountActive?: (sub: string) => boolean | Promise<boolean>;
  lockout?: LockoutPolicy;
  ipBackoff?: IpBackoffPolicy;
}

export interface LocalIdentityProvider {
  issuer: string;
  mountPath: string;
  /** Handles a request whose path is the mount path or starts with `${mountPath}/`. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  accounts: AccountStore;
  /** The underlying oidc-provider instance (a Koa app), for diagnostics. */
  provider: Provider;
  close(): Promise<void>;
}

/** The resource indicator of the API; access tokens are issued for it and no other. */
export const API_RESOURCE_INDICATOR = 'urn:clinic-connect:api';
/** Scopes that appear in the access token's `scope` claim (Cognito's access tokens carry these too). */
export const ACCESS_TOKEN_SCOPES = ['openid', 'email', 'profile'] as const;
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 10 * 60;
export const MAX_ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
const DEFAULT_SESSION_TTL_SECONDS = 12 * 60 * 60;
const ID_TOKEN_TTL_SECONDS = 60 * 60;
const INTERACTION_TTL_SECONDS = 30 * 60;

const COOKIE_NAMES = {
  session: 'cc_oidc_session',
  interaction: 'cc_oidc_interaction',
  resume: 'cc_oidc_resume',
};

function contentSecurityPolicy(formTargets: string[]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `form-action 'self' ${formTargets.join(' ')}`.trim(),
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export async function createLocalIdentityProvider(
  options: LocalIdentityProviderOptions,
): Promise<LocalIdentityProvider> {
  const issuerUrl = new URL(options.issuer);
  if (issuerUrl.search || issuerUrl.hash || options.issuer.endsWith('/')) {
    throw new TypeError(
      'issuer must be an origin plus a path without a trailing slash, e.g. http://localhost:3000/oidc',
    );
  }
  const mountPath = issuerUrl.pathname === '/' ? '' : issuerUrl.pathname;
  if (!mountPath) throw new TypeError('issuer must have a path (the mount path), e.g. /oidc');
  const accessTokenTTL = options.accessTokenTtlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS;
  if (
    !Number.isSafeInteger(accessTokenTTL) ||
    accessTokenTTL <= 0 ||
    accessTokenTTL > MAX_ACCESS_TOKEN_TTL_SECONDS
  ) {
    throw new RangeError(`accessTokenTtlSeconds must be 1..${MAX_ACCESS_TOKEN_TTL_SECONDS}`);
  }
  const sessionTTL = options.sessionTtlSeconds ?? DEFAULT_SESSION_TTL_SECONDS;
  if (options.redirectUris.length === 0) throw new TypeError('at least one redirect URI is required');

  await ensurePrivateDir(identityDir(options.dataDir));
  const keys = await loadOrCreateProviderKeys(options.dataDir);
  const now = () => new Date();
  const accounts = new AccountStore(options.dataDir, {
    lockout: options.lockout ?? DEFAULT_LOCKOUT_POLICY,
    now,
  });
  const ipBackoff = new IpBackoff(options.ipBackoff ?? DEFAULT_IP_BACKOFF_POLICY);
  const hook = options.isAccountActive;
  const isAccountActive = async (sub: string) => (hook ? (await hook(sub)) === true : true);

  const clientOrigins = [
    ...new Set(
      [...options.redirectUris, ...options.postLogoutRedirectUris].map((uri) => new URL(uri).origin),
    ),
  ].filter((origin) => origin !== issuerUrl.origin);
  const csp = contentSecurityPolicy(clientOrigins);
  const assetsPath = `${mountPath}/assets`;
  const homeUrl = `${new URL(options.redirectUris[0] ?? issuerUrl.origin).origin}/`;

  const policy = interactionPolicy.base();
  // A session whose account has since been suspended (findAccount finds nothing) must sign in again, where
  // the sign-in page refuses it, rather than fail later with a server error.
  policy
    .get('login')
    ?.checks.add(
      new interactionPolicy.Check(
        'account_unavailable',
        'the signed-in account is no longer available',
        (ctx) =>
          ctx.oidc.session?.accountId && !ctx.oidc.account
            ? interactionPolicy.Check.REQUEST_PROMPT
            : interactionPolicy.Check.NO_NEED_TO_PROMPT,
      ),
    );

  const page = (ctx: KoaContextWithOIDC, html: string) => {
    ctx.type = 'html';
    ctx.body = html;
  };

  const configuration: Configuration = {
    adapter: MemoryAdapter.factory(),
    clients: [
      {
        client_id: options.clientId,
        client_name: 'Clinic Connect console',
        application_type: 'web',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: options.redirectUris,
        post_logout_redirect_uris: options.postLogoutRedirectUris,
        scope: 'openid email profile offline_access',
      },
    ],
    jwks: keys.jwks,
    cookies: {
      keys: keys.cookieKeys,
      names: COOKIE_NAMES,
      // Secure is added automatically when the request is https (ctx.secure); on http://localhost it cannot be.
      long: { httpOnly: true, sameSite: 'lax', path: mountPath },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'practice_id', 'role'],
    },
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    // No userinfo endpoint (access tokens are for the API), so the ID token carries the scope claims.
    conformIdTokenClaims: false,
    clientBasedCORS: (_ctx, origin, client) =>
      client.redirectUris?.some((uri) => new URL(uri).origin === origin) ?? false,
    pkce: { required: () => true },
    responseTypes: ['code'],
    clientAuthMethods: ['none'],
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: false },
      dPoP: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => page(ctx, logoutPage({ assetsPath, form })),
        postLogoutSuccessSource: (ctx) =>
          page(
            ctx,
            messagePage({
              assetsPath,
              title: 'You have signed out',
              paragraphs: ['You have signed out of Clinic Connect.'],
              link: { href: homeUrl, text: 'Sign in again' },
            }),
          ),
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API_RESOURCE_INDICATOR,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator, client) => {
          if (indicator !== API_RESOURCE_INDICATOR || client.clientId !== options.clientId) {
            throw new errors.InvalidTarget();
          }
          return {
            scope: ACCESS_TOKEN_SCOPES.join(' '),
            audience: options.clientId,
            accessTokenFormat: 'jwt',
            accessTokenTTL,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    async findAccount(_ctx, sub) {
      const account = await accounts.findBySub(sub);
      if (account?.status !== 'active' || !(await isAccountActive(sub))) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          email: account.email,
          email_verified: true,
          name: account.name,
          practice_id: account.practiceId,
          role: account.role,
        }),
      };
    },
    async extraTokenClaims(_ctx, token) {
      const sub = 'accountId' in token ? token.accountId : undefined;
      const account = sub ? await accounts.findBySub(sub) : undefined;
      if (!account) return { token_use: 'access' };
      return {
        token_use: 'access',
        email: account.email,
        practice_id: account.practiceId,
        role: account.role,
      };
    },
    // The console gets a refresh token without having to ask for offline_access; every token of the
    // sign-in ends with the session (sign-out revokes them), and the session lasts `sessionTtlSeconds`.
    issueRefreshToken: (_ctx, client) =>
      client.clientId === options.clientId && client.grantTypeAllowed('refresh_token'),
    expiresWithSession: () => true,
    ttl: {
      AccessToken: accessTokenTTL,
      AuthorizationCode: 60,
      IdToken: ID_TOKEN_TTL_SECONDS,
      Interaction: INTERACTION_TTL_SECONDS,
      Grant: sessionTTL,
      Session: sessionTTL,
      // Rotation keeps the chain's remaining lifetime: one sign-in buys at most `sessionTTL` of refreshes.
      RefreshToken: (ctx, token) => {
        const rotated = ctx?.oidc?.entities.RotatedRefreshToken;
        if (rotated) return Math.max(1, rotated.remainingTTL);
        void token;
        return sessionTTL;
      },
    },
    interactions: {
      policy,
      url: (_ctx, interaction) => `${mountPath}/interaction/${interaction.uid}`,
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = messagePage({
        assetsPath,
        title: 'Sign-in could not continue',
        paragraphs: [
          'Something went wrong with the sign-in request. Go back to Clinic Connect and try again.',
          ...Object.entries(out).map(([key, value]) => `${key}: ${String(value)}`),
        ],
        link: { href: homeUrl, text: 'Go to Clinic Connect' },
      });
    },
  };

  const provider = new Provider(options.issuer, configuration);
  provider.on('server_error', (_ctx: unknown, error: Error) => {
    console.error('[oidc] server error:', error);
  });
  // Security headers on everything oidc-provider renders. The CSP is set before the response is built so
  // that oidc-provider can add the hash of the one inline script it uses (the form_post auto-submit).
  provider.use(async (ctx, next) => {
    ctx.set('Content-Security-Policy', csp);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', 'same-origin');
    await next();
  });

  const callback = provider.callback();
  const serveAsset = createAssetServer(assetsPath);
  const handleInteraction = createInteractionHandler({
    provider,
    accounts,
    ipBackoff,
    isAccountActive,
    clientId: options.clientId,
    resourceIndicator: API_RESOURCE_INDICATOR,
    resourceScopes: ACCESS_TOKEN_SCOPES,
    mountPath,
    issuerOrigin: issuerUrl.origin,
    contentSecurityPolicy: csp,
    homeUrl,
    now,
  });

  const fail = (res: ServerResponse, error: unknown) => {
    console.error('[oidc] request failed:', error);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    setPageHeaders(res, csp);
    sendText(res, 500, 'The sign-in service had a problem. Try again.');
  };

  const interactionRoute = /^\/interaction\/([A-Za-z0-9_-]{1,64})(?:\/(login|totp|enrol|abort))?$/;

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const original = req.url ?? '/';
    const pathname = original.split('?')[0] ?? '/';
    if (pathname !== mountPath && !pathname.startsWith(`${mountPath}/`)) {
      sendText(res, 404, 'Not Found');
      return;
    }
    const inner = pathname.slice(mountPath.length) || '/';
    if (inner.startsWith('/assets/')) {
      serveAsset(inner.slice('/assets/'.length), req.method ?? 'GET', res).catch((error) => fail(res, error));
      return;
    }
    const interaction = interactionRoute.exec(inner);
    if (interaction?.[1]) {
      const action = (interaction[2] ?? '') as '' | 'login' | 'totp' | 'enrol' | 'abort';
      handleInteraction(req, res, interaction[1], action).catch((error) => fail(res, error));
      return;
    }
    // Mount oidc-provider the way connect/express do: it sees the path below the prefix and recovers the
    // prefix from originalUrl when it builds its own URLs.
    Object.assign(req, { originalUrl: original });
    req.url = original.slice(mountPath.length) || '/';
    if (req.url.startsWith('?')) req.url = `/${req.url}`;
    Promise.resolve(callback(req, res)).catch((error: unknown) => fail(res, error));
  };

  return {
    issuer: options.issuer,
    mountPath,
    handle,
    accounts,
    provider,
    async close() {
      // Nothing to release: state is in memory and the account store writes synchronously per request.
    },
  };
}
