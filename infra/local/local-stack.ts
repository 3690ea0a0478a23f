import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { EVENT_FUNCTIONS } from '../../functions/event-functions';
import { isAllowedStaffEmail, parseDomainList } from '../../functions/identity/staff-email-policy';
import { staffTokenClaims } from '../../functions/identity/token-claims';
import { ROUTES } from '../../functions/routes';
import type { CapabilityId } from '../../layers/capabilities';
import { LocalPracticeKeys } from '../../layers/crypto/local-practice-keys';
import { DynamoDirectoryStore } from '../../layers/directory/directory-store';
import { createDocumentClient } from '../../layers/storage/dynamo-client';
import { tableEnvName } from '../../layers/storage/tables';
import { LOCAL_ROLE_PREFIX } from '../../layers/trail/local-key-trail';
import type { Capability, LocalCapability, LocalMount, LocalOf } from '../capabilities/capability';
import { capabilitiesOf, loadCapabilities } from '../capabilities/registry';
import { type DemoData, seedDemoData } from './demo-seed';
import { startEmbeddedDynamo } from './embedded-dynamodb';
import { createFunctionRunner } from './function-runner';
import { createGateway } from './gateway';
import { createJwtAuthorizer } from './jwt-authorizer';
import { CONSOLE_CLIENT_ID, localOrigin, REPO_ROOT, RUNTIME_FILE } from './local-settings';
import { API_RESOURCE_INDICATOR, createLocalIdentityProvider } from './oidc';
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
  /**
   * Settings the functions and stand-ins read, on top of the process's own environment: an area's
   * (`LOOKUP_LIMIT_PER_USER_PER_HOUR: '3'`) or a stand-in's (`PDS_PATIENTS_DIR`), e.g. for a test.
   */
  env?: Record<string, string>;
  /**
   * Run the event functions on their triggers (queues, schedules, delivery records, meeting events): on by
   * default. Off for a test that must put every write down to one request (the fuzz suite).
   */
  eventFunctions?: boolean;
}

export interface LocalStack {
  url: string;
  issuer: string;
  /** The sign-in provider's local mailbox page (password reset codes). */
  mailboxUrl: string;
  dynamoEndpoint: string;
  tableNames: Record<string, string>;
  /** DynamoDB requests the embedded dynalite has answered, by operation. */
  dynamoOperations(): Record<string, number>;
  demo: DemoData;
  /** The running stand-in of an outside system (its module's local part), for tests and the banner. */
  standIn<C extends Capability>(capability: C): LocalOf<C>;
  /** What each stand-in says about itself, for `npm start`'s banner. */
  describeStandIns(): string[];
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
      console.error(`[local] request failed: ${error.message}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('Internal error');
    });
  });
  const port = await listen(server, options.port, host);
  const origin = localOrigin(host, port);

  const dynamo = await startEmbeddedDynamo(
    options.inMemory ? {} : { path: join(options.dataDir, 'dynamodb') },
  );

  // Every outside system the functions use, each from its own module: the stand-in and what the functions
  // that use it are told. The local stack knows none of them by name.
  const settings = { ...process.env, ...options.env };
  const registry = await loadCapabilities();
  const used = new Set<CapabilityId>([
    ...[...ROUTES, ...EVENT_FUNCTIONS].flatMap((definition) =>
      capabilitiesOf(registry, definition).map((capability) => capability.id),
    ),
    ...EVENT_FUNCTIONS.map((definition) => definition.trigger.capability),
  ]);
  const standIns = new Map<CapabilityId, LocalCapability>();
  for (const id of used) {
    const capability = registry.get(id) as Capability;
    standIns.set(id, await capability.local({ dataDir: options.dataDir, origin, env: settings }));
  }
  const mounts: LocalMount[] = [...standIns.values()].flatMap((standIn) => standIn.mounts ?? []);
  // WebSockets (the local meeting service's signalling): the stand-in whose path it is takes the upgrade.
  server.on('upgrade', (req, socket, head) => {
    const taken = [...standIns.values()].some((standIn) => standIn.upgrade?.(req, socket, head) ?? false);
    if (!taken) socket.destroy();
  });
  const functions = createFunctionRunner(REPO_ROOT);

  // The sign-in provider's admin endpoint, as functions reach Cognito's admin API: only they hold the token.
  const issuer = `${origin}/oidc`;
  const identityAdminToken = randomBytes(32).toString('base64url');
  // The same settings the CDK stack gives each function, pointed at the local parts.
  Object.assign(process.env, {
    APP_VERSION: packageVersion(),
    STAGE: 'local',
    AWS_REGION: 'eu-west-2',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    // Where invite links point: the console, on this same origin.
    CONSOLE_ORIGIN: origin,
    POWERTOOLS_SERVICE_NAME: 'clinic-connect',
    POWERTOOLS_METRICS_NAMESPACE: 'ClinicConnect',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: options.logLevel ?? 'INFO',
    ...Object.fromEntries(
      Object.entries(dynamo.tableNames).map(([id, name]) => [tableEnvName(id as never), name]),
    ),
    LOCAL_IDENTITY_ADMIN_URL: `${issuer}/admin`,
    LOCAL_IDENTITY_ADMIN_TOKEN: identityAdminToken,
    ...options.env,
    ...Object.assign({}, ...[...standIns.values()].map((standIn) => standIn.environment)),
  });

  const directory = new DynamoDirectoryStore(
    createDocumentClient({ AWS_REGION: 'eu-west-2', DYNAMODB_ENDPOINT: dynamo.endpoint }),
    dynamo.tableNames.directory,
  );
  const demo = await seedDemoData(
    options.dataDir,
    directory,
    new LocalPracticeKeys({
      dataDir: options.dataDir,
      caller: { roleArn: `${LOCAL_ROLE_PREFIX}OnboardPractice`, sessionName: 'demo-seed' },
    }),
  );
  // Where this stack's DynamoDB listens, for operator commands run beside it (npm run practice:onboard).
  const runtimeFile = join(options.dataDir, RUNTIME_FILE);
  await writeFile(
    runtimeFile,
    JSON.stringify({ url: origin, dynamoEndpoint: dynamo.endpoint, tableNames: dynamo.tableNames }, null, 2),
    { mode: 0o600 },
  );

  const staffEmailDomains = parseDomainList(process.env.STAFF_EMAIL_DOMAINS);
  const quiet = options.logLevel === 'ERROR' || options.logLevel === 'WARN';
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
    adminToken: identityAdminToken,
    // Where a reset code went, never the code: it is read on the mailbox page, as from an inbox.
    ...(quiet
      ? {}
      : { onMail: ({ to, subject }) => console.log(`[mail] "${subject}" to ${to}: ${issuer}/mailbox`) }),
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
  const gateway = createGateway({ routes: ROUTES, functions, authorize });
  // Event-driven functions: their trigger's stand-in calls them with AWS's event shapes.
  for (const definition of options.eventFunctions === false ? [] : EVENT_FUNCTIONS) {
    const trigger = standIns.get(definition.trigger.capability);
    if (!trigger?.trigger)
      throw new Error(`${definition.trigger.capability} cannot trigger ${definition.id}.`);
    trigger.trigger(definition, (event) => functions.invoke(definition, event));
  }
  const site = createStaticSite(join(REPO_ROOT, 'web', 'dist'));
  const webConfig = JSON.stringify({
    stage: 'local',
    apiBase: '/api',
    oidc: { authority: issuer, clientId: CONSOLE_CLIENT_ID, scope: 'openid email profile offline_access' },
    demo: true,
    ...Object.assign({}, ...[...standIns.values()].map((standIn) => standIn.webConfig ?? {})),
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
    const mount = mounts.find((m) => path === m.prefix || path.startsWith(`${m.prefix}/`));
    if (mount) return mount.handle(req, res);
    if (path === '/config.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(webConfig);
      return;
    }
    return site(req, res);
  };

  return {
    url: origin,
    issuer,
    mailboxUrl: identity.mailboxUrl,
    dynamoEndpoint: dynamo.endpoint,
    tableNames: dynamo.tableNames,
    dynamoOperations: dynamo.operations,
    demo,
    standIn<C extends Capability>(capability: C): LocalOf<C> {
      const standIn = standIns.get(capability.id);
      if (!standIn) throw new Error(`No function uses ${capability.id}: it has no stand-in here.`);
      return standIn as LocalOf<C>;
    },
    describeStandIns: () => [...standIns.values()].flatMap((standIn) => standIn.describe?.() ?? []),
    async close() {
      ready = undefined;
      await rm(runtimeFile, { force: true });
      server.closeAllConnections();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
      await identity.close();
      for (const standIn of standIns.values()) await standIn.close();
      await dynamo.close();
    },
  };
}
