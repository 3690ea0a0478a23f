import { createPrivateKey, randomUUID } from 'node:crypto';
import { copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportPKCS8, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type LocalPdsCredentials,
  loadOrCreateLocalPdsCredentials,
} from '../../../infra/local/pds/local-pds-credentials';
import { type PdsServer, startPdsServer } from '../../../infra/local/pds/pds-server';
import { type PdsCredentials, SignedJwtAuth } from '../../../layers/pds/pds-auth';
import {
  PdsAccessError,
  PdsClient,
  PdsRequestError,
  PdsUnavailableError,
} from '../../../layers/pds/pds-client';
import { nhsCheckDigit } from '../../../layers/universal/nhs-number';
import { PDS_FIXTURES } from '../../support/fixtures';

/**
 * The real PdsClient + SignedJwtAuth against the real local PDS over HTTP: the same code that talks to NHS
 * England's PDS, with only the base URL and the credentials changed.
 */

const FIXTURES = PDS_FIXTURES;
const CONTEXT = { correlationId: 'itest-correlation', odsCode: 'A12345' };

let dataDir: string;
let local: LocalPdsCredentials;
let server: PdsServer;

const fixtureJson = async (path: string) =>
  JSON.parse(await readFile(join(FIXTURES, path), 'utf8')) as unknown;

function clientFor(target: PdsServer, credentials: PdsCredentials = local.credentials) {
  const auth = new SignedJwtAuth({ tokenUrl: target.tokenUrl, credentials: async () => credentials });
  return new PdsClient({ baseUrl: target.url, auth });
}

/** A valid NHS number (modulus 11) that starts with `prefix` (nine digits). */
function validNumber(prefix: string): string {
  const check = nhsCheckDigit(prefix);
  if (check === undefined) throw new Error('pick another prefix');
  return `${prefix}${check}`;
}

async function accessToken(target: PdsServer): Promise<string> {
  return new SignedJwtAuth({
    tokenUrl: target.tokenUrl,
    credentials: async () => local.credentials,
  }).accessToken();
}

async function assertion(claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
  const key = createPrivateKey(local.credentials.privateKeyPem);
  const nowS = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: local.credentials.apiKey,
    sub: local.credentials.apiKey,
    aud: server.tokenUrl,
    jti: randomUUID(),
    exp: nowS + 120,
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS512', typ: 'JWT', kid: local.credentials.kid, ...header })
    .sign(key);
}

async function postToken(form: Record<string, string>) {
  const response = await fetch(server.tokenUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function rawGet(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const tokenForm = (clientAssertion: string) => ({
  grant_type: 'client_credentials',
  client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
  client_assertion: clientAssertion,
});

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'pds-itest-'));
  local = await loadOrCreateLocalPdsCredentials(dataDir);
  server = await startPdsServer({
    patientsDir: join(FIXTURES, 'patients'),
    clients: [{ apiKey: local.credentials.apiKey, publicJwk: local.publicJwk, kid: local.credentials.kid }],
  });
});

afterAll(async () => {
  await server?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

beforeEach(() => {
  server.requests.length = 0;
});

describe('local PDS credentials', () => {
  it('are generated once, 0600, in the PdsCredentials shape, and reused', async () => {
    expect((await stat(local.file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dataDir, 'pds'))).mode & 0o777).toBe(0o700);
    expect(Object.keys(JSON.parse(await readFile(local.file, 'utf8'))).sort()).toEqual([
      'apiKey',
      'kid',
      'privateKeyPem',
    ]);
    expect(local.publicJwk).toMatchObject({ kty: 'RSA', kid: local.credentials.kid, alg: 'RS512' });
    expect(local.publicJwk).not.toHaveProperty('d');

    const again = await loadOrCreateLocalPdsCredentials(dataDir);
    expect(again.credentials).toEqual(local.credentials);
    expect(again.publicJwk).toEqual(local.publicJwk);
  });
});

describe('PdsClient + SignedJwtAuth against the local PDS', () => {
  it('finds every Patient in the fixtures, body as is', async () => {
    const pds = clientFor(server);
    const files = (await readdir(join(FIXTURES, 'patients'))).filter((name) => name.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const name of files) {
      const resource = await fixtureJson(`patients/${name}`);
      expect((resource as { resourceType: string }).resourceType).toBe('Patient');
      const result = await pds.retrievePatient(name.replace('.json', ''), CONTEXT);
      expect(result).toEqual({ status: 'found', resource });
    }
    // One token for all of them.
    expect(server.requests.filter((request) => request.path === '/oauth2/token')).toHaveLength(1);
  });

  it('says not-found for a valid number PDS does not know (9111231130)', async () => {
    expect(await clientFor(server).retrievePatient('9111231130', CONTEXT)).toEqual({ status: 'not-found' });
  });

  it('says invalidated for an OperationOutcome file, and reads files as they change', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pds-patients-'));
    const other = await startPdsServer({
      patientsDir: dir,
      clients: [{ apiKey: local.credentials.apiKey, publicJwk: local.publicJwk, kid: local.credentials.kid }],
    });
    try {
      const pds = clientFor(other);
      const invalidated = validNumber('999000123');
      await copyFile(join(FIXTURES, 'errors/INVALIDATED_RESOURCE.json'), join(dir, `${invalidated}.json`));
      expect(await pds.retrievePatient(invalidated, CONTEXT)).toEqual({ status: 'invalidated' });

      const added = validNumber('999000124');
      expect(await pds.retrievePatient(added, CONTEXT)).toEqual({ status: 'not-found' });
      const patient = { resourceType: 'Patient', id: added, meta: { versionId: '1' } };
      await writeFile(join(dir, `${added}.json`), JSON.stringify(patient));
      expect(await pds.retrievePatient(added, CONTEXT)).toEqual({ status: 'found', resource: patient });
    } finally {
      await other.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('sends the PDS headers: one X-Request-ID (a UUID), the correlation id and the ODS code', async () => {
    await clientFor(server).retrievePatient('9000000009', CONTEXT);
    const patientRequests = server.requests.filter((request) => request.path.includes('/Patient/'));
    expect(patientRequests).toHaveLength(1);
    const headers = patientRequests[0]?.headers ?? {};
    expect(headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/u);
    expect(headers['x-correlation-id']).toBe('itest-correlation');
    expect(headers['nhsd-end-user-organisation-ods']).toBe('A12345');
    expect(headers.accept).toBe('application/fhir+json');
    expect(headers.authorization).toMatch(/^Bearer \S+$/u);
  });

  it('gives PdsAccessError when the assertion is signed with the wrong key', async () => {
    const wrong = await generateKeyPair('RS512', { extractable: true });
    const pds = clientFor(server, {
      ...local.credentials,
      privateKeyPem: await exportPKCS8(wrong.privateKey),
    });
    const error = await pds.retrievePatient('9000000009', CONTEXT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PdsAccessError);
    expect((error as Error).message).toContain('401: public_key error – JWT signature verification failed');
    expect(server.requests.filter((request) => request.path.includes('/Patient/'))).toHaveLength(0);
  });

  it('gives PdsAccessError for an unknown API key', async () => {
    const pds = clientFor(server, { ...local.credentials, apiKey: 'not-registered' });
    const error = await pds.retrievePatient('9000000009', CONTEXT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PdsAccessError);
    expect((error as Error).message).toContain("Invalid 'iss'/'sub' claims");
  });

  it('retries one 503 with the same X-Request-ID and finds the patient', async () => {
    server.failNext(503);
    expect(await clientFor(server).retrievePatient('9000000009', CONTEXT)).toMatchObject({ status: 'found' });
    const ids = server.requests
      .filter((r) => r.path.includes('/Patient/'))
      .map((r) => r.headers['x-request-id']);
    expect(ids).toHaveLength(2);
    expect(ids[1]).toBe(ids[0]);
  });

  it('gives PdsUnavailableError when PDS keeps answering 503', async () => {
    server.failNext(503, 2);
    const error = await clientFor(server)
      .retrievePatient('9000000009', CONTEXT)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PdsUnavailableError);
    expect((error as Error).message).not.toContain('9000000009');
  });

  it('waits out a 429 with Retry-After: 0 and then finds the patient, same X-Request-ID', async () => {
    server.failNext(429, 1, { 'Retry-After': '0' });
    const result = await clientFor(server).retrievePatient('9000000009', CONTEXT);
    expect(result).toEqual({ status: 'found', resource: await fixtureJson('patients/9000000009.json') });
    const ids = server.requests
      .filter((r) => r.path.includes('/Patient/'))
      .map((r) => r.headers['x-request-id']);
    expect(ids).toHaveLength(2);
    expect(ids[1]).toBe(ids[0]);
  });

  it('gives PdsRequestError for a number PDS rejects', async () => {
    const error = await clientFor(server)
      .retrievePatient('9000000000', CONTEXT)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PdsRequestError);
    expect((error as Error).message).toContain('400 INVALID_RESOURCE_ID');
  });
});

describe('the local PDS over raw HTTP', () => {
  let token: string;
  beforeAll(async () => {
    token = await accessToken(server);
  });

  const get = (id: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/Patient/${id}`, {
      headers: { Authorization: `Bearer ${token}`, 'X-Request-ID': randomUUID(), ...headers },
    });

  it('answers 400 INVALID_RESOURCE_ID for 9000000000 (fails modulus 11), body as in the NHS sandbox', async () => {
    const response = await get('9000000000');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/fhir+json');
    expect(await response.json()).toEqual(await fixtureJson('errors/INVALID_RESOURCE_ID.json'));
  });

  it('answers 404 RESOURCE_NOT_FOUND for an unknown number', async () => {
    const response = await get('9111231130');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual(await fixtureJson('errors/RESOURCE_NOT_FOUND.json'));
  });

  it('echoes X-Request-ID and X-Correlation-ID', async () => {
    const requestId = randomUUID();
    const response = await get('9000000009', { 'X-Request-ID': requestId, 'X-Correlation-ID': 'corr-echo' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe(requestId);
    expect(response.headers.get('x-correlation-id')).toBe('corr-echo');
    expect(response.headers.get('content-type')).toBe('application/fhir+json');
    expect(response.headers.get('etag')).toBe('W/"2"');
    expect(await response.text()).toBe(await readFile(join(FIXTURES, 'patients/9000000009.json'), 'utf8'));
  });

  it('answers 400 INVALID_VALUE when X-Request-ID is not a UUID', async () => {
    const response = await get('9000000009', { 'X-Request-ID': 'not-a-uuid' });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-request-id')).toBe('not-a-uuid');
    expect(await response.json()).toEqual(await fixtureJson('errors/INVALID_VALUE.json'));
  });

  it('answers 401 ACCESS_DENIED without a valid bearer token', async () => {
    for (const authorization of ['', 'Bearer made-up-token', `Basic ${token}`]) {
      const response = await get('9000000009', { Authorization: authorization });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual(await fixtureJson('errors/ACCESS_DENIED.json'));
    }
  });

  it('rejects path traversal and non-digit ids as INVALID_RESOURCE_ID', async () => {
    for (const id of ['..%2F..%2Fetc%2Fpasswd', '900000000a', '90000000090']) {
      const response = await get(id);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual(await fixtureJson('errors/INVALID_RESOURCE_ID.json'));
    }
    // fetch would resolve the dot segments itself; node:http sends the path exactly as written.
    const raw = await rawGet(`${new URL(server.url).pathname}/Patient/../../../../../etc/passwd`, {
      authorization: `Bearer ${token}`,
      'x-request-id': randomUUID(),
    });
    expect(raw.status).toBe(400);
    expect(JSON.parse(raw.body)).toEqual(await fixtureJson('errors/INVALID_RESOURCE_ID.json'));
  });

  it('answers failNext statuses with their headers, then recovers', async () => {
    server.failNext(429, 1, { 'Retry-After': '3' });
    const throttled = await get('9000000009');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('3');
    expect((await get('9000000009')).status).toBe(200);
  });
});

describe('the local token endpoint', () => {
  it('issues an opaque bearer token for a good assertion, as the platform does', async () => {
    const { status, body } = await postToken(tokenForm(await assertion({})));
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(body.expires_in).toBe('599');
    expect(body.token_type).toBe('Bearer');
    expect(String(body.access_token).split('.')).toHaveLength(1);
  });

  it('refuses a reused jti', async () => {
    const jti = randomUUID();
    expect((await postToken(tokenForm(await assertion({ jti })))).status).toBe(200);
    const { status, body } = await postToken(tokenForm(await assertion({ jti })));
    expect(status).toBe(400);
    expect(body).toMatchObject({
      error: 'invalid_request',
      error_description: "Non-unique 'jti' claim in client_assertion JWT",
    });
  });

  it.each([
    [
      { aud: 'https://api.service.nhs.uk/oauth2/token' },
      {},
      401,
      "Missing or invalid 'aud' claim in client_assertion JWT",
    ],
    [
      { exp: Math.floor(Date.now() / 1000) - 5 },
      {},
      400,
      "Invalid 'exp' claim in client_assertion JWT - JWT has expired",
    ],
    [
      { exp: Math.floor(Date.now() / 1000) + 600 },
      {},
      400,
      "Invalid 'exp' claim in client_assertion JWT - more than 5 minutes in future",
    ],
    [{ sub: 'someone-else' }, {}, 400, "Missing or non-matching 'iss'/'sub' claims in client_assertion JWT"],
    [
      {},
      { kid: 'unknown-kid' },
      401,
      "Invalid 'kid' header in client_assertion JWT - no matching public key",
    ],
    [{}, { typ: 'at+jwt' }, 400, "Invalid 'typ' header in client_assertion JWT - must be 'JWT'"],
  ])('refuses %o %o with %i', async (claims, header, expectedStatus, description) => {
    const { status, body } = await postToken(tokenForm(await assertion(claims, header)));
    expect(status).toBe(expectedStatus);
    expect(body).toMatchObject({ error: 'invalid_request', error_description: description });
  });

  it('checks the form as the platform does', async () => {
    const good = await assertion({});
    expect(await postToken({ ...tokenForm(good), grant_type: 'authorization_code' })).toMatchObject({
      status: 400,
      body: { error: 'unsupported_grant_type', error_description: 'grant_type is invalid' },
    });
    expect(await postToken({ ...tokenForm(good), client_assertion_type: 'x' })).toMatchObject({
      status: 400,
    });
    expect(await postToken({ ...tokenForm('not.a.jwt') })).toMatchObject({
      status: 400,
      body: { error_description: 'Malformed JWT in client_assertion' },
    });
  });
});
