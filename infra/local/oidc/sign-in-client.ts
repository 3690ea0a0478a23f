import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { AccountStore } from './account-store';
import { TOTP_PERIOD_SECONDS, totpCodeAt } from './totp';

/**
 * A complete, real sign-in against the running local identity provider, over HTTP, the way the console's
 * browser does it: authorization request with PKCE → email + password form → TOTP form (or authenticator
 * enrolment for a new account) → redirect back with a code → token endpoint. Used by `npm run token` and by
 * tests. It refuses any issuer that is not on this machine.
 */
export interface SignInOptions {
  /** e.g. http://localhost:3000/oidc; must be localhost / 127.0.0.1 / ::1. */
  issuer: string;
  clientId: string;
  /** A registered redirect URI; nothing is fetched from it, the code is read off the redirect. */
  redirectUri: string;
  email: string;
  password: string;
  /** Base32 TOTP secret. When absent it is read from the account store under `dataDir`. */
  totpSecret?: string;
  dataDir?: string;
  /** Overrides how codes are produced (for tests of wrong codes): given the Unix time, return a code. */
  totpCode?: (epochSeconds: number) => string | Promise<string>;
  /** Default `openid email profile offline_access`. */
  scope?: string;
  /** Enrol an authenticator (with the key shown on the enrolment page) if the account has none. Default true. */
  enrolIfNeeded?: boolean;
  /** When both the current and the next code were already used, wait for a fresh one (default true). */
  waitForFreshCode?: boolean;
  /** The browser's cookies; a fresh jar (a new browser) by default. */
  cookies?: CookieJar;
}

export interface TokenSet {
  accessToken: string;
  idToken: string;
  refreshToken?: string;
  expiresIn: number;
  scope?: string;
  tokenType: string;
}

export interface SignInResult extends TokenSet {
  /** Set when this sign-in enrolled a new authenticator: the secret it was given. */
  enrolledTotpSecret?: string;
}

/**
 * Self-service sign-up through the provider's "Create an account" page, in a new browser: the page, then
 * authenticator enrolment with the key it shows, then back to the client with tokens.
 */
export interface SignUpOptions {
  /** e.g. http://localhost:3000/oidc; must be localhost / 127.0.0.1 / ::1. */
  issuer: string;
  clientId: string;
  redirectUri: string;
  email: string;
  /** Full name. */
  name: string;
  password: string;
  /** What goes in "Confirm your password"; the password by default. */
  confirmPassword?: string;
  /** Default `openid email profile offline_access`. */
  scope?: string;
  /** A fresh jar (a new browser) by default; a jar with a signed-in session cannot sign up. */
  cookies?: CookieJar;
}

export interface SignUpResult extends TokenSet {
  /** The new account's id (the tokens' `sub`). */
  sub: string;
  /** The base32 TOTP secret enrolled: sign in again with `signIn({ ..., totpSecret })`. */
  totpSecret: string;
}

export type SignInStep =
  | 'discovery'
  | 'authorize'
  | 'login'
  | 'signup'
  | 'totp'
  | 'enrol'
  | 'callback'
  | 'token'
  | 'refresh';

export class SignInError extends Error {
  constructor(
    message: string,
    readonly step: SignInStep,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'SignInError';
  }
}

const LOCAL_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Throws unless the issuer is an http(s) URL on this machine. */
export function assertLocalIssuer(issuer: string): URL {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new SignInError(`not a URL: ${issuer}`, 'discovery');
  }
  const local = LOCAL_HOSTNAMES.has(url.hostname) || url.hostname.endsWith('.localhost');
  if (!local || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new SignInError(
      `refusing to sign in against ${url.origin}: the sign-in client only talks to the local identity provider`,
      'discovery',
    );
  }
  return url;
}

/**
 * Just enough of a cookie jar for one host: name, value and path. Pass the same jar to several `signIn`
 * calls to act as one browser (the provider's session cookie then skips the sign-in pages).
 */
export class CookieJar {
  readonly #cookies = new Map<string, { value: string; path: string }>();

  store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';');
      const separator = pair.indexOf('=');
      if (separator < 1) continue;
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      let path = '/';
      let expired = value === '';
      for (const attribute of attributes) {
        const [key = '', attributeValue = ''] = attribute.split('=').map((part) => part.trim());
        const lower = key.toLowerCase();
        if (lower === 'path' && attributeValue) path = attributeValue;
        if (lower === 'max-age' && Number(attributeValue) <= 0) expired = true;
        if (lower === 'expires' && Date.parse(attributeValue) <= Date.now()) expired = true;
      }
      const key = `${name};${path}`;
      if (expired) this.#cookies.delete(key);
      else this.#cookies.set(key, { value, path });
    }
  }

  headerFor(url: URL): string | undefined {
    const matching = [...this.#cookies.entries()]
      .filter(
        ([, { path }]) =>
          url.pathname === path || url.pathname.startsWith(path.endsWith('/') ? path : `${path}/`),
      )
      .map(([key, { value }]) => `${key.slice(0, key.indexOf(';'))}=${value}`);
    return matching.length > 0 ? matching.join('; ') : undefined;
  }
}

function pageErrors(html: string): string {
  const list = /<ul class="nhsuk-list nhsuk-error-summary__list">([\s\S]*?)<\/ul>/.exec(html)?.[1];
  const text = (list ?? /<h1>([\s\S]*?)<\/h1>/.exec(html)?.[1] ?? '')
    .replace(/<\/li>/g, '\n')
    .replace(/<[^>]+>/g, '')
    .replaceAll('&#39;', "'")
    .replaceAll('&quot;', '"')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join('; ');
}

type PageStep = 'login' | 'signup' | 'totp' | 'enrol';

function pageStep(html: string): PageStep | undefined {
  return /data-step="(login|signup|totp|enrol)"/.exec(html)?.[1] as PageStep | undefined;
}

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  end_session_endpoint?: string;
}

export async function discover(issuer: string): Promise<Discovery> {
  assertLocalIssuer(issuer);
  const response = await fetch(`${issuer}/.well-known/openid-configuration`, { redirect: 'error' });
  if (!response.ok)
    throw new SignInError(`discovery failed: HTTP ${response.status}`, 'discovery', response.status);
  const document = (await response.json()) as Discovery;
  if (document.issuer !== issuer) {
    throw new SignInError(`discovery names issuer ${document.issuer}, expected ${issuer}`, 'discovery');
  }
  for (const endpoint of [document.authorization_endpoint, document.token_endpoint]) {
    if (new URL(endpoint).origin !== new URL(issuer).origin) {
      throw new SignInError(`endpoint ${endpoint} is not on the issuer's origin`, 'discovery');
    }
  }
  return document;
}

function toTokenSet(body: Record<string, unknown>): TokenSet {
  const { access_token, id_token, refresh_token, expires_in, scope, token_type } = body;
  if (typeof access_token !== 'string' || typeof id_token !== 'string') {
    throw new SignInError('token response without access_token and id_token', 'token');
  }
  return {
    accessToken: access_token,
    idToken: id_token,
    ...(typeof refresh_token === 'string' ? { refreshToken: refresh_token } : {}),
    expiresIn: Number(expires_in),
    ...(typeof scope === 'string' ? { scope } : {}),
    tokenType: String(token_type),
  };
}

async function tokenRequest(
  tokenEndpoint: string,
  parameters: Record<string, string>,
  step: 'token' | 'refresh',
): Promise<TokenSet> {
  const response = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(parameters),
    redirect: 'error',
  });
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    throw new SignInError(
      `token endpoint: ${String(body.error ?? response.status)}${body.error_description ? ` (${String(body.error_description)})` : ''}`,
      step,
      response.status,
    );
  }
  return toTokenSet(body);
}

/** Exchanges a refresh token at the local provider's token endpoint (rotation: use the new one next time). */
export async function refreshTokens(options: {
  issuer: string;
  clientId: string;
  refreshToken: string;
}): Promise<TokenSet> {
  const discovery = await discover(options.issuer);
  return tokenRequest(
    discovery.token_endpoint,
    { grant_type: 'refresh_token', refresh_token: options.refreshToken, client_id: options.clientId },
    'refresh',
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface FlowOptions {
  issuer: string;
  clientId: string;
  redirectUri: string;
  scope?: string;
  cookies?: CookieJar;
}

/** The browser's side of one authorization request: pages, cookies, redirects, and the code exchange. */
async function openFlow(options: FlowOptions) {
  const issuerUrl = assertLocalIssuer(options.issuer);
  const discovery = await discover(options.issuer);
  const jar = options.cookies ?? new CookieJar();
  const origin = issuerUrl.origin;

  const request = async (url: string, init: { method?: string; form?: Record<string, string> } = {}) => {
    const target = new URL(url, origin);
    if (target.origin !== origin)
      throw new SignInError(`unexpected redirect to ${target.origin}`, 'authorize');
    const headers: Record<string, string> = { accept: 'text/html' };
    const cookie = jar.headerFor(target);
    if (cookie) headers.cookie = cookie;
    let body: URLSearchParams | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers.origin = origin;
      body = new URLSearchParams(init.form);
    }
    const response = await fetch(target, { method: init.method ?? 'GET', headers, body, redirect: 'manual' });
    jar.store(response);
    return response;
  };

  /** Follows same-origin redirects until one leaves for the client's redirect URI. */
  const follow = async (response: Response): Promise<{ response: Response; callback?: URL }> => {
    let current = response;
    for (let hops = 0; hops < 10; hops += 1) {
      const location = current.headers.get('location');
      if (current.status < 300 || current.status >= 400 || !location) return { response: current };
      const next = new URL(location, origin);
      if (`${next.origin}${next.pathname}` === options.redirectUri)
        return { response: current, callback: next };
      await current.body?.cancel();
      current = await request(next.href);
    }
    throw new SignInError('too many redirects', 'authorize');
  };

  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const nonce = randomBytes(16).toString('base64url');

  /** The authorization request: the sign-in page's interaction URL, or a callback (an existing session). */
  const begin = async (): Promise<{ callback?: URL; interactionUrl?: string }> => {
    const authorize = new URL(discovery.authorization_endpoint);
    authorize.search = new URLSearchParams({
      client_id: options.clientId,
      redirect_uri: options.redirectUri,
      response_type: 'code',
      scope: options.scope ?? 'openid email profile offline_access',
      state,
      nonce,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    const { response, callback } = await follow(await request(authorize.href));
    if (callback) return { callback };
    const html = await response.text();
    if (pageStep(html) !== 'login') {
      throw new SignInError(
        `authorization did not reach the sign-in page: ${pageErrors(html)}`,
        'authorize',
        response.status,
      );
    }
    return { interactionUrl: new URL(response.url).pathname };
  };

  /**
   * Posts a code to the TOTP or enrolment form until the provider sends the browser back to the client. A
   * code can be used once: if this account just signed in, the current code is spent. The next step's code
   * is accepted (±1 step); if that is spent too, wait for a new step.
   */
  const submitCode = async (
    interactionUrl: string,
    action: 'totp' | 'enrol',
    codeAt: (epochSeconds: number) => string | Promise<string>,
    waitForFreshCode = true,
  ): Promise<URL> => {
    const offsets = [0, TOTP_PERIOD_SECONDS];
    for (let attempt = 0; ; attempt += 1) {
      const nowSeconds = Date.now() / 1000;
      const offset = offsets[attempt] ?? TOTP_PERIOD_SECONDS;
      const { response, callback } = await follow(
        await request(`${interactionUrl}/${action}`, {
          method: 'POST',
          form: { code: await codeAt(nowSeconds + offset) },
        }),
      );
      if (callback) return callback;
      const html = await response.text();
      if (response.status === 409 && waitForFreshCode && attempt < 4) {
        if (attempt >= 1) {
          const untilNextStep = TOTP_PERIOD_SECONDS - (nowSeconds % TOTP_PERIOD_SECONDS);
          await sleep(Math.ceil(untilNextStep * 1000) + 250);
        }
        continue;
      }
      throw new SignInError(pageErrors(html) || `HTTP ${response.status}`, action, response.status);
    }
  };

  /** Checks the callback and exchanges its code. */
  const finish = async (callback: URL | undefined): Promise<TokenSet> => {
    if (!callback) throw new SignInError('sign-in did not return to the client', 'callback');
    const error = callback.searchParams.get('error');
    if (error) {
      const description = callback.searchParams.get('error_description');
      throw new SignInError(`${error}${description ? `: ${description}` : ''}`, 'callback');
    }
    if (callback.searchParams.get('state') !== state) throw new SignInError('state mismatch', 'callback');
    const iss = callback.searchParams.get('iss');
    if (iss !== null && iss !== options.issuer) throw new SignInError(`iss mismatch: ${iss}`, 'callback');
    const code = callback.searchParams.get('code');
    if (!code) throw new SignInError('no code in the callback', 'callback');

    const tokens = await tokenRequest(
      discovery.token_endpoint,
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: options.redirectUri,
        client_id: options.clientId,
        code_verifier: verifier,
      },
      'token',
    );
    if (decodeJwt(tokens.idToken).nonce !== nonce) throw new SignInError('ID token nonce mismatch', 'token');
    return tokens;
  };

  return { request, follow, begin, submitCode, finish };
}

function enrolmentKey(html: string): string {
  const secret = /data-key="([A-Z2-7=]+)"/.exec(html)?.[1];
  if (!secret) throw new SignInError('no key on the enrolment page', 'enrol');
  return secret;
}

export async function signIn(options: SignInOptions): Promise<SignInResult> {
  const flow = await openFlow(options);
  let { callback, interactionUrl } = await flow.begin();

  let enrolledTotpSecret: string | undefined;
  if (!callback && interactionUrl) {
    let response: Response;
    ({ response, callback } = await flow.follow(
      await flow.request(`${interactionUrl}/login`, {
        method: 'POST',
        form: { email: options.email, password: options.password },
      }),
    ));
    const html = callback ? '' : await response.text();
    const step = pageStep(html);
    if (!callback && (response.status >= 400 || (step !== 'totp' && step !== 'enrol'))) {
      throw new SignInError(pageErrors(html) || `HTTP ${response.status}`, 'login', response.status);
    }

    if (!callback) {
      let secret = options.totpSecret;
      if (step === 'enrol') {
        if (options.enrolIfNeeded === false)
          throw new SignInError('the account has no authenticator yet', 'enrol');
        secret = enrolmentKey(html);
        enrolledTotpSecret = secret;
      } else if (!secret && !options.totpCode) {
        if (!options.dataDir)
          throw new SignInError('need totpSecret, totpCode or dataDir for the code', 'totp');
        secret = await new AccountStore(options.dataDir).totpSecretFor(options.email);
        if (!secret)
          throw new SignInError(`no TOTP secret for ${options.email} in ${options.dataDir}`, 'totp');
      }
      const codeAt = async (epochSeconds: number) =>
        options.totpCode && step !== 'enrol'
          ? options.totpCode(epochSeconds)
          : totpCodeAt(secret as string, epochSeconds);
      callback = await flow.submitCode(
        interactionUrl,
        step === 'enrol' ? 'enrol' : 'totp',
        codeAt,
        options.waitForFreshCode !== false,
      );
    }
  }

  const tokens = await flow.finish(callback);
  return { ...tokens, ...(enrolledTotpSecret ? { enrolledTotpSecret } : {}) };
}

/**
 * Signs up a new account the way a person does: "Create an account" on the sign-in page, the form, then
 * authenticator enrolment, then back to the client with tokens. Errors from the form (an email outside the
 * allow-list, a weak password, an existing account) are thrown as SignInError with step `signup`.
 */
export async function signUp(options: SignUpOptions): Promise<SignUpResult> {
  const flow = await openFlow(options);
  const { interactionUrl } = await flow.begin();
  if (!interactionUrl) {
    throw new SignInError('this browser is already signed in: sign up with a new cookie jar', 'signup');
  }
  const page = await flow.request(`${interactionUrl}/signup`);
  const form = await page.text();
  if (pageStep(form) !== 'signup') {
    throw new SignInError(
      `no sign-up page: ${pageErrors(form) || `HTTP ${page.status}`}`,
      'signup',
      page.status,
    );
  }
  const { response } = await flow.follow(
    await flow.request(`${interactionUrl}/signup`, {
      method: 'POST',
      form: {
        email: options.email,
        name: options.name,
        password: options.password,
        confirmPassword: options.confirmPassword ?? options.password,
      },
    }),
  );
  const html = await response.text();
  if (response.status >= 400 || pageStep(html) !== 'enrol') {
    throw new SignInError(pageErrors(html) || `HTTP ${response.status}`, 'signup', response.status);
  }
  const totpSecret = enrolmentKey(html);
  const callback = await flow.submitCode(interactionUrl, 'enrol', (epochSeconds) =>
    totpCodeAt(totpSecret, epochSeconds),
  );
  const tokens = await flow.finish(callback);
  const sub = decodeJwt(tokens.idToken).sub;
  if (!sub) throw new SignInError('ID token without sub', 'token');
  return { ...tokens, sub, totpSecret };
}
