import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportPKCS8, generateKeyPair, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { type PdsAuth, type PdsCredentials, SignedJwtAuth } from '../../../layers/pds/pds-auth';
import {
  PdsAccessError,
  PdsClient,
  type PdsClientOptions,
  PdsRequestError,
  PdsUnavailableError,
} from '../../../layers/pds/pds-client';
import { PDS_FIXTURES } from '../../support/fixtures';

const BASE = 'https://int.api.service.nhs.uk/personal-demographics/FHIR/R4';
const TOKEN_URL = 'https://int.api.service.nhs.uk/oauth2/token';
const NHS_NUMBER = '9000000009';
const CONTEXT = { correlationId: 'corr-1', odsCode: 'A12345' };
const REQUEST_ID = '0f4a6c1e-3b2d-4c5e-8f90-123456789abc';

const fixture = (name: string) => readFileSync(join(PDS_FIXTURES, name), 'utf8');
const PATIENT = fixture(`patients/${NHS_NUMBER}.json`);

interface Call {
  url: string;
  init: RequestInit;
  headers: Headers;
}

type Responder = (call: Call) => Response | Promise<Response>;

/** A fetch that answers from a queue of responders (the last one repeats) and records every call. */
function fakeFetch(...responders: Responder[]) {
  const calls: Call[] = [];
  const fetch = (async (input: string | URL | Request, init: RequestInit = {}) => {
    const call = { url: String(input), init, headers: new Headers(init.headers) };
    calls.push(call);
    const responder = responders[Math.min(calls.length - 1, responders.length - 1)] as Responder;
    return responder(call);
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

const json =
  (status: number, body: string, headers: Record<string, string> = {}) =>
  () =>
    new Response(body, { status, headers: { 'Content-Type': 'application/fhir+json', ...headers } });

/** A PdsAuth that hands out token-1, then token-2 after invalidate(), and so on. */
function stubAuth() {
  let generation = 1;
  const auth = {
    accessTokenCalls: 0,
    invalidations: 0,
    async accessToken() {
      auth.accessTokenCalls++;
      return `token-${generation}`;
    },
    invalidate() {
      auth.invalidations++;
      generation++;
    },
  };
  return auth satisfies PdsAuth;
}

function client(fetch: typeof globalThis.fetch, overrides: Partial<PdsClientOptions> = {}) {
  const sleeps: number[] = [];
  const auth = stubAuth();
  const pds = new PdsClient({
    baseUrl: BASE,
    auth,
    fetch,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    randomUUID: () => REQUEST_ID,
    ...overrides,
  });
  return { pds, sleeps, auth };
}

const expectNoPhi = (error: unknown) => {
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).message).not.toContain(NHS_NUMBER);
  expect(JSON.stringify((error as Error).cause ?? null)).not.toContain(NHS_NUMBER);
};

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('PdsClient', () => {
  it('GETs {base}/Patient/{nhsNumber} with the PDS headers and returns the resource', async () => {
    const { fetch, calls } = fakeFetch(json(200, PATIENT));
    const { pds } = client(fetch);

    const result = await pds.retrievePatient(NHS_NUMBER, CONTEXT);

    expect(result).toEqual({ status: 'found', resource: JSON.parse(PATIENT) });
    expect(calls).toHaveLength(1);
    const [call] = calls as [Call];
    expect(call.url).toBe(`${BASE}/Patient/${NHS_NUMBER}`);
    expect(call.init.method).toBe('GET');
    expect(call.headers.get('accept')).toBe('application/fhir+json');
    expect(call.headers.get('authorization')).toBe('Bearer token-1');
    expect(call.headers.get('x-request-id')).toBe(REQUEST_ID);
    expect(call.headers.get('x-correlation-id')).toBe('corr-1');
    expect(call.headers.get('nhsd-end-user-organisation-ods')).toBe('A12345');
    expect(call.init.signal).toBeInstanceOf(AbortSignal);
  });

  it('makes one X-Request-ID per retrieval', async () => {
    const { fetch, calls } = fakeFetch(json(200, PATIENT));
    let n = 0;
    const { pds } = client(fetch, { randomUUID: () => `id-${++n}` });
    await pds.retrievePatient(NHS_NUMBER, CONTEXT);
    await pds.retrievePatient(NHS_NUMBER, CONTEXT);
    expect(calls.map((call) => call.headers.get('x-request-id'))).toEqual(['id-1', 'id-2']);
  });

  it('sends no Authorization header when the auth has no token (the open sandbox)', async () => {
    const { fetch, calls } = fakeFetch(json(200, PATIENT));
    const noAuth: PdsAuth = { accessToken: async () => '', invalidate: () => undefined };
    const { pds } = client(fetch, { auth: noAuth });
    await pds.retrievePatient(NHS_NUMBER, CONTEXT);
    expect(calls[0]?.headers.has('authorization')).toBe(false);
  });

  it('tolerates a trailing slash on the base URL', async () => {
    const { fetch, calls } = fakeFetch(json(200, PATIENT));
    const { pds } = client(fetch, { baseUrl: `${BASE}/` });
    await pds.retrievePatient(NHS_NUMBER, CONTEXT);
    expect(calls[0]?.url).toBe(`${BASE}/Patient/${NHS_NUMBER}`);
  });

  it('reads 404 RESOURCE_NOT_FOUND as not-found and 404 INVALIDATED_RESOURCE as invalidated', async () => {
    const notFound = client(fakeFetch(json(404, fixture('errors/RESOURCE_NOT_FOUND.json'))).fetch).pds;
    expect(await notFound.retrievePatient('9111231130', CONTEXT)).toEqual({ status: 'not-found' });

    const invalidated = client(fakeFetch(json(404, fixture('errors/INVALIDATED_RESOURCE.json'))).fetch).pds;
    expect(await invalidated.retrievePatient(NHS_NUMBER, CONTEXT)).toEqual({ status: 'invalidated' });
  });

  it('does not read a 404 without a Spine code (a wrong base URL) as "no such patient"', async () => {
    const { pds } = client(fakeFetch(json(404, '{"message":"Not Found"}')).fetch);
    const error = await failure(pds.retrievePatient(NHS_NUMBER, CONTEXT));
    expect(error).toBeInstanceOf(PdsRequestError);
    expectNoPhi(error);
  });

  it('maps other 4xx to PdsRequestError, quoting the Spine code but not the number', async () => {
    const { fetch, calls } = fakeFetch(json(400, fixture('errors/INVALID_RESOURCE_ID.json')));
    const { pds } = client(fetch);
    const error = await failure(pds.retrievePatient(NHS_NUMBER, CONTEXT));
    expect(error).toBeInstanceOf(PdsRequestError);
    expect((error as Error).message).toContain('400 INVALID_RESOURCE_ID');
    expectNoPhi(error);
    expect(calls).toHaveLength(1);
  });

  it('refuses anything but ten digits before making a request', async () => {
    const { fetch, calls } = fakeFetch(json(200, PATIENT));
    const { pds } = client(fetch);
    for (const bad of ['900000000', '../../etc/passwd', '9000000009?x=1', '900 000 0009']) {
      expect(await failure(pds.retrievePatient(bad, CONTEXT))).toBeInstanceOf(PdsRequestError);
    }
    expect(calls).toHaveLength(0);
  });

  describe('429', () => {
    it('waits Retry-After (via the injected sleep) and retries with the same X-Request-ID', async () => {
      const { fetch, calls } = fakeFetch(json(429, '{}', { 'Retry-After': '1' }), json(200, PATIENT));
      const { pds, sleeps } = client(fetch);

      expect(await pds.retrievePatient(NHS_NUMBER, CONTEXT)).toMatchObject({ status: 'found' });
      expect(sleeps).toEqual([1000]);
      expect(calls.map((call) => call.headers.get('x-request-id'))).toEqual([REQUEST_ID, REQUEST_ID]);
    });

    it('gives up, passing the wait on, when PDS asks for longer than maxRetryAfterMs (never retries early)', async () => {
      const { fetch, calls } = fakeFetch(json(429, '{}', { 'Retry-After': '120' }), json(200, PATIENT));
      const { pds, sleeps } = client(fetch, { maxRetryAfterMs: 500 });
      const error = await failure(pds.retrievePatient(NHS_NUMBER, CONTEXT));
      expect(error).toBeInstanceOf(PdsUnavailableError);
      expect((error as PdsUnavailableError).retryAfterSeconds).toBe(120);
      expect(sleeps).toEqual([]);
      expect(calls).toHaveLength(1);
    });

    it('waits up to 2000 ms by default, and a default when Retry-After is missing', async () => {
      const { fetch } = fakeFetch(
        json(429, '{}', { 'Retry-After': '2' }),
        json(429, '{}'),
        json(200, PATIENT),
      );
      const { pds, sleeps } = client(fetch);
      await pds.retrievePatient(NHS_NUMBER, CONTEXT);
      expect(sleeps).toHaveLength(2);
      expect(sleeps[0]).toBe(2000);
      expect(sleeps[1]).toBeGreaterThan(0);
      expect(sleeps[1]).toBeLessThanOrEqual(2000);
    });

    it('gives up with PdsUnavailableError after maxAttempts throttled requests', async () => {
      const { fetch, calls } = fakeFetch(json(429, '{}', { 'Retry-After': '0' }));
      const { pds, sleeps } = client(fetch, { maxAttempts: 3 });

      const error = await failure(pds.retrievePatient(NHS_NUMBER, CONTEXT));
      expect(error).toBeInstanceOf(PdsUnavailableError);
      expectNoPhi(error);
      expect(calls).toHaveLength(3);
      expect(sleeps).toEqual([0, 0]);
      expect(new Set(calls.map((call) => call.headers.get('x-request-id')))).toEqual(new Set([REQUEST_ID]));
    });

    it('defaults to 3 attempts', async () => {
      const { fetch, calls } = fakeFetch(json(429, '{}', { 'Retry-After': '0' }));
      const { pds } = client(fetch);
      expect(await failure(pds.retrievePatient(NHS_NUMBER, CONTEXT))).toBeInstanceOf(PdsUnavailableError);
      expect(calls).toHaveLength(3);
    });
  });

  describe('the deadline of one retrieval', () => {
    it('does not start a retry that could not finish in time, so the lookup can still audit the failure', async () => {
      let clock = 0;
      // Each attempt takes 2.5 s (a slow PDS) before answering 503, then 429s.
      const slow = (response: () => Response) => () => {
        clock += 2_500;
        return response();
      };
      const { fetch, calls } = fakeFetch(
        slow(json(503, '{}')),
        slow(json(429, '{}', { 'Retry-After': '1' })),
        slow(json(429, '{}', { 'Retry-After': '1' })),
      );
      const { pds } = client(fetch, {
        now: () => clock,
        deadlineMs: 9_000,
        timeoutMs: 3_000,
        maxAttempts: 5,
      });
      await expect(pds.retrievePatient(NHS_NUMBER, CONTEXT)).rejects.toThrow(/no time is left to retry/);
      // 503 at 2.5 s: retry. 429 at 5 s: wait 1 s, the next attempt can end by 9 s. 429 at 7.5 s: a 1 s wait
      // and a 3 s attempt would end after 9 s, so no fourth request.
      expect(calls).toHaveLength(3);
    });

    it('retries freely while time allows', async () => {
      const { fetch, calls } = fakeFetch(json(503, '{}'), json(200, PATIENT));
      const { pds } = client(fetch, { now: () => 0, deadlineMs: 9_000 });
      expect(await pds.retrievePatient(NHS_NUMBER, CONTEXT)).toMatchObject({ status: 'found' });
      expect(calls).toHaveLength(2);
    });
  });

  describe('5xx, timeouts and network errors', () => {
    it('retries a 5xx once after a small backoff, with the same X-Request-ID', async () => {
      const { fetch, calls } = fakeFetch(json(503, '{}'), json(200, PATIENT));
      const { pds, sleeps } = client(fetch);

      expect(await pds.retrievePatient(NHS_NUMBER, CONTEXT)).toMatchObject({ status: 'found' });
      expect(calls.map((call) => call.headers.get('x-request-id'))).toEqual([REQUEST_ID, REQUEST_ID]);
      expect(sleeps).toHaveLength(1);
      expect(sleeps[0]).toBeGreaterThanOrEqual(100);
      expect(sleeps[0]).toBeLessThan(200);
    });

    it('throws PdsUnavailableError when the retry fails too', async () => {
      const { fetch, calls } = fakeFetch(json(500, '{}'), json(502, '{}'), json(200, PATIENT));
      const { pds } = client(fetch);
      const error = await failure(pds.retrievePatient(NHS_NUMBER, CONTEXT));
      expect(error).toBeInstanceOf(PdsUnavailableError);
      expect((error as Error).message).toContain('502');
      expectNoPhi(error);
      expect(calls).toHaveLength(2);
    });

    it('times out a request that never answers (AbortSignal.timeout) and reports unavailable', async () => {
      const hang: Responder = (call) =>
        new Promise<Response>((_resolve, reject) => {
          const signal = call.init.signal as AbortSignal;
          signal.addEventListener('abort', () => reject(signal.reason));
        });
      const { fetch, calls } = fakeFetch(hang);
      const { pds } = client(fetch, { timeoutMs: 10 });

      const error = await failure(pds.retrievePatient(NHS_NUMBER, CONTEXT));
      expect(error).toBeInstanceOf(PdsUnavailableError);
      expect((error as Error).message).toContain('did not answer within 10 ms');
      expect((error as Error).cause).toEqual({ name: 'TimeoutError' });
      expect(calls).toHaveLength(2);
    });

    it('reports a network error as unavailable without quoting the URL', async () => {
      const { fetch, calls } = fakeFetch(() => {
        throw new TypeError(`fetch failed for ${BASE}/Patient/${NHS_NUMBER}`, {
          cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
        });
      });
      const { pds } = client(fetch);
      const error = await failure(pds.retrievePatient(NHS_NUMBER, CONTEXT));
      expect(error).toBeInstanceOf(PdsUnavailableError);
      expect((error as Error).cause).toEqual({ name: 'TypeError', code: 'ECONNREFUSED' });
      expectNoPhi(error);
      expect(calls).toHaveLength(2);
    });

    it('retries once when the token endpoint is unavailable', async () => {
      const { fetch } = fakeFetch(json(200, PATIENT));
      let calls = 0;
      const auth: PdsAuth = {
        async accessToken() {
          calls++;
          if (calls === 1) throw new PdsUnavailableError('token endpoint down');
          return 'token';
        },
        invalidate() {},
      };
      const { pds } = client(fetch, { auth });
      expect(await pds.retrievePatient(NHS_NUMBER, CONTEXT)).toMatchObject({ status: 'found' });
      expect(calls).toBe(2);
    });
  });

  describe('401 and 403', () => {
    it('on 401 drops the token, gets a new one and retries once', async () => {
      const { fetch, calls } = fakeFetch(json(401, fixture('errors/ACCESS_DENIED.json')), json(200, PATIENT));
      const { pds, auth } = client(fetch);

      expect(await pds.retrievePatient(NHS_NUMBER, CONTEXT)).toMatchObject({ status: 'found' });
      expect(auth.invalidations).toBe(1);
      expect(calls.map((call) => call.headers.get('authorization'))).toEqual([
        'Bearer token-1',
        'Bearer token-2',
      ]);
      expect(calls.map((call) => call.headers.get('x-request-id'))).toEqual([REQUEST_ID, REQUEST_ID]);
    });

    it('throws PdsAccessError when the new token is refused too', async () => {
      const { fetch, calls } = fakeFetch(json(401, fixture('errors/ACCESS_DENIED.json')));
      const { pds, auth } = client(fetch);
      const error = await failure(pds.retrievePatient(NHS_NUMBER, CONTEXT));
      expect(error).toBeInstanceOf(PdsAccessError);
      expectNoPhi(error);
      expect(calls).toHaveLength(2);
      expect(auth.invalidations).toBe(1);
    });

    it('throws PdsAccessError on 403 without retrying', async () => {
      const { fetch, calls } = fakeFetch(json(403, fixture('errors/ACCESS_DENIED.json')));
      const { pds, auth } = client(fetch);
      const error = await failure(pds.retrievePatient(NHS_NUMBER, CONTEXT));
      expect(error).toBeInstanceOf(PdsAccessError);
      expect((error as Error).message).toContain('403 ACCESS_DENIED');
      expect(calls).toHaveLength(1);
      expect(auth.invalidations).toBe(0);
    });
  });
});

describe('SignedJwtAuth', () => {
  let credentials: PdsCredentials;
  let publicKey: CryptoKey;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS512', { extractable: true });
    publicKey = pair.publicKey;
    credentials = {
      apiKey: 'test-api-key',
      privateKeyPem: await exportPKCS8(pair.privateKey),
      kid: 'test-kid-1',
    };
  });

  const tokenResponse =
    (token: string, expiresIn: string | number = '599') =>
    () =>
      new Response(JSON.stringify({ access_token: token, expires_in: expiresIn, token_type: 'Bearer' }), {
        status: 200,
        headers: { 'Content-Type': 'application/json' },
      });

  function auth(fetch: typeof globalThis.fetch, now: () => number = Date.now) {
    let credentialReads = 0;
    const instance = new SignedJwtAuth({
      tokenUrl: TOKEN_URL,
      credentials: async () => {
        credentialReads++;
        return credentials;
      },
      fetch,
      now,
    });
    return { instance, reads: () => credentialReads };
  }

  it('posts a client-credentials form with an RS512 client assertion the platform can verify', async () => {
    const { fetch, calls } = fakeFetch(tokenResponse('access-1'));
    const nowMs = Date.now();
    const { instance } = auth(fetch, () => nowMs);

    expect(await instance.accessToken()).toBe('access-1');

    const [call] = calls as [Call];
    expect(call.url).toBe(TOKEN_URL);
    expect(call.init.method).toBe('POST');
    expect(call.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    const form = new URLSearchParams(String(call.init.body));
    expect(form.get('grant_type')).toBe('client_credentials');
    expect(form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');

    const { payload, protectedHeader } = await jwtVerify(form.get('client_assertion') as string, publicKey, {
      algorithms: ['RS512'],
      audience: TOKEN_URL,
      issuer: 'test-api-key',
      subject: 'test-api-key',
      currentDate: new Date(nowMs),
    });
    expect(protectedHeader).toEqual({ alg: 'RS512', typ: 'JWT', kid: 'test-kid-1' });
    expect(payload.jti).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/u);
    const nowSeconds = Math.floor(nowMs / 1000);
    expect(payload.exp).toBeGreaterThan(nowSeconds);
    expect(payload.exp).toBeLessThanOrEqual(nowSeconds + 300);
  });

  it('uses a fresh jti for every assertion', async () => {
    const { fetch, calls } = fakeFetch(tokenResponse('a'));
    const { instance } = auth(fetch);
    await instance.accessToken();
    instance.invalidate();
    await instance.accessToken();
    const jtis = await Promise.all(
      calls.map(async (call) => {
        const assertion = new URLSearchParams(String(call.init.body)).get('client_assertion') as string;
        return (await jwtVerify(assertion, publicKey)).payload.jti;
      }),
    );
    expect(jtis).toHaveLength(2);
    expect(jtis[0]).not.toBe(jtis[1]);
  });

  it('caches the token until shortly before expires_in runs out, then fetches a new one', async () => {
    const { fetch, calls } = fakeFetch(tokenResponse('access-1'), tokenResponse('access-2'));
    let now = 1_700_000_000_000;
    const { instance } = auth(fetch, () => now);

    expect(await instance.accessToken()).toBe('access-1');
    now += 500_000; // 500 s of 599: still well inside
    expect(await instance.accessToken()).toBe('access-1');
    expect(calls).toHaveLength(1);

    now += 99_000; // 599 s: expired
    expect(await instance.accessToken()).toBe('access-2');
    expect(calls).toHaveLength(2);
  });

  it('refreshes before the token actually expires, not at the last moment', async () => {
    const { fetch, calls } = fakeFetch(tokenResponse('access-1'), tokenResponse('access-2'));
    let now = 1_700_000_000_000;
    const { instance } = auth(fetch, () => now);
    await instance.accessToken();
    now += 590_000; // 9 s before expiry: too close to use
    expect(await instance.accessToken()).toBe('access-2');
    expect(calls).toHaveLength(2);
  });

  it('accepts expires_in as a number too', async () => {
    const { fetch } = fakeFetch(tokenResponse('access-1', 599));
    expect(await auth(fetch).instance.accessToken()).toBe('access-1');
  });

  it('shares one token request between concurrent callers', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { fetch, calls } = fakeFetch(async () => {
      await gate;
      return tokenResponse('shared')();
    });
    const { instance, reads } = auth(fetch);

    const pending = Promise.all([instance.accessToken(), instance.accessToken(), instance.accessToken()]);
    release();
    expect(await pending).toEqual(['shared', 'shared', 'shared']);
    expect(calls).toHaveLength(1);
    expect(reads()).toBe(1);
  });

  it('invalidate() forces a new token', async () => {
    const { fetch, calls } = fakeFetch(tokenResponse('access-1'), tokenResponse('access-2'));
    const { instance } = auth(fetch);
    expect(await instance.accessToken()).toBe('access-1');
    instance.invalidate();
    expect(await instance.accessToken()).toBe('access-2');
    expect(calls).toHaveLength(2);
  });

  it('tries again after a failed token request instead of caching the failure', async () => {
    const { fetch, calls } = fakeFetch(json(503, '{}'), tokenResponse('access-1'));
    const { instance } = auth(fetch);
    expect(await failure(instance.accessToken())).toBeInstanceOf(PdsUnavailableError);
    expect(await instance.accessToken()).toBe('access-1');
    expect(calls).toHaveLength(2);
  });

  it.each([400, 401, 403])(
    'maps %i from the token endpoint to PdsAccessError with the platform reason',
    async (status) => {
      const body = JSON.stringify({
        error: 'public_key error',
        error_description: 'JWT signature verification failed',
        message_id: 'rrt-1',
      });
      const { fetch } = fakeFetch(() => new Response(body, { status }));
      const error = await failure(auth(fetch).instance.accessToken());
      expect(error).toBeInstanceOf(PdsAccessError);
      expect((error as Error).message).toContain(
        `${status}: public_key error – JWT signature verification failed`,
      );
    },
  );

  it('maps a 200 without a usable token to PdsUnavailableError', async () => {
    const { fetch } = fakeFetch(
      () => new Response('{"access_token":"x","expires_in":"soon"}', { status: 200 }),
    );
    expect(await failure(auth(fetch).instance.accessToken())).toBeInstanceOf(PdsUnavailableError);
  });

  it('reports an unreadable private key without quoting it', async () => {
    const { fetch, calls } = fakeFetch(tokenResponse('never'));
    const instance = new SignedJwtAuth({
      tokenUrl: TOKEN_URL,
      credentials: async () => ({ ...credentials, privateKeyPem: 'not-a-key-SECRETSECRET' }),
      fetch,
    });
    const error = await failure(instance.accessToken());
    expect(error).toBeInstanceOf(PdsAccessError);
    expect((error as Error).message).not.toContain('SECRETSECRET');
    expect(calls).toHaveLength(0);
  });

  it('works end to end with PdsClient: a 401 re-tokens through the token endpoint', async () => {
    const tokens = ['access-1', 'access-2'];
    const { fetch, calls } = fakeFetch((call) => {
      if (call.url === TOKEN_URL) return tokenResponse(tokens.shift() as string)();
      return call.headers.get('authorization') === 'Bearer access-2'
        ? json(200, PATIENT)()
        : json(401, fixture('errors/ACCESS_DENIED.json'))();
    });
    const pds = new PdsClient({ baseUrl: BASE, auth: auth(fetch).instance, fetch, sleep: async () => {} });

    expect(await pds.retrievePatient(NHS_NUMBER, CONTEXT)).toMatchObject({ status: 'found' });
    expect(
      calls.map((call) => (call.url === TOKEN_URL ? 'token' : call.headers.get('authorization'))),
    ).toEqual(['token', 'Bearer access-1', 'token', 'Bearer access-2']);
  });
});
