import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CookieJar,
  createLocalIdentityProvider,
  generateTotpSecret,
  type LocalIdentityProvider,
  type LocalIdentityProviderOptions,
  refreshTokens,
  SignInError,
  signIn,
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

async function createAccount(running: Running, role = 'clinician'): Promise<TestAccount> {
  const sub = randomUUID();
  const email = `Staff.${sub.slice(0, 8)}@Example.NHS.uk`;
  const secret = generateTotpSecret();
  await running.idp.accounts.upsertAccount({
    sub,
    email,
    password: PASSWORD,
    totpSecret: secret,
    practiceId: 'A81001',
    role,
    name: 'Dr Test',
  });
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

const suspended = new Set<string>();
let main: Running;
let jwks: ReturnType<typeof createRemoteJWKSet>;

beforeAll(async () => {
  main = await start({ isAccountActive: (sub) => !suspended.has(sub) });
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
      practice_id: 'A81001',
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
      practice_id: 'A81001',
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

  it('refreshes tokens, and refuses to once isAccountActive says the account is not active', async () => {
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
      practice_id: 'A81001',
      role: 'clinician',
      token_use: 'access',
    });
    expect(second.refreshToken).toEqual(expect.any(String));
    expect(second.refreshToken).not.toBe(first.refreshToken);

    suspended.add(account.sub);
    try {
      const error = await expectSignInError(refresh(second.refreshToken as string), 'refresh', 400);
      expect(error.message).toMatch(/invalid_grant/);
      const signInError = await expectSignInError(signInAs(main, account), 'login', 403);
      expect(signInError.message).toMatch(/not active/);
    } finally {
      suspended.delete(account.sub);
    }
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

    suspended.add(account.sub);
    try {
      await expectSignInError(signInAs(main, account, { cookies }), 'login', 403);
    } finally {
      suspended.delete(account.sub);
    }
  });

  it('ends the session on sign-out, which also ends its refresh token', async () => {
    const account = await createAccount(main);
    const cookies = new CookieJar();
    const tokens = await signInAs(main, account, { cookies });
    const endSession = new URL(`${main.issuer}/session/end`);
    endSession.search = new URLSearchParams({
      id_token_hint: tokens.idToken,
      post_logout_redirect_uri: `${main.origin}/`,
      state: 'signed-out',
    }).toString();
    const confirmPage = await fetch(endSession, { headers: { cookie: cookies.headerFor(endSession) ?? '' } });
    cookies.store(confirmPage);
    const html = await confirmPage.text();
    expect(confirmPage.status).toBe(200);
    expect(html).toContain('Sign out of Clinic Connect?');
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
        refreshToken: tokens.refreshToken as string,
      }),
      'refresh',
      400,
    );
  });

  it('enrols an authenticator for an account that has none, then signs in with it', async () => {
    const sub = randomUUID();
    await main.idp.accounts.upsertAccount({
      sub,
      email: `new.${sub.slice(0, 8)}@example.nhs.uk`,
      password: PASSWORD,
      practiceId: 'A81001',
      role: 'practice_admin',
      name: 'New Starter',
    });
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
