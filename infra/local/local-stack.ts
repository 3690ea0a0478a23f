import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { isAllowedStaffEmail, parseDomainList } from '../../functions/identity/staff-email-policy';
import { staffTokenClaims } from '../../functions/identity/token-claims';
import { ROUTES } from '../../functions/routes';
import { LocalPracticeKeys } from '../../layers/crypto/local-practice-keys';
import { DynamoDirectoryStore } from '../../layers/directory/directory-store';
import { createDocumentClient } from '../../layers/storage/dynamo-client';
import { tableEnvName } from '../../layers/storage/tables';
import { type DemoData, seedDemoData } from './demo-seed';
import { startEmbeddedDynamo } from './embedded-dynamodb';
import { createGateway } from './gateway';
import { createJwtAuthorizer } from './jwt-authorizer';
import { CONSOLE_CLIENT_ID, localOrigin, REPO_ROOT, RUNTIME_FILE } from './local-settings';
import { API_RESOURCE_INDICATOR, createLocalIdentityProvider } from './oidc';
import { loadOrCreateLocalPdsCredentials } from './pds/local-pds-credentials';
import { type PdsServer, startPdsServer } from './pds/pds-server';
import { createStaticSite } from './static-site';

export { CONSOLE_CLIENT_ID, localOrigin, REPO_ROOT, RUNTIME_FILE };

export interface LocalStackOptions {
  port: number;
  host?: string;
  /** Where data persists between runs. */
  dataDir: string;
  /** Keep DynamoDB in memory (tests); otherwise it persists under dataDir. */
  inMemory?: boolean;
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** The PDS Patient JSON files the local PDS serves; default `PDS_PATIENTS_DIR`, else the synthetic set. */
  pdsPatientsDir?: string;
  /** Lookup settings (the handler's LOOKUP_* variables), e.g. a low rate limit for a test. */
  lookupSettings?: Partial<
    Record<
      'LOOKUP_TTL_SECONDS' | 'LOOKUP_LIMIT_PER_USER_PER_HOUR' | 'LOOKUP_LIMIT_PER_PRACTICE_PER_DAY',
      string
    >
  >;
}

/** The project's synthetic patients (999 test range), described in its README. */
export const DEFAULT_PDS_PATIENTS_DIR = join(REPO_ROOT, 'infra', 'local', 'pds', 'patients');

export interface LocalStack {
  url: string;
  issuer: string;
  dynamoEndpoint: string;
  tableNames: Record<string, string>;
  demo: DemoData;
  /** The local stand-in for NHS England's PDS, and the directory it serves. */
  pds: PdsServer & { patientsDir: string };
  close(): Promise<void>;
}

export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new PortInUseError(
              `Port ${port} is already in use. Stop whatever is using it, or run with PORT=<another port>.`,
            )
          : error,
      );
    });
    server.listen(port, host, () => resolveListen());
  });
  return (server.address() as AddressInfo).port;
}

/**
 * The whole system on one machine and one origin: the API (same handler modules as Lambda, behind a local
 * API Gateway), dynalite as DynamoDB, the embedded OpenID Connect provider and the built web app.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const host = options.host ?? '127.0.0.1';
  // Lambda runs a current Node LTS; only a developer's older Node would make the SDK warn on every start.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });

  // Bind first, so a busy port fails before anything else starts; requests wait until `ready`.
  let ready: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;
  const server = createServer((req, res) => {
    if (!ready) {
      res.writeHead(503, { 'retry-after': '1' }).end('Starting up');
      return;
    }
    ready(req, res).catch((error: Error) => {
      process.stderr.write(`[local] request failed: ${error.message}\n`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('Internal error');
    });
  });
  const port = await listen(server, options.port, host);
  const origin = localOrigin(host, port);

  const dynamo = await startEmbeddedDynamo(
    options.inMemory ? {} : { path: join(options.dataDir, 'dynamodb') },
  );

  // The local PDS: the same HTTP API and token flow as NHS England's, so the real client code runs.
  const pdsPatientsDir = resolve(
    options.pdsPatientsDir ?? process.env.PDS_PATIENTS_DIR ?? DEFAULT_PDS_PATIENTS_DIR,
  );
  const pdsCredentials = await loadOrCreateLocalPdsCredentials(options.dataDir);
  const pds = await startPdsServer({
    patientsDir: pdsPatientsDir,
    clients: [
      {
        apiKey: pdsCredentials.credentials.apiKey,
        kid: pdsCredentials.credentials.kid,
        publicJwk: pdsCredentials.publicJwk,
      },
    ],
  });

  // The same settings the CDK stack gives each function, pointed at the local parts.
  Object.assign(process.env, {
    APP_VERSION: packageVersion(),
    STAGE: 'local',
    AWS_REGION: 'eu-west-2',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    POWERTOOLS_SERVICE_NAME: 'clinic-connect',
    POWERTOOLS_METRICS_NAMESPACE: 'ClinicConnect',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_LOG_LEVEL: options.logLevel ?? 'INFO',
    // One AES key per practice under the data dir, instead of KMS.
    LOCAL_KEYS_DIR: options.dataDir,
    PDS_BASE_URL: pds.url,
    PDS_TOKEN_URL: pds.tokenUrl,
    PDS_CREDENTIALS_FILE: pdsCredentials.file,
    ...options.lookupSettings,
    ...Object.fromEntries(
      Object.entries(dynamo.tableNames).map(([id, name]) => [tableEnvName(id as never), name]),
    ),
  });

  const directory = new DynamoDirectoryStore(
    createDocumentClient({ AWS_REGION: 'eu-west-2', DYNAMODB_ENDPOINT: dynamo.endpoint }),
    dynamo.tableNames.directory,
  );
  const demo = await seedDemoData(
    options.dataDir,
    directory,
    new LocalPracticeKeys({ dataDir: options.dataDir }),
  );
  // Where this stack's DynamoDB listens, for operator commands run beside it (npm run practice:onboard).
  const runtimeFile = join(options.dataDir, RUNTIME_FILE);
  await writeFile(
    runtimeFile,
    JSON.stringify({ url: origin, dynamoEndpoint: dynamo.endpoint, tableNames: dynamo.tableNames }, null, 2),
    { mode: 0o600 },
  );

  const issuer = `${origin}/oidc`;
  const staffEmailDomains = parseDomainList(process.env.STAFF_EMAIL_DOMAINS);
  const identity = await createLocalIdentityProvider({
    issuer,
    dataDir: options.dataDir,
    clientId: CONSOLE_CLIENT_ID,
    redirectUris: [`${origin}/auth/callback`],
    postLogoutRedirectUris: [`${origin}/`],
    // Sign-up only for allow-listed domains, as Cognito's pre-sign-up trigger, plus the demo's domain; and
    // practice_id and role come from the directory at every token issue, as Cognito's pre-token-generation
    // trigger does: a suspended or rejected member gets no tokens.
    staffEmailDomains: isAllowedStaffEmail('demo@demo.nhs.net', staffEmailDomains)
      ? staffEmailDomains
      : [...staffEmailDomains, 'demo.nhs.net'],
    tokenClaims: (sub) => staffTokenClaims(directory, sub),
  });
  for (const member of demo.staff) {
    if (await identity.accounts.findBySub(member.sub)) continue;
    const { sub, email, name, password, totpSecret } = member;
    await identity.accounts.upsertAccount({ sub, email, name, password, totpSecret });
  }
  const authorize = createJwtAuthorizer({
    issuer,
    audience: [API_RESOURCE_INDICATOR, CONSOLE_CLIENT_ID],
    jwksUri: `${issuer}/jwks`,
  });
  const gateway = createGateway({ routes: ROUTES, rootDir: REPO_ROOT, authorize });
  const site = createStaticSite(join(REPO_ROOT, 'web', 'dist'));
  const webConfig = JSON.stringify({
    stage: 'local',
    apiBase: '/api',
    oidc: { authority: issuer, clientId: CONSOLE_CLIENT_ID, scope: 'openid email profile offline_access' },
    demo: true,
  });

  const canonicalHost = new URL(origin).host;
  ready = async (req, res) => {
    // One origin only: sign-in redirects and the token issuer are registered for it, so `localhost` and
    // `127.0.0.1` must not both work half-way.
    if (req.headers.host !== canonicalHost) {
      res.writeHead(308, { location: `${origin}${req.url ?? '/'}` }).end();
      return;
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/api' || path.startsWith('/api/')) return gateway(req, res);
    if (path === identity.mountPath || path.startsWith(`${identity.mountPath}/`))
      return identity.handle(req, res);
    if (path === '/config.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(webConfig);
      return;
    }
    return site(req, res);
  };

  return {
    url: origin,
    issuer,
    dynamoEndpoint: dynamo.endpoint,
    tableNames: dynamo.tableNames,
    demo,
    pds: Object.assign(pds, { patientsDir: pdsPatientsDir }),
    async close() {
      ready = undefined;
      await rm(runtimeFile, { force: true });
      server.closeAllConnections();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
      await identity.close();
      await pds.stop();
      await dynamo.close();
    },
  };
}
