import { randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compactVerify, decodeJwt, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { isValidNhsNumber } from '../../../layers/universal/nhs-number';

/**
 * A local stand-in for PDS on the NHS England API platform, speaking the same HTTP API, so that the real
 * `PdsClient` + `SignedJwtAuth` run against it unchanged:
 *
 * - `POST /oauth2/token`: client credentials with a signed JWT client assertion (RS512), checked as the
 *   platform checks it (signature against the registered public key for the kid, iss = sub = API key,
 *   aud = this token URL, exp in the future and at most 5 minutes ahead, jti not reused). Issues an opaque
 *   access token, `expires_in: "599"`. Errors are the platform's: 400/401/403 `{error, error_description,
 *   message_id}` with its wording.
 * - `GET /personal-demographics/FHIR/R4/Patient/{id}`: bearer token required (401 ACCESS_DENIED), X-Request-ID
 *   must be a UUID (400 INVALID_VALUE), X-Request-ID and X-Correlation-ID echoed, invalid NHS number → 400
 *   INVALID_RESOURCE_ID, unknown → 404 RESOURCE_NOT_FOUND, else `<patientsDir>/<id>.json`: a Patient is
 *   served 200 as is, an OperationOutcome (e.g. INVALIDATED_RESOURCE) as 404 with that body. Files are read
 *   on every request, so the directory can be edited while the server runs.
 *
 * The OperationOutcome bodies are NHS England's own sandbox responses (./errors, MIT, see ./errors/LICENSE).
 * `failNext` makes the next Patient requests fail (503, 429 + Retry-After, ...) for tests and demonstrations.
 */

export interface PdsClientRegistration {
  /** The application's API key: the `iss`/`sub` of its client assertions. */
  apiKey: string;
  /** The public key its assertions are verified with. */
  publicJwk: JWK;
  kid: string;
}

export interface PdsServerOptions {
  patientsDir: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  clients: PdsClientRegistration[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

export interface PdsServer {
  /** The FHIR base URL, `http://host:port/personal-demographics/FHIR/R4`. */
  url: string;
  /** `http://host:port/oauth2/token`: also the `aud` client assertions must carry. */
  tokenUrl: string;
  /** The next `count` (default 1) Patient requests answer `status`, with `headers` (e.g. Retry-After). */
  failNext(status: number, count?: number, headers?: Record<string, string>): void;
  /** The most recent requests (oldest first, at most 200), for tests. */
  requests: RecordedRequest[];
  stop(): Promise<void>;
}

const BASE_PATH = '/personal-demographics/FHIR/R4';
const PATIENT_PREFIX = `${BASE_PATH}/Patient/`;
const TOKEN_PATH = '/oauth2/token';
const ERRORS_DIR = fileURLToPath(new URL('./errors/', import.meta.url));
const ERROR_CODES = [
  'ACCESS_DENIED',
  'INVALIDATED_RESOURCE',
  'INVALID_RESOURCE_ID',
  'INVALID_VALUE',
  'RESOURCE_NOT_FOUND',
] as const;
type ErrorCode = (typeof ERROR_CODES)[number];

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const ACCESS_TOKEN_LIFETIME_S = 599;
/** The platform allows exp up to 5 minutes ahead, plus 10 seconds for clock differences. */
const MAX_ASSERTION_AHEAD_S = 310;
const MAX_FORM_BYTES = 64 * 1024;
const MAX_RECORDED = 200;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/iu;
const FHIR_JSON = 'application/fhir+json';

interface Failure {
  status: number;
  headers: Record<string, string>;
}

class TokenError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
  ) {
    super(description);
  }
}

const invalidRequest = (status: number, description: string) =>
  new TokenError(status, 'invalid_request', description);

export async function startPdsServer(options: PdsServerOptions): Promise<PdsServer> {
  const errorBodies = new Map<ErrorCode, Buffer>();
  for (const code of ERROR_CODES) errorBodies.set(code, await readFile(join(ERRORS_DIR, `${code}.json`)));
  const errorBody = (code: ErrorCode) => errorBodies.get(code) as Buffer;

  const clients = new Map<string, { kid: string; key: Awaited<ReturnType<typeof importJWK>> }>();
  for (const client of options.clients) {
    clients.set(client.apiKey, { kid: client.kid, key: await importJWK(client.publicJwk, 'RS512') });
  }

  const accessTokens = new Map<string, { apiKey: string; expiresAt: number }>();
  const usedJtis = new Map<string, number>();
  const failures: Failure[] = [];
  const requests: RecordedRequest[] = [];
  let tokenUrl = '';

  function forgetExpired(now: number) {
    for (const [token, entry] of accessTokens) if (entry.expiresAt <= now) accessTokens.delete(token);
    for (const [jti, exp] of usedJtis) if (exp * 1000 <= now) usedJtis.delete(jti);
  }

  async function issueToken(form: URLSearchParams): Promise<Record<string, string>> {
    const grantType = form.get('grant_type');
    if (!grantType) throw invalidRequest(400, 'grant_type is missing');
    if (grantType !== 'client_credentials')
      throw new TokenError(400, 'unsupported_grant_type', 'grant_type is invalid');
    if (form.get('client_assertion_type') !== JWT_BEARER) {
      throw invalidRequest(400, `Missing or invalid client_assertion_type - must be '${JWT_BEARER}'`);
    }
    const assertion = form.get('client_assertion');
    if (!assertion) throw invalidRequest(400, 'Missing client_assertion');

    let header: ReturnType<typeof decodeProtectedHeader>;
    let claims: ReturnType<typeof decodeJwt>;
    try {
      header = decodeProtectedHeader(assertion);
      claims = decodeJwt(assertion);
    } catch {
      throw invalidRequest(400, 'Malformed JWT in client_assertion');
    }

    if (!header.alg) throw invalidRequest(400, "Missing 'alg' header in client_assertion JWT");
    if (header.alg !== 'RS512') {
      throw invalidRequest(
        400,
        "Invalid 'alg' header in client_assertion JWT - unsupported JWT algorithm - must be 'RS512'",
      );
    }
    if (!header.kid) throw invalidRequest(400, "Missing 'kid' header in client_assertion JWT");
    if (typeof header.typ !== 'string' || header.typ.toLowerCase() !== 'jwt') {
      throw invalidRequest(400, "Invalid 'typ' header in client_assertion JWT - must be 'JWT'");
    }

    const now = Date.now();
    const exp = claims.exp as unknown;
    if (exp === undefined) throw invalidRequest(400, "Missing 'exp' claim in client_assertion JWT");
    if (typeof exp !== 'number' || !Number.isInteger(exp)) {
      throw invalidRequest(400, "Invalid 'exp' claim in client_assertion JWT - must be an integer");
    }
    if (exp * 1000 <= now)
      throw invalidRequest(400, "Invalid 'exp' claim in client_assertion JWT - JWT has expired");
    if (exp - now / 1000 > MAX_ASSERTION_AHEAD_S) {
      throw invalidRequest(
        400,
        "Invalid 'exp' claim in client_assertion JWT - more than 5 minutes in future",
      );
    }

    const { iss, sub } = claims;
    if (!iss || iss !== sub) {
      throw invalidRequest(400, "Missing or non-matching 'iss'/'sub' claims in client_assertion JWT");
    }
    const jti = claims.jti as unknown;
    if (jti === undefined || jti === '')
      throw invalidRequest(400, "Missing 'jti' claim in client_assertion JWT");
    if (typeof jti !== 'string') {
      throw invalidRequest(
        400,
        "Invalid 'jti' claim in client_assertion JWT - must be a unique string value such as a GUID",
      );
    }

    const client = clients.get(iss);
    if (!client) throw invalidRequest(401, "Invalid 'iss'/'sub' claims in client_assertion JWT");
    if (client.kid !== header.kid) {
      throw invalidRequest(401, "Invalid 'kid' header in client_assertion JWT - no matching public key");
    }
    try {
      await compactVerify(assertion, client.key, { algorithms: ['RS512'] });
    } catch {
      throw new TokenError(401, 'public_key error', 'JWT signature verification failed');
    }

    const aud = claims.aud;
    const audiences = Array.isArray(aud) ? aud : aud === undefined ? [] : [aud];
    if (!audiences.includes(tokenUrl)) {
      throw invalidRequest(401, "Missing or invalid 'aud' claim in client_assertion JWT");
    }

    forgetExpired(now);
    if (usedJtis.has(jti)) throw invalidRequest(400, "Non-unique 'jti' claim in client_assertion JWT");
    usedJtis.set(jti, exp);

    const accessToken = randomBytes(21).toString('base64url');
    accessTokens.set(accessToken, { apiKey: iss, expiresAt: now + ACCESS_TOKEN_LIFETIME_S * 1000 });
    return { access_token: accessToken, expires_in: String(ACCESS_TOKEN_LIFETIME_S), token_type: 'Bearer' };
  }

  async function handleToken(req: IncomingMessage, res: ServerResponse) {
    let result: Record<string, string>;
    try {
      if (req.method !== 'POST') throw invalidRequest(400, 'The token endpoint only accepts POST');
      result = await issueToken(new URLSearchParams(await readBody(req)));
    } catch (error) {
      if (!(error instanceof TokenError)) throw error;
      sendJson(res, error.status, {
        error: error.error,
        error_description: error.message,
        message_id: `local-${randomUUID()}`,
      });
      return;
    }
    sendJson(res, 200, result);
  }

  function bearerIsValid(req: IncomingMessage): boolean {
    const match = /^Bearer (\S+)$/u.exec(req.headers.authorization ?? '');
    const entry = match?.[1] ? accessTokens.get(match[1]) : undefined;
    return entry !== undefined && entry.expiresAt > Date.now();
  }

  async function handlePatient(req: IncomingMessage, res: ServerResponse, id: string) {
    const echo: Record<string, string> = {};
    const requestId = headerValue(req, 'x-request-id');
    const correlationId = headerValue(req, 'x-correlation-id');
    if (requestId !== undefined) echo['X-Request-ID'] = requestId;
    if (correlationId !== undefined) echo['X-Correlation-ID'] = correlationId;
    const send = (status: number, body: Buffer, extra: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': FHIR_JSON, ...echo, ...extra });
      res.end(body);
    };

    if (req.method !== 'GET') {
      res.writeHead(405, { Allow: 'GET', ...echo });
      res.end();
      return;
    }
    const failure = failures.shift();
    if (failure) {
      send(failure.status, simulatedFailureBody(failure.status), failure.headers);
      return;
    }
    if (!bearerIsValid(req)) return send(401, errorBody('ACCESS_DENIED'));
    if (requestId === undefined || !UUID.test(requestId)) return send(400, errorBody('INVALID_VALUE'));
    // Ten digits before anything touches the file system: no traversal, no odd names.
    if (!/^\d{10}$/u.test(id) || !isValidNhsNumber(id)) return send(400, errorBody('INVALID_RESOURCE_ID'));

    let file: Buffer;
    try {
      file = await readFile(join(options.patientsDir, `${id}.json`));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return send(404, errorBody('RESOURCE_NOT_FOUND'));
      throw error;
    }
    let resource: { resourceType?: unknown; meta?: { versionId?: unknown } } | undefined;
    try {
      resource = JSON.parse(file.toString('utf8')) as typeof resource;
    } catch {
      resource = undefined;
    }
    if (resource?.resourceType === 'Patient') {
      const versionId = resource.meta?.versionId;
      return send(200, file, typeof versionId === 'string' ? { ETag: `W/"${versionId}"` } : {});
    }
    if (resource?.resourceType === 'OperationOutcome') return send(404, file);
    // No file name in the message: it is an NHS number.
    console.error('local PDS: a patient file is neither a Patient nor an OperationOutcome');
    return send(500, simulatedFailureBody(500));
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    requests.push({ method: req.method ?? '', path, headers: { ...req.headers } });
    if (requests.length > MAX_RECORDED) requests.splice(0, requests.length - MAX_RECORDED);

    const handled =
      path === TOKEN_PATH
        ? handleToken(req, res)
        : path.startsWith(PATIENT_PREFIX)
          ? handlePatient(req, res, path.slice(PATIENT_PREFIX.length))
          : Promise.resolve(sendJson(res, 404, { error: 'not_found', error_description: 'Not Found' }));
    handled.catch((error: unknown) => {
      console.error('local PDS: request failed', error instanceof Error ? error.name : typeof error);
      if (!res.headersSent)
        sendJson(res, 500, { error: 'server_error', error_description: 'Internal error' });
      else res.destroy();
    });
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${urlHost(host)}:${port}`;
  tokenUrl = `${origin}${TOKEN_PATH}`;

  return {
    url: `${origin}${BASE_PATH}`,
    tokenUrl,
    failNext(status: number, count = 1, headers: Record<string, string> = {}) {
      if (!Number.isInteger(status) || status < 100 || status > 599)
        throw new RangeError('Not an HTTP status.');
      for (let i = 0; i < count; i++) failures.push({ status, headers: { ...headers } });
    },
    requests,
    stop() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** No real body is on record for these; an OperationOutcome without a Spine code says what happened. */
function simulatedFailureBody(status: number): Buffer {
  const code = status === 429 ? 'throttled' : status >= 500 ? 'transient' : 'processing';
  return Buffer.from(
    JSON.stringify({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code, diagnostics: `Local PDS: simulated ${status}` }],
    }),
  );
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) throw invalidRequest(400, 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The host as it appears in a URL: wildcards become loopback, IPv6 gets brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
