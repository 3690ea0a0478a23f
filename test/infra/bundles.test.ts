import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { EVENT_FUNCTIONS } from '../../functions/event-functions';
import { ROUTES } from '../../functions/routes';
import { capabilitiesOf } from '../../infra/capabilities/registry';
import { REPO_ROOT } from '../../infra/config';
import type { AppFunction } from '../../infra/constructs/app-function';
import {
  effectiveTableGrants,
  type FunctionDefinition,
  touchesPracticeData,
} from '../../layers/functions/definition';
import type { EventFunctionDefinition } from '../../layers/functions/event-function';
import { buildTestApp, CAPABILITIES, type TestApp } from './support';

const run = promisify(execFile);

let built: TestApp;
let outdir: string;

/** Real esbuild bundling of every function, the way `cdk synth` does it. */
beforeAll(() => {
  built = buildTestApp({}, { bundle: true });
  outdir = built.app.synth().directory;
});

/** What Lambda runs: every route's and event function's, the operator's two, and the Cognito triggers. */
function functionsOf(
  app: TestApp,
): { name: string; stack: Stack; fn: AppFunction; route?: FunctionDefinition }[] {
  return [
    ...[...ROUTES, ...EVENT_FUNCTIONS].map((route) => ({
      name: route.id,
      stack: app.api as Stack,
      fn: app.api.functions.get(route.id) as AppFunction,
      route,
    })),
    { name: 'OnboardPractice', stack: app.api, fn: app.api.onboarding as AppFunction },
    { name: 'OffboardPractice', stack: app.api, fn: app.api.offboarding as AppFunction },
    { name: 'preSignUp', stack: app.identity, fn: app.identity.preSignUp },
    { name: 'preTokenGeneration', stack: app.identity, fn: app.identity.preTokenGeneration },
  ];
}
const NAMES = functionsOf({ api: { functions: new Map() }, identity: {} } as unknown as TestApp).map(
  (f) => f.name,
);

function deployed(name: string) {
  const found = functionsOf(built).find((f) => f.name === name);
  if (!found) throw new Error(`no function ${name}`);
  const logicalId = found.stack.getLogicalId(found.fn.function.node.defaultChild as never);
  const template = JSON.parse(readFileSync(join(outdir, found.stack.templateFile), 'utf8'));
  const resource = template.Resources[logicalId] as {
    Metadata: Record<string, string>;
    Properties: { Handler: string; Environment: { Variables: Record<string, unknown> } };
  };
  const file = join(outdir, resource.Metadata['aws:asset:path'] ?? '', 'index.mjs');
  // Table names, role and key ARNs are deploy-time references: stand-ins of the right shape take their place.
  const env = Object.fromEntries(
    Object.entries(resource.Properties.Environment.Variables).map(([variable, value]) => [
      variable,
      typeof value === 'string' ? value : placeholder(variable),
    ]),
  );
  return { ...found, file, env, handler: resource.Properties.Handler };
}

function placeholder(variable: string): string {
  if (variable.endsWith('_KEY_ARN'))
    return 'arn:aws:kms:eu-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  if (variable === 'TRAIL_ARN') return 'arn:aws:cloudtrail:eu-west-2:123456789012:trail/placeholder';
  if (variable === 'TRAIL_ALLOWED_PRINCIPALS') return 'arn:aws:iam::123456789012:role/placeholder-*';
  if (variable.endsWith('_ARN')) return 'arn:aws:iam::123456789012:role/placeholder';
  if (variable.endsWith('_URL')) return 'https://sqs.eu-west-2.amazonaws.com/123456789012/placeholder';
  if (variable.endsWith('_ORIGIN')) return 'https://d111111abcdef8.cloudfront.net';
  if (variable === 'USER_POOL_ID') return 'eu-west-2_placeholder';
  if (variable.endsWith('_BUCKET')) return `placeholder-${variable.toLowerCase().replace(/_/g, '-')}`;
  if (variable.startsWith('ATHENA_')) return `placeholder_${variable.toLowerCase()}`;
  return `placeholder-${variable.toLowerCase()}`;
}

/** Imports the bundle in a fresh Node process, with exactly `env` (and what Lambda itself sets). */
async function coldStart(file: string, env: Record<string, string>) {
  try {
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        // As Lambda's runtime reports an init error: its name and message (Node's own report of an uncaught
        // error first prints the throwing line, a minified bundle's whole, and a pipe may cut it short).
        `try { const m = await import(${JSON.stringify(file)}); console.log(typeof m.handler); } ` +
          'catch (error) { console.error(String(error?.name) + ": " + String(error?.message)); process.exit(1); }',
      ],
      {
        env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-2', AWS_LAMBDA_FUNCTION_NAME: 'f', ...env },
        timeout: 20_000,
      },
    );
    return { ok: true as const, stdout: stdout.trim() };
  } catch (error) {
    const failed = error as { stderr?: string; killed?: boolean; signal?: string | null };
    const stderr = String(failed.stderr ?? error);
    return { ok: false as const, stderr: `${failed.killed ? `killed (${failed.signal}) ` : ''}${stderr}` };
  }
}

/** Settings a function may go without: Powertools' own, and area settings that have a default. */
function optional(route: FunctionDefinition | undefined, variable: string): boolean {
  if (variable.startsWith('POWERTOOLS_')) return true;
  const schema = route?.settings?.shape[variable];
  return schema !== undefined && z.safeParse(schema, undefined).success;
}

/**
 * The SDK clients in a bundle, by class name without `Client`. Each client package carries its own name
 * (`"@aws-sdk/client-kms"`, for its user agent); the credential chain's STS and SSO clients are
 * `@aws-sdk/nested-clients`, which every client brings and none calls on Lambda (credentials are in the
 * environment), so they do not count.
 */
const SDK_CLIENTS = new Map(
  readdirSync(join(REPO_ROOT, 'node_modules', '@aws-sdk'))
    .filter((dir) => dir.startsWith('client-'))
    .flatMap((dir) =>
      readdirSync(join(REPO_ROOT, 'node_modules', '@aws-sdk', dir, 'dist-types'))
        .filter((file) => file.endsWith('Client.d.ts'))
        .map((file) => [`@aws-sdk/${dir}`, file.slice(0, -'Client.d.ts'.length)] as const),
    ),
);

function clientsIn(bundle: string): string[] {
  return [...SDK_CLIENTS]
    .filter(([pkg]) => bundle.includes(`"${pkg}"`))
    .map(([, client]) => client)
    .sort();
}

/** What a function's declaration says it calls: its tables, practice sessions and each capability's clients. */
function declaredClients(name: string, route: FunctionDefinition | undefined): string[] {
  if (!route) {
    const operators: Record<string, string[]> = {
      // Each writes or reads one practice's partition through a session of its own practice data role.
      OnboardPractice: ['DynamoDB', 'KMS', 'STS'],
      OffboardPractice: ['DynamoDB', 'KMS', 'S3', 'STS'],
      preSignUp: [],
      preTokenGeneration: ['DynamoDB', 'STS'],
    };
    return operators[name] ?? [];
  }
  const clients = new Set<string>();
  if (Object.keys(effectiveTableGrants(route)).length > 0) clients.add('DynamoDB');
  if (touchesPracticeData(route)) clients.add('STS');
  // An event function's trigger is one of its capabilities (it bundles its clients, as a use would).
  const trigger = (route as Partial<EventFunctionDefinition>).trigger?.capability;
  const uses = [...new Set([...(route.uses ?? []), ...(trigger ? [trigger] : [])])];
  for (const capability of capabilitiesOf(CAPABILITIES, { ...route, uses })) {
    for (const client of capability.clients ?? []) clients.add(client);
  }
  return [...clients].sort();
}

/**
 * The functions that read a patient's number as PDS wrote it, and so need libphonenumber's metadata (about a
 * sixth of a bundle). Every other function works from what these stored: the E.164 form and its index.
 */
const PARSE_PHONE_NUMBERS = new Set(['createLookup', 'createInvite', 'recordSmsOptOut', 'recordSmsOptIn']);

describe.each(NAMES.map((name) => [name] as const))('bundle of %s', (name) => {
  it('is ESM with the createRequire banner, and Lambda calls its `handler`', () => {
    const { file, handler } = deployed(name);
    expect(
      readFileSync(file, 'utf8').startsWith(
        "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
      ),
    ).toBe(true);
    expect(handler).toBe('index.handler');
  });

  it('starts with exactly the environment the stack gives it', async () => {
    const { file, env } = deployed(name);
    expect(await coldStart(file, env)).toEqual({ ok: true, stdout: 'function' });
  });

  /** Config is parsed at cold start: a deployment missing any setting fails its init, naming it. */
  it('fails its cold start naming any required setting that is missing', async () => {
    const { file, env, route } = deployed(name);
    const required = Object.keys(env).filter((variable) => !optional(route, variable));
    expect(required.length).toBeGreaterThan(0);
    // Three processes at a time: a dozen at once on a two-core runner can outlast the cold start's timeout.
    const outcomes: { variable: string; named: boolean; stderr?: string }[] = [];
    for (let index = 0; index < required.length; index += 3) {
      outcomes.push(
        ...(await Promise.all(
          required.slice(index, index + 3).map(async (variable) => {
            const { [variable]: _removed, ...rest } = env;
            const result = await coldStart(file, rest);
            const named = !result.ok && result.stderr.includes(variable);
            return named
              ? { variable, named }
              : { variable, named, stderr: result.ok ? 'started' : result.stderr };
          }),
        )),
      );
    }
    expect(outcomes.filter((outcome) => !outcome.named)).toEqual([]);
  });

  it(`${PARSE_PHONE_NUMBERS.has(name) ? 'carries' : 'does not carry'} the phone number parser`, () => {
    const { file } = deployed(name);
    // libphonenumber-js names itself in its error messages ("[libphonenumber-js] `metadata` argument ...").
    expect(readFileSync(file, 'utf8').includes('[libphonenumber-js]')).toBe(PARSE_PHONE_NUMBERS.has(name));
  });

  it('carries the SDK clients its declaration calls for, and no other', () => {
    const { file, route } = deployed(name);
    expect(clientsIn(readFileSync(file, 'utf8'))).toEqual(declaredClients(name, route));
  });
});
