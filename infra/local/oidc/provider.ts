import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Provider, {
  type Configuration,
  errors,
  interactionPolicy,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import { AccountNotActiveError } from '../../../functions/identity/token-claims';
import { AccountStore } from './account-store';
import { createAssetServer } from './assets';
import {
  DEFAULT_IP_BACKOFF_POLICY,
  DEFAULT_LOCKOUT_POLICY,
  IpBackoff,
  type IpBackoffPolicy,
  type LockoutPolicy,
} from './guessing-limits';
import { sendHtml, sendText, setPageHeaders } from './http-utils';
import { createInteractionHandler, type InteractionAction } from './interactions';
import { loadOrCreateProviderKeys } from './keys';
import { LocalMailbox } from './mailbox';
import { MemoryAdapter } from './memory-adapter';
import { ensurePrivateDir, identityDir } from './private-files';
import { logoutPage, mailboxPage, messagePage } from './views';

/** Claims the app adds to tokens: `practice_id` and `role` for staff (from the staff directory). */
export type TokenClaimsHook = (sub: string) => Promise<Record<string, string>>;

/**
 * The local stand-in for the Cognito user pool: an OpenID Connect provider (oidc-provider) with email +
 * password + TOTP sign-in, mounted under a path prefix of the local server's single origin.
 *
 * Tokens: the access token is an RS256 JWT (`typ: at+jwt`) verifiable with the discovery document's
 * jwks_uri, with `aud` = the console's client id so that a JWT authorizer configured with
 * `audience: [clientId]` accepts it, plus Cognito-style `token_use: 'access'`, `email`, and the claims the
 * `tokenClaims` hook returns (`practice_id`, `role`): the app's directory is their only source, as it is for
 * Cognito's pre-token-generation trigger.
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
   * The claims to add to the access and ID tokens (`practice_id`, `role`), computed afresh at sign-in, at
   * every code exchange and at every refresh: the same function Cognito's pre-token-generation trigger runs
   * (`staffTokenClaims`). Throwing refuses tokens: the sign-in page says the account is not active (for
   * `AccountNotActiveError`), and a code exchange or refresh fails with invalid_grant. An account with no
   * practice yet gets `{}` and signs in without those claims. Absent: no such claims.
   */
  tokenClaims?: TokenClaimsHook;
  /**
   * Email domains that may sign up (a subdomain of one is allowed too), as in Cognito's pre-sign-up trigger;
   * default `['nhs.net']`.
   */
  staffEmailDomains?: string[];
  lockout?: LockoutPolicy;
  ipBackoff?: IpBackoffPolicy;
  /**
   * The bearer token of the provider's admin endpoint (`${issuer}/admin/...`), which the app's functions call
   * the way they call Cognito's admin API (resetting a member's authenticator). No token: no admin endpoint.
   */
  adminToken?: string;
  /** Told of each email sent to the local mailbox (not its text, which may hold a code). */
  onMail?: (message: { to: string; subject: string }) => void;
}

export interface LocalIdentityProvider {
  issuer: string;
  mountPath: string;
  /** The emails it has sent (password reset codes), shown at `mailboxUrl`. */
  mailbox: LocalMailbox;
  mailboxUrl: string;
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
/** The hook's claims that the ID token carries too (registered under the `profile` scope). */
export const ID_TOKEN_APP_CLAIMS = ['practice_id', 'role'] as const;
/** Claims the hook cannot set: the provider's own. */
const RESERVED_CLAIMS = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'client_id',
  'scope',
  'token_use',
  'email',
  'email_verified',
  'name',
  'nonce',
  'auth_time',
  'acr',
  'amr',
  'azp',
  'at_hash',
  'c_hash',
  'sid',
  'cnf',
  'authorization_details',
]);
/** Where findAccount leaves the claims it computed, for the access token issued in the same request. */
const APP_CLAIMS = 'appClaims';

const COOKIE_NAMES = {
  session: 'cc_oidc_session',
  interaction: 'cc_oidc_interaction',
  resume: 'cc_oidc_resume',
};

const sessionCookieOptions = (path: string) => ({ httpOnly: true, sameSite: 'lax' as const, path });

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
  const staffEmailDomains = options.staffEmailDomains ?? ['nhs.net'];
  if (staffEmailDomains.length === 0) throw new TypeError('staffEmailDomains must name at least one domain');
  const hook = options.tokenClaims;
  /** The hook's claims, without anything reserved or not a string; throws when tokens must be refused. */
  const appClaims = async (sub: string): Promise<Record<string, string>> => {
    if (!hook) return {};
    const claims = await hook(sub);
    return Object.fromEntries(
      Object.entries(claims ?? {}).filter(
        ([name, value]) => !RESERVED_CLAIMS.has(name) && typeof value === 'string',
      ),
    );
  };
  /** For findAccount: the claims, or undefined when the hook refuses (logged unless it is the usual refusal). */
  const appClaimsOrRefusal = async (sub: string): Promise<Record<string, string> | undefined> => {
    try {
      return await appClaims(sub);
    } catch (error) {
      if (!(error instanceof AccountNotActiveError)) console.error('[oidc] tokenClaims failed:', error);
      return undefined;
    }
  };

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

  const adapter = MemoryAdapter.factory();
  const mailbox = new LocalMailbox(options.onMail ? { onSend: options.onMail } : {});
  const mailboxUrl = `${options.issuer}/mailbox`;
  const configuration: Configuration = {
    adapter,
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
      long: sessionCookieOptions(mountPath),
      short: { httpOnly: true, sameSite: 'lax' },
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', ...ID_TOKEN_APP_CLAIMS],
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
        // The console's sign-out carries the ID token: end the session at once, as Cognito's /logout does.
        // Without a matching id_token_hint the confirmation stays (a cross-site link cannot sign anyone out).
        logoutSource: async (ctx, form) => {
          if (await endSessionForHint(ctx)) return;
          page(ctx, logoutPage({ assetsPath, form }));
        },
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
    // Called whenever tokens are issued (code exchange, refresh) and whenever a session is used: the app's
    // claims are computed here, each time, and a refusal makes the account "not found" (invalid_grant).
    async findAccount(_ctx, sub) {
      const account = await accounts.findBySub(sub);
      if (account?.status !== 'active') return undefined;
      const claims = await appClaimsOrRefusal(sub);
      if (!claims) return undefined;
      return {
        accountId: sub,
        [APP_CLAIMS]: claims,
        claims: () => ({
          ...claims,
          sub,
          email: account.email,
          email_verified: true,
          name: account.name,
        }),
      };
    },
    async extraTokenClaims(ctx, token) {
      const sub = 'accountId' in token ? token.accountId : undefined;
      const account = sub ? await accounts.findBySub(sub) : undefined;
      if (!sub || !account) return { token_use: 'access' };
      const loaded = ctx?.oidc?.account;
      const claims =
        loaded?.accountId === sub && loaded[APP_CLAIMS]
          ? (loaded[APP_CLAIMS] as Record<string, string>)
          : await appClaims(sub);
      return { ...claims, token_use: 'access', email: account.email };
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

  /**
   * RP-initiated logout with an `id_token_hint` of the console for the account signed in to this session:
   * revoke the session's grants (and so their tokens), end the session and redirect, as end_session's
   * confirm step does for "yes, sign out". Returns false, and leaves the confirmation in place, otherwise.
   */
  async function endSessionForHint(ctx: KoaContextWithOIDC): Promise<boolean> {
    const { session, client, entities } = ctx.oidc;
    const params = ctx.oidc.params ?? {};
    const hint = entities.IdTokenHint?.payload;
    if (!params.id_token_hint || !hint || !session?.accountId || client?.clientId !== options.clientId) {
      return false;
    }
    if (hint.sub !== session.accountId) return false;
    if (hint.sid !== undefined && hint.sid !== session.sidFor(client.clientId)) return false;
    for (const { grantId } of Object.values(session.authorizations ?? {})) {
      if (!grantId) continue;
      await Promise.all([
        provider.AccessToken.revokeByGrantId(grantId),
        provider.RefreshToken.revokeByGrantId(grantId),
        provider.AuthorizationCode.revokeByGrantId(grantId),
        provider.Grant.adapter.destroy(grantId),
      ]);
      provider.emit('grant.revoked', ctx, grantId);
    }
    await session.destroy();
    ctx.cookies.set(provider.cookieName('session'), null, {
      ...sessionCookieOptions(mountPath),
      signed: true,
    });
    const postLogout =
      typeof params.post_logout_redirect_uri === 'string' ? params.post_logout_redirect_uri : '';
    const target = new URL(postLogout || `${options.issuer}/session/end/success`);
    if (postLogout && typeof params.state === 'string') target.searchParams.set('state', params.state);
    provider.emit('end_session.success', ctx);
    ctx.status = 303;
    ctx.redirect(target.href);
    return true;
  }

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
    appClaims,
    staffEmailDomains,
    clientId: options.clientId,
    resourceIndicator: API_RESOURCE_INDICATOR,
    resourceScopes: ACCESS_TOKEN_SCOPES,
    mountPath,
    issuerOrigin: issuerUrl.origin,
    contentSecurityPolicy: csp,
    homeUrl,
    mailbox,
    mailboxUrl,
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

  const interactionRoute =
    /^\/interaction\/([A-Za-z0-9_-]{1,64})(?:\/(login|signup|totp|enrol|forgot|reset|abort))?$/;
  const adminRoute = /^\/admin\/accounts\/([0-9a-f-]{36})\/authenticator-reset$/;

  /**
   * The admin endpoint, as the app's functions call Cognito's admin API: `POST …/admin/accounts/<sub>/
   * authenticator-reset` (bearer `adminToken`) turns the account's authenticator off and ends its sessions,
   * as AdminSetUserMFAPreference and AdminUserGlobalSignOut do; its next sign-in enrols a new one.
   */
  const handleAdmin = async (req: IncomingMessage, res: ServerResponse, sub: string) => {
    const expected = Buffer.from(`Bearer ${options.adminToken ?? ''}`);
    const given = Buffer.from(req.headers.authorization ?? '');
    const authorised =
      Boolean(options.adminToken) && given.length === expected.length && timingSafeEqual(given, expected);
    if (!authorised) return sendText(res, 401, 'Unauthorized');
    if (req.method !== 'POST') return sendText(res, 405, 'Method Not Allowed');
    if (!(await accounts.findBySub(sub))) return sendText(res, 404, 'No such account');
    await accounts.resetTotp(sub);
    adapter.forgetAccount(sub);
    res.statusCode = 204;
    res.end();
  };

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
    if (inner === '/mailbox') {
      setPageHeaders(res, csp);
      sendHtml(res, 200, mailboxPage({ assetsPath, messages: mailbox.messages() }), csp);
      return;
    }
    const admin = adminRoute.exec(inner);
    if (admin?.[1]) {
      handleAdmin(req, res, admin[1]).catch((error) => fail(res, error));
      return;
    }
    const interaction = interactionRoute.exec(inner);
    if (interaction?.[1]) {
      const action = (interaction[2] ?? '') as InteractionAction;
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
    mailbox,
    mailboxUrl,
    handle,
    accounts,
    provider,
    async close() {
      // Nothing to release: state is in memory and the account store writes synchronously per request.
    },
  };
}
