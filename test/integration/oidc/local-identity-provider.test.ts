import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountNotActiveError } from '../../../functions/identity/token-claims';
import {
  CookieJar,
  createLocalIdentityProvider,
  generateTotpSecret,
  type LocalIdentityProvider,
  type LocalIdentityProviderOptions,
  refreshTokens,
  SignInError,
  signIn,
  signUp,
} from '../../../infra/local/oidc';
import { totpCodeAt } from '../../../infra/local/oidc/totp';

const CLIENT_ID = 'clinic-console';
const PASSWORD = 'correct horse battery';

interface Running {
  origin: string;
  issuer: string;
  redirectUri: string;
  dataDir: string;
  idp: LocalIdentityProvider;
  close(): Promise<void>;
}

/** A plain node:http server on an ephemeral port with the provider mounted at /oidc, as the local server does. */
async function start(
  options: Partial<Omit<LocalIdentityProviderOptions, 'issuer' | 'clientId' | 'redirectUris'>> = {},
): Promise<Running> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'oidc-it-')));
  let handle: LocalIdentityProvider['handle'] | undefined;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (handle && (path === '/oidc' || path.startsWith('/oidc/'))) return handle(req, res);
    res.statusCode = 404;
    res.end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${origin}/oidc`;
  const idp = await createLocalIdentityProvider({
    postLogoutRedirectUris: [`${origin}/`],
    ...options,
    issuer,
    dataDir,
    clientId: CLIENT_ID,
    redirectUris: [`${origin}/auth/callback`],
  });
  handle = idp.handle;
  return {
    origin,
    issuer,
    redirectUri: `${origin}/auth/callback`,
    dataDir,
    idp,
    async close() {
      await idp.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

interface TestAccount {
  sub: string;
  email: string;
  secret: string;
}

/**
 * The app's directory as the tokenClaims hook sees it: a member's practice and role, or a suspension (the
 * hook then throws, as staffTokenClaims does). Accounts not in it have no practice yet.
 */
const directory = new Map<string, { practice_id: string; role: string } | 'suspended'>();
const tokenClaims = async (sub: string): Promise<Record<string, string>> => {
  const entry = directory.get(sub);
  if (entry === 'suspended') throw new AccountNotActiveError('account is suspended');
  return entry ?? {};
};

async function createAccount(running: Running, role = 'clinician'): Promise<TestAccount> {
  const sub = randomUUID();
  const email = `Staff.${sub.slice(0, 8)}@Example.NHS.uk`;
  const secret = generateTotpSecret();
  await running.idp.accounts.upsertAccount({
    sub,
    email,
    password: PASSWORD,
    totpSecret: secret,
    name: 'Dr Test',
  });
  directory.set(sub, { practice_id: 'a81001', role });
  return { sub, email, secret };
}

const signInAs = (
  running: Running,
  account: TestAccount,
  extra: Partial<Parameters<typeof signIn>[0]> = {},
) =>
  signIn({
    issuer: running.issuer,
    clientId: CLIENT_ID,
    redirectUri: running.redirectUri,
    email: account.email,
    password: PASSWORD,
    totpSecret: account.secret,
    ...extra,
  });

/** An authorization request for the console from a browser with these cookies; the first response. */
async function authorizeWith(cookies: CookieJar, running: Running = main): Promise<Response> {
  const authorize = new URL(`${running.issuer}/auth`);
  authorize.search = new URLSearchParams({
    client_id: CLIENT_ID,
    redirect_uri: running.redirectUri,
    response_type: 'code',
    scope: 'openid email profile offline_access',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
  }).toString();
  const response = await fetch(authorize, {
    redirect: 'manual',
    headers: { cookie: cookies.headerFor(authorize) ?? '' },
  });
  cookies.store(response);
  return response;
}

/** A code that is wrong for `secret` anywhere in the accepted window. */
async function wrongCode(secret: string): Promise<string> {
  const now = Date.now() / 1000;
  const valid = await Promise.all([-30, 0, 30, 60].map((offset) => totpCodeAt(secret, now + offset)));
  return ['111111', '222222', '333333', '444444', '555555'].find((code) => !valid.includes(code)) as string;
}

async function expectSignInError(
  promise: Promise<unknown>,
  step: string,
  status?: number,
): Promise<SignInError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SignInError);
  expect(error).toMatchObject({ step, status });
  return error as SignInError;
}

let main: Running;
let jwks: ReturnType<typeof createRemoteJWKSet>;

/** Runs `body` with the account suspended in the directory, then restores its membership. */
async function whileSuspended(sub: string, body: () => Promise<void>): Promise<void> {
  const before = directory.get(sub);
  directory.set(sub, 'suspended');
  try {
    await body();
  } finally {
    if (before === undefined) directory.delete(sub);
    else directory.set(sub, before);
  }
}

beforeAll(async () => {
  // Many tests here fail on purpose from 127.0.0.1; the per-IP back-off has its own test and instance.
  main = await start({
    tokenClaims,
    ipBackoff: { freeFailures: 1000, windowSeconds: 900, maxDelaySeconds: 60 },
  });
  const discovery = (await (await fetch(`${main.issuer}/.well-known/openid-configuration`)).json()) as {
    jwks_uri: string;
  };
  jwks = createRemoteJWKSet(new URL(discovery.jwks_uri));
});

afterAll(async () => {
  await main?.close();
});

describe('local identity provider (oidc-provider under /oidc)', () => {
  it('publishes discovery and public keys under the mount path', async () => {
    const discovery = (await (
      await fetch(`${main.issuer}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({
      issuer: main.issuer,
      authorization_endpoint: `${main.issuer}/auth`,
      token_endpoint: `${main.issuer}/token`,
      jwks_uri: `${main.issuer}/jwks`,
      end_session_endpoint: `${main.issuer}/session/end`,
      code_challenge_methods_supported: ['S256'],
      response_types_supported: ['code'],
      token_endpoint_auth_methods_supported: ['none'],
      id_token_signing_alg_values_supported: ['RS256'],
    });
    const { keys } = (await (await fetch(`${main.issuer}/jwks`)).json()) as {
      keys: Record<string, unknown>[];
    };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(keys[0]).not.toHaveProperty('d');
  });

  it('signs in with password and TOTP and issues a Cognito-like JWT access token', async () => {
    const account = await createAccount(main);
    const tokens = await signInAs(main, account);

    const { payload, protectedHeader } = await jwtVerify(tokens.accessToken, jwks, {
      issuer: main.issuer,
      audience: CLIENT_ID,
      algorithms: ['RS256'],
      typ: 'at+jwt',
    });
    expect(protectedHeader.kid).toEqual(expect.any(String));
    expect(payload).toMatchObject({
      iss: main.issuer,
      sub: account.sub,
      aud: CLIENT_ID,
      client_id: CLIENT_ID,
      token_use: 'access',
      scope: 'openid email profile',
      email: account.email.toLowerCase(),
      practice_id: 'a81001',
      role: 'clinician',
    });
    expect(payload.jti).toEqual(expect.any(String));
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(600);
    expect(tokens.expiresIn).toBe(600);
    expect(tokens.refreshToken).toEqual(expect.any(String));

    const { payload: id } = await jwtVerify(tokens.idToken, jwks, {
      issuer: main.issuer,
      audience: CLIENT_ID,
    });
    expect(id).toMatchObject({
      sub: account.sub,
      email: account.email.toLowerCase(),
      email_verified: true,
      name: 'Dr Test',
      practice_id: 'a81001',
      role: 'clinician',
    });
  });

  it('accepts the email in any case and a second sign-in straight after (each code used once)', async () => {
    const account = await createAccount(main);
    await signInAs(main, { ...account, email: account.email.toUpperCase() });
    const again = await signInAs(main, account);
    expect(decodeJwt(again.accessToken).sub).toBe(account.sub);
  });

  it('refuses a wrong TOTP code and counts it', async () => {
    const account = await createAccount(main);
    const code = await wrongCode(account.secret);
    const error = await expectSignInError(signInAs(main, account, { totpCode: () => code }), 'totp', 401);
    expect(error.message).toMatch(/code is not correct/);
    expect((await main.idp.accounts.findBySub(account.sub))?.failedAttempts).toBe(1);
  });

  it('refuses a wrong password without saying whether the email exists', async () => {
    const account = await createAccount(main);
    const wrong = await expectSignInError(
      signInAs(main, account, { password: 'not the password' }),
      'login',
      401,
    );
    const unknown = await expectSignInError(
      signInAs(main, { ...account, email: 'nobody@example.nhs.uk' }),
      'login',
      401,
    );
    expect(wrong.message).toBe(unknown.message);
  });

  it('locks the account for 15 minutes after 5 failed password or TOTP attempts', async () => {
    const account = await createAccount(main);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await expectSignInError(
        signInAs(main, account, { password: `wrong password ${attempt}` }),
        'login',
        401,
      );
    }
    const code = await wrongCode(account.secret);
    await expectSignInError(signInAs(main, account, { totpCode: () => code }), 'totp', 401);
    const fifth = await expectSignInError(signInAs(main, account, { totpCode: () => code }), 'totp', 423);
    expect(fifth.message).toMatch(/locked.*Try again in 15 minutes/);

    const stored = await main.idp.accounts.findBySub(account.sub);
    const lockedForMs = new Date(stored?.lockedUntil ?? 0).getTime() - Date.now();
    expect(lockedForMs).toBeGreaterThan(14 * 60 * 1000);
    expect(lockedForMs).toBeLessThanOrEqual(15 * 60 * 1000);

    // The right password and code do not get in while locked.
    const locked = await expectSignInError(signInAs(main, account), 'login', 423);
    expect(locked.message).toMatch(/locked/);
  });

  it('refreshes tokens, and refuses to once the tokenClaims hook refuses the account', async () => {
    const account = await createAccount(main);
    const first = await signInAs(main, account);
    const refresh = (refreshToken: string) =>
      refreshTokens({ issuer: main.issuer, clientId: CLIENT_ID, refreshToken });

    const second = await refresh(first.refreshToken as string);
    const { payload } = await jwtVerify(second.accessToken, jwks, {
      issuer: main.issuer,
      audience: CLIENT_ID,
    });
    expect(payload).toMatchObject({
      sub: account.sub,
      practice_id: 'a81001',
      role: 'clinician',
      token_use: 'access',
    });
    expect(second.refreshToken).toEqual(expect.any(String));
    expect(second.refreshToken).not.toBe(first.refreshToken);

    await whileSuspended(account.sub, async () => {
      const error = await expectSignInError(refresh(second.refreshToken as string), 'refresh', 400);
      expect(error.message).toMatch(/invalid_grant/);
      const signInError = await expectSignInError(signInAs(main, account), 'login', 403);
      expect(signInError.message).toMatch(/Your account is not active/);
    });
    // Refused because of the hook only: once active again the same refresh token works.
    const third = await refresh(second.refreshToken as string);
    expect(decodeJwt(third.accessToken).sub).toBe(account.sub);
  });

  it('lets an existing session through without the sign-in pages, until the account is suspended', async () => {
    const account = await createAccount(main);
    const cookies = new CookieJar();
    await signInAs(main, account, { cookies });
    // Same browser: the session cookie skips the pages (no code is needed, so a wrong one does no harm).
    const code = await wrongCode(account.secret);
    const silent = await signInAs(main, account, {
      cookies,
      totpCode: () => code,
      password: 'unused password',
    });
    expect(decodeJwt(silent.accessToken).sub).toBe(account.sub);

    await whileSuspended(account.sub, async () => {
      await expectSignInError(signInAs(main, account, { cookies }), 'login', 403);
    });
  });

  it('signs out at once when the console sends its ID token: session, grant and refresh token end', async () => {
    const account = await createAccount(main);
    const cookies = new CookieJar();
    const tokens = await signInAs(main, account, { cookies });
    const endSession = new URL(`${main.issuer}/session/end`);
    endSession.search = new URLSearchParams({
      id_token_hint: tokens.idToken,
      post_logout_redirect_uri: `${main.origin}/`,
      state: 'signed-out',
    }).toString();
    const response = await fetch(endSession, {
      redirect: 'manual',
      headers: { cookie: cookies.headerFor(endSession) ?? '' },
    });
    cookies.store(response);
    // No "Sign out?" page: straight back to the console, like Cognito's /logout.
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`${main.origin}/?state=signed-out`);
    expect(response.headers.getSetCookie().some((cookie) => /^cc_oidc_session=;/.test(cookie))).toBe(true);

    await expectSignInError(
      refreshTokens({
        issuer: main.issuer,
        clientId: CLIENT_ID,
        refreshToken: tokens.refreshToken as string,
      }),
      'refresh',
      400,
    );
    // The browser has no session any more: the next authorization request goes to the sign-in page.
    const again = await authorizeWith(cookies);
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toMatch(/^\/oidc\/interaction\/[\w-]+$/);
  });

  it('asks "Sign out?" without an ID token, or with one for another account, and signs out on "Sign out"', async () => {
    const account = await createAccount(main);
    const other = await createAccount(main);
    const cookies = new CookieJar();
    const tokens = await signInAs(main, account, { cookies });
    const otherTokens = await signInAs(main, other);

    const confirmation = async (params: Record<string, string>) => {
      const endSession = new URL(`${main.issuer}/session/end`);
      endSession.search = new URLSearchParams({
        post_logout_redirect_uri: `${main.origin}/`,
        state: 'signed-out',
        ...params,
      }).toString();
      const page = await fetch(endSession, {
        redirect: 'manual',
        headers: { cookie: cookies.headerFor(endSession) ?? '' },
      });
      cookies.store(page);
      const html = await page.text();
      expect(page.status).toBe(200);
      expect(html).toContain('Sign out of Clinic Connect?');
      expect(html).not.toMatch(/<script/);
      return html;
    };

    // Another account's ID token does not sign this browser out.
    await confirmation({ id_token_hint: otherTokens.idToken });
    const stillValid = await refreshTokens({
      issuer: main.issuer,
      clientId: CLIENT_ID,
      refreshToken: tokens.refreshToken as string,
    });

    const html = await confirmation({ client_id: CLIENT_ID });
    const action = /<form id="op.logoutForm" method="post" action="([^"]+)"/.exec(html)?.[1] as string;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1] as string;
    const confirmUrl = new URL(action);
    const confirmed = await fetch(confirmUrl, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: cookies.headerFor(confirmUrl) ?? '',
      },
      body: new URLSearchParams({ xsrf, logout: 'yes' }),
    });
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get('location')).toBe(`${main.origin}/?state=signed-out`);

    await expectSignInError(
      refreshTokens({
        issuer: main.issuer,
        clientId: CLIENT_ID,
        refreshToken: stillValid.refreshToken as string,
      }),
      'refresh',
      400,
    );
    // The other account's session (another browser) is untouched.
    const otherRefreshed = await refreshTokens({
      issuer: main.issuer,
      clientId: CLIENT_ID,
      refreshToken: otherTokens.refreshToken as string,
    });
    expect(decodeJwt(otherRefreshed.accessToken).sub).toBe(other.sub);
  });

  it('enrols an authenticator for an account that has none, then signs in with it', async () => {
    const sub = randomUUID();
    await main.idp.accounts.upsertAccount({
      sub,
      email: `new.${sub.slice(0, 8)}@example.nhs.uk`,
      password: PASSWORD,
      name: 'New Starter',
    });
    directory.set(sub, { practice_id: 'a81001', role: 'practice_admin' });
    const account = { sub, email: `new.${sub.slice(0, 8)}@example.nhs.uk`, secret: '' };
    await expectSignInError(signInAs(main, account, { enrolIfNeeded: false }), 'enrol');
    const tokens = await signInAs(main, account);
    expect(tokens.enrolledTotpSecret).toMatch(/^[A-Z2-7]{32}$/);
    expect(await main.idp.accounts.findBySub(sub)).toMatchObject({ totpEnrolled: true });
    expect(await main.idp.accounts.totpSecretFor(account.email)).toBe(tokens.enrolledTotpSecret);
    // From now on the code is required.
    const again = await signInAs(main, { ...account, secret: tokens.enrolledTotpSecret as string });
    expect(decodeJwt(again.accessToken).role).toBe('practice_admin');
  });

  it('serves CSP-friendly NHS.UK-styled pages and the stylesheet under /oidc/assets', async () => {
    const authorize = new URL(`${main.issuer}/auth`);
    authorize.search = new URLSearchParams({
      client_id: CLIENT_ID,
      redirect_uri: main.redirectUri,
      response_type: 'code',
      scope: 'openid email profile',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString();
    const redirect = await fetch(authorize, { redirect: 'manual' });
    expect(redirect.status).toBe(303);
    const location = redirect.headers.get('location') as string;
    expect(location).toMatch(/^\/oidc\/interaction\/[\w-]+$/);
    const cookie = redirect.headers
      .getSetCookie()
      .map((value) => value.split(';')[0])
      .join('; ');
    const page = await fetch(new URL(location, main.origin), { headers: { cookie } });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('content-security-policy')).toContain("img-src 'self' data:");
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(html).not.toMatch(/<script|style=/);
    expect(html).toContain('<link rel="stylesheet" href="/oidc/assets/nhsuk-frontend.min.css">');
    expect(html).toContain('autocomplete="current-password"');

    const css = await fetch(`${main.issuer}/assets/nhsuk-frontend.min.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    const text = await css.text();
    expect(text).toContain('url(/oidc/assets/images/');
    expect(text).not.toContain('assets.nhs.uk');
    expect((await fetch(`${main.issuer}/assets/images/favicon.svg`)).status).toBe(200);
    expect((await fetch(`${main.issuer}/assets/../provider.ts`)).status).toBe(404);

    // A form posted from another site is refused before anything is checked.
    const crossSite = await fetch(new URL(`${location}/login`, main.origin), {
      method: 'POST',
      headers: {
        cookie,
        origin: 'https://evil.example',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ email: 'x@example.nhs.uk', password: PASSWORD }),
    });
    expect(crossSite.status).toBe(403);
    // Without the interaction cookie there is no sign-in to continue.
    const noCookie = await fetch(new URL(`${location}/login`, main.origin), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: 'x@example.nhs.uk', password: PASSWORD }),
    });
    expect(noCookie.status).toBe(400);
    expect(await noCookie.text()).toContain('Your sign-in has expired');
  });

  it('has no way round the second factor: resuming after the password alone goes back to the code page', async () => {
    const account = await createAccount(main);
    const cookies = new CookieJar();
    const get = async (url: URL) => {
      const response = await fetch(url, {
        redirect: 'manual',
        headers: { cookie: cookies.headerFor(url) ?? '' },
      });
      cookies.store(response);
      return response;
    };
    const authorize = new URL(`${main.issuer}/auth`);
    authorize.search = new URLSearchParams({
      client_id: CLIENT_ID,
      redirect_uri: main.redirectUri,
      response_type: 'code',
      scope: 'openid email profile offline_access',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString();
    const interaction = new URL((await get(authorize)).headers.get('location') as string, main.origin);
    const uid = interaction.pathname.split('/').pop() as string;
    const login = new URL(`${interaction.pathname}/login`, main.origin);
    const afterPassword = await fetch(login, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: main.origin,
        cookie: cookies.headerFor(login) ?? '',
      },
      body: new URLSearchParams({ email: account.email, password: PASSWORD }),
    });
    expect(afterPassword.status).toBe(303);
    expect(afterPassword.headers.get('location')).toBe(interaction.pathname);
    expect(await (await get(interaction)).text()).toContain('data-step="totp"');

    // Jump straight to the authorization resume endpoint: no login result, so it starts a new interaction.
    const resumed = await get(new URL(`${main.issuer}/auth/${uid}`));
    expect(resumed.status).toBe(303);
    const next = resumed.headers.get('location') as string;
    expect(next).not.toContain('/auth/callback');
    expect(next).toMatch(/^\/oidc\/interaction\//);
  });

  it('the sign-in client refuses anything but a local issuer', async () => {
    await expectSignInError(
      signIn({
        issuer: 'https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_example',
        clientId: CLIENT_ID,
        redirectUri: 'https://example.org/auth/callback',
        email: 'someone@example.nhs.uk',
        password: PASSWORD,
        totpSecret: generateTotpSecret(),
      }),
      'discovery',
    );
  });
});

const SIGN_UP_PASSWORD = 'Sign-up-pass-1';

const newEmail = (domain = 'nhs.net') => `new.starter.${randomUUID().slice(0, 8)}@${domain}`;

const signUpAs = (
  email: string,
  extra: Partial<Parameters<typeof signUp>[0]> = {},
  running: Running = main,
) =>
  signUp({
    issuer: running.issuer,
    clientId: CLIENT_ID,
    redirectUri: running.redirectUri,
    email,
    name: 'Nia New-Starter',
    password: SIGN_UP_PASSWORD,
    ...extra,
  });

/** The sign-up page of a new authorization request, and what is needed to post its form. */
async function openSignUpPage(running: Running = main) {
  const cookies = new CookieJar();
  const interaction = (await authorizeWith(cookies, running)).headers.get('location') as string;
  const get = async (path: string) => {
    const url = new URL(path, running.origin);
    const response = await fetch(url, { headers: { cookie: cookies.headerFor(url) ?? '' } });
    cookies.store(response);
    return response;
  };
  const post = async (form: Record<string, string>) => {
    const url = new URL(`${interaction}/signup`, running.origin);
    const response = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: running.origin,
        cookie: cookies.headerFor(url) ?? '',
      },
      body: new URLSearchParams(form),
    });
    cookies.store(response);
    return response;
  };
  return { cookies, interaction, get, post };
}

describe('sign-up ("Create an account")', () => {
  it('creates a pending account: enrolment, then tokens without practice claims, for a new sub', async () => {
    const email = newEmail();
    const result = await signUpAs(email.toUpperCase());
    expect(result.totpSecret).toMatch(/^[A-Z2-7]{32}$/);
    expect(result.refreshToken).toEqual(expect.any(String));

    const { payload: access } = await jwtVerify(result.accessToken, jwks, {
      issuer: main.issuer,
      audience: CLIENT_ID,
      typ: 'at+jwt',
    });
    expect(access).toMatchObject({ sub: result.sub, email, token_use: 'access', client_id: CLIENT_ID });
    expect(access).not.toHaveProperty('practice_id');
    expect(access).not.toHaveProperty('role');
    const { payload: id } = await jwtVerify(result.idToken, jwks, {
      issuer: main.issuer,
      audience: CLIENT_ID,
    });
    expect(id).toMatchObject({ sub: result.sub, email, email_verified: true, name: 'Nia New-Starter' });
    expect(id).not.toHaveProperty('practice_id');

    const stored = await main.idp.accounts.findByEmail(email);
    expect(stored).toMatchObject({
      sub: result.sub,
      name: 'Nia New-Starter',
      status: 'active',
      totpEnrolled: true,
    });
    expect(stored?.sub).toMatch(/^[0-9a-f-]{36}$/);
    expect(await main.idp.accounts.totpSecretFor(email)).toBe(result.totpSecret);

    // The account signs in with its password and the enrolled authenticator from now on.
    const again = await signIn({
      issuer: main.issuer,
      clientId: CLIENT_ID,
      redirectUri: main.redirectUri,
      email,
      password: SIGN_UP_PASSWORD,
      totpSecret: result.totpSecret,
    });
    expect(decodeJwt(again.accessToken).sub).toBe(result.sub);

    // The practice approves it: the next refresh carries the directory's claims, in both tokens.
    directory.set(result.sub, { practice_id: 'a81001', role: 'receptionist' });
    const refreshed = await refreshTokens({
      issuer: main.issuer,
      clientId: CLIENT_ID,
      refreshToken: result.refreshToken as string,
    });
    expect(decodeJwt(refreshed.accessToken)).toMatchObject({
      sub: result.sub,
      email,
      practice_id: 'a81001',
      role: 'receptionist',
    });
    expect(decodeJwt(refreshed.idToken)).toMatchObject({ practice_id: 'a81001', role: 'receptionist' });
  });

  it('refuses an address outside the allow-list, and creates nothing', async () => {
    for (const email of [newEmail('gmail.com'), newEmail('evilnhs.net'), newEmail('nhs.net.example.com')]) {
      const error = await expectSignInError(signUpAs(email), 'signup', 400);
      expect(error.message).toBe('Enter a work email address ending in nhs.net');
      expect(await main.idp.accounts.findByEmail(email)).toBeUndefined();
    }
    // A subdomain of an allowed domain is allowed (the demo practice's demo.nhs.net).
    const demo = await signUpAs(newEmail('demo.nhs.net'));
    expect(decodeJwt(demo.accessToken).sub).toBe(demo.sub);
  });

  it('refuses a password that breaks the pool’s policy, or a confirmation that differs', async () => {
    const email = newEmail();
    for (const password of [
      'short-A1',
      'no-upper-case-1',
      'NO-LOWER-CASE-1',
      'No-digits-here',
      'NoSymbols1234',
    ]) {
      const error = await expectSignInError(signUpAs(email, { password }), 'signup', 400);
      expect(error.message).toBe(
        'Your password must be at least 12 characters long and include an upper case letter, a lower case letter, a number and a symbol',
      );
    }
    const mismatch = await expectSignInError(
      signUpAs(email, { confirmPassword: `${SIGN_UP_PASSWORD}x` }),
      'signup',
      400,
    );
    expect(mismatch.message).toBe('The passwords do not match');
    expect(await main.idp.accounts.findByEmail(email)).toBeUndefined();
  });

  it('says when the address already has an account, and changes nothing about it', async () => {
    const email = newEmail();
    const first = await signUpAs(email);
    const error = await expectSignInError(
      signUpAs(email.toUpperCase(), { name: 'Someone Else', password: 'Another-pass-2' }),
      'signup',
      409,
    );
    expect(error.message).toBe('An account with this email address already exists. Sign in instead');
    expect(await main.idp.accounts.findByEmail(email)).toMatchObject({
      sub: first.sub,
      name: 'Nia New-Starter',
    });
    // The existing account's password still works and the new one does not.
    await expectSignInError(
      signIn({
        issuer: main.issuer,
        clientId: CLIENT_ID,
        redirectUri: main.redirectUri,
        email,
        password: 'Another-pass-2',
        totpSecret: first.totpSecret,
      }),
      'login',
      401,
    );
  });

  it('is linked from the sign-in page and is an accessible NHS.UK form without scripts', async () => {
    const { interaction, get, post } = await openSignUpPage();
    const login = await (await get(interaction)).text();
    expect(login).toContain(`<a href="${interaction}/signup" id="create-account-link">Create an account</a>`);

    const page = await get(`${interaction}/signup`);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(html).not.toMatch(/<script|style=/);
    expect(html).toContain('<h1>Create an account</h1>');
    expect(html).toContain(
      `<form method="post" action="${interaction}/signup" novalidate data-step="signup">`,
    );
    for (const [id, name, label, autocomplete] of [
      ['email', 'email', 'Email address', 'username'],
      ['name', 'name', 'Full name', 'name'],
      ['password', 'password', 'Create a password', 'new-password'],
      ['confirm-password', 'confirmPassword', 'Confirm your password', 'new-password'],
    ]) {
      expect(html).toContain(`<label class="nhsuk-label" for="${id}">${label}</label>`);
      expect(html).toMatch(
        new RegExp(`<input [^>]*id="${id}" name="${name}" [^>]*autocomplete="${autocomplete}"`),
      );
    }
    expect(html).toContain('id="email-hint">Use your work email address, ending in nhs.net</div>');
    expect(html).toContain('aria-describedby="password-hint"');
    expect(html).toContain('<button class="nhsuk-button" type="submit">Create account</button>');
    expect(html).toContain(`<a href="${interaction}" id="sign-in-link">sign in</a>`);

    // Errors: the summary links to each field; each field says its error; typed values (not passwords) stay.
    const refused = await post({
      email: 'someone@gmail.com',
      name: '',
      password: 'weak',
      confirmPassword: '',
    });
    const errors = await refused.text();
    expect(refused.status).toBe(400);
    expect(errors).toContain('<title>Error: Create an account – Clinic Connect</title>');
    expect(errors).toContain('<h2 class="nhsuk-error-summary__heading">There is a problem</h2>');
    for (const [id, message] of [
      ['email', 'Enter a work email address ending in nhs.net'],
      ['name', 'Enter your full name'],
      ['password', 'Your password must be at least 12 characters long'],
      ['confirm-password', 'Confirm your password'],
    ]) {
      expect(errors).toContain(`<li><a href="#${id}">${message}`);
      expect(errors).toContain(
        `id="${id}-error"><span class="nhsuk-u-visually-hidden">Error: </span>${message}`,
      );
      expect(errors).toMatch(new RegExp(`id="${id}" [^>]*aria-describedby="[^"]*${id}-error"`));
    }
    expect(errors).toContain('value="someone@gmail.com"');
    expect(errors).not.toContain('value="weak"');

    // A form from another site is refused before anything is looked at.
    const url = new URL(`${interaction}/signup`, main.origin);
    const crossSite = await fetch(url, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: newEmail(), name: 'X', password: SIGN_UP_PASSWORD }),
    });
    expect(crossSite.status).toBe(403);
  });

  it('goes straight on to authenticator enrolment within the same sign-in', async () => {
    const { interaction, get, post } = await openSignUpPage();
    const email = newEmail();
    const created = await post({
      email,
      name: 'Nia New-Starter',
      password: SIGN_UP_PASSWORD,
      confirmPassword: SIGN_UP_PASSWORD,
    });
    expect(created.status).toBe(303);
    expect(created.headers.get('location')).toBe(interaction);
    const enrol = await (await get(interaction)).text();
    expect(enrol).toContain('data-step="enrol"');
    expect(enrol).toContain('<h1>Set up your authenticator app</h1>');
    expect(enrol).toMatch(/<img src="data:image\/svg\+xml;base64,[^"]+"/);
    expect(enrol).toMatch(/id="totp-manual-key" data-key="[A-Z2-7]{32}"/);
    expect((await main.idp.accounts.findByEmail(email))?.totpEnrolled).toBe(false);
  });
});

describe('a second provider instance', () => {
  let other: Running;

  beforeAll(async () => {
    other = await start();
  });

  afterAll(async () => {
    await other?.close();
  });

  it('issues tokens that do not verify against the first provider’s keys or issuer', async () => {
    const account = await createAccount(other);
    const tokens = await signInAs(other, account);
    await expect(
      jwtVerify(tokens.accessToken, jwks, { issuer: main.issuer, audience: CLIENT_ID }),
    ).rejects.toThrow();
    const otherJwks = createRemoteJWKSet(new URL(`${other.issuer}/jwks`));
    // Its own keys verify it, but it is not the first provider's issuer.
    await expect(jwtVerify(tokens.accessToken, otherJwks, { audience: CLIENT_ID })).resolves.toBeDefined();
    await expect(
      jwtVerify(tokens.accessToken, otherJwks, { issuer: main.issuer, audience: CLIENT_ID }),
    ).rejects.toThrow(/iss/);
  });

  it('keeps its keys in identity/ (0600 files, 0700 directory) and reuses them after a restart', async () => {
    const dir = join(other.dataDir, 'identity');
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    for (const file of ['jwks.json', 'cookie-keys.json', 'accounts.json']) {
      expect((await stat(join(dir, file))).mode & 0o777).toBe(0o600);
    }
    const before = await readFile(join(dir, 'jwks.json'), 'utf8');
    const restarted = await start({ dataDir: other.dataDir });
    try {
      const account = await createAccount(restarted);
      const tokens = await signInAs(restarted, account);
      // Signed with the same key: the first instance's JWKS verifies the restarted instance's token.
      const otherJwks = createRemoteJWKSet(new URL(`${other.issuer}/jwks`));
      await expect(jwtVerify(tokens.accessToken, otherJwks, { audience: CLIENT_ID })).resolves.toBeDefined();
      expect(await readFile(join(dir, 'jwks.json'), 'utf8')).toBe(before);
    } finally {
      await restarted.close();
    }
  });

  it('backs off per client IP after repeated failures', async () => {
    const strict = await start({ ipBackoff: { freeFailures: 2, windowSeconds: 900, maxDelaySeconds: 60 } });
    try {
      const first = await createAccount(strict);
      const second = await createAccount(strict);
      await expectSignInError(signInAs(strict, first, { password: 'wrong password 1' }), 'login', 401);
      await expectSignInError(signInAs(strict, second, { password: 'wrong password 2' }), 'login', 401);
      const limited = await expectSignInError(signInAs(strict, second), 'login', 429);
      expect(limited.message).toMatch(/too many failed sign-in attempts from your network/);
      // The accounts themselves were not locked by this.
      expect((await strict.idp.accounts.findBySub(second.sub))?.failedAttempts).toBe(1);
    } finally {
      await strict.close();
    }
  });
});

describe('the tokenClaims hook and the allow-list, configured', () => {
  it('adds the hook’s claims to the access token (and practice_id/role to the ID token), never over the provider’s', async () => {
    const running = await start({
      tokenClaims: async () => ({
        practice_id: 'b82002',
        role: 'clinical_lead',
        custom_flag: 'yes',
        sub: 'someone-else',
        email: 'spoofed@nhs.net',
        token_use: 'id',
      }),
    });
    try {
      const account = await createAccount(running);
      const tokens = await signInAs(running, account);
      const access = decodeJwt(tokens.accessToken);
      expect(access).toMatchObject({
        sub: account.sub,
        email: account.email.toLowerCase(),
        token_use: 'access',
        practice_id: 'b82002',
        role: 'clinical_lead',
        custom_flag: 'yes',
      });
      const id = decodeJwt(tokens.idToken);
      expect(id).toMatchObject({ sub: account.sub, practice_id: 'b82002', role: 'clinical_lead' });
      expect(id).not.toHaveProperty('custom_flag');
    } finally {
      await running.close();
    }
  });

  it('without a hook, tokens carry no practice claims', async () => {
    const running = await start();
    try {
      const account = await createAccount(running);
      const access = decodeJwt((await signInAs(running, account)).accessToken);
      expect(access).toMatchObject({ sub: account.sub, token_use: 'access' });
      expect(access).not.toHaveProperty('practice_id');
    } finally {
      await running.close();
    }
  });

  it('a hook that fails for another reason stops the sign-in with a service message', async () => {
    const running = await start({
      tokenClaims: async () => {
        throw new Error('directory unavailable');
      },
    });
    try {
      const account = await createAccount(running);
      const error = await expectSignInError(signInAs(running, account), 'login', 503);
      expect(error.message).toBe('Sign-in is not available at the moment. Try again in a few minutes.');
    } finally {
      await running.close();
    }
  });

  it('allows sign-up only for the configured domains', async () => {
    const running = await start({ staffEmailDomains: ['example.org'] });
    try {
      const refused = await expectSignInError(signUpAs(newEmail('nhs.net'), {}, running), 'signup', 400);
      expect(refused.message).toBe('Enter a work email address ending in example.org');
      const created = await signUpAs(newEmail('gp.example.org'), {}, running);
      expect(decodeJwt(created.accessToken).sub).toBe(created.sub);
    } finally {
      await running.close();
    }
  });
});
