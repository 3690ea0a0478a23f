import { randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../../functions/routes';
import { createFunctionRunner } from '../../../infra/local/function-runner';
import { apiGatewayEvent } from '../../../infra/local/gateway';
import { createJwtAuthorizer } from '../../../infra/local/jwt-authorizer';
import { CONSOLE_CLIENT_ID, REPO_ROOT } from '../../../infra/local/local-stack';
import { API_RESOURCE_INDICATOR } from '../../../infra/local/oidc';
import { pathParameterNames, type RouteDefinition } from '../../../layers/http/route';
import { ACCEPTABLE_USE_POLICY } from '../../../layers/identity/acceptable-use';
import { type RecordedWrite, startDynamoRecorder } from '../../support/dynamo-recorder';
import { startTestStack } from '../../support/local-stack';
import { signedInDemoMember } from '../../support/lookups';
import { openStores } from '../../support/stores';
import { mintAccessToken } from '../../support/tokens';

/**
 * Every route of the route table, fuzzed: path, query, body, content type and caller (real members; tokens
 * with valid signatures and forged claims, as the JWT authorizer hands them on; none). Each request is the
 * payload-2.0 event the local gateway builds (`apiGatewayEvent`), given to the route's handler module as
 * Lambda would; the gateway's own HTTP and signature checks are tested apart (test/integration/platform),
 * and leaving them out here buys thousands of cases per route in seconds. For each request: no 5xx; a
 * refused one (4xx) writes nothing, but for the audit event and rate counters of a route that puts every
 * attempt on record (`everyAttemptAudited`); and such a route leaves exactly one audit event per attempt by
 * a member it knows. What each request wrote is seen at DynamoDB's door (a pass-through in front of
 * dynalite); a raw scan of every table before and after each route's run checks nothing was written another
 * way.
 *
 * Seeded and bounded: the same cases, in the same order, every run. Each route gets 1,500 cases whatever the
 * time, then more (with the next seed) up to `FUZZ_CASES_PER_ROUTE` (3,000) within `FUZZ_SECONDS` (150) for
 * the whole suite, shared out among the routes still to run (a route that finishes early leaves its time to
 * the others). dynalite takes 1.5–3 ms an operation on the 2-core build machine: with forty routes the floor
 * is most of the budget, and the routes that refuse early (the gateway's 401s, strict 400s) reach 3,000. `FUZZ_SECONDS=600 FUZZ_CASES_PER_ROUTE=50000` for a
 * long run. Routes added to functions/routes.ts are fuzzed as they land.
 */
const SEED = 1313;
const MAX_CASES_PER_ROUTE = Number(process.env.FUZZ_CASES_PER_ROUTE ?? 3000);
const BUDGET_MS = Number(process.env.FUZZ_SECONDS ?? 150) * 1000;
const MIN_CASES_PER_ROUTE = Math.min(1500, MAX_CASES_PER_ROUTE);
let deadline = 0;
let routesLeft = ROUTES.length;

let stack: Awaited<ReturnType<typeof startTestStack>>;
let recorder: Awaited<ReturnType<typeof startDynamoRecorder>>;
let stores: ReturnType<typeof openStores>;
const runner = createFunctionRunner(REPO_ROOT);

interface Bearer {
  label: string;
  /** What the JWT authorizer passes on for the token: verified, flattened to strings. None: no token. */
  claims?: Record<string, string>;
  /** A member of a practice the gate will find (so an attempt on an audited route goes on record). */
  known: boolean;
}
let bearers: Bearer[] = [];
let staffIds: string[] = [];

beforeAll(async () => {
  // No event functions: the sender, delivery records and schedules would write while another route's
  // requests run, and every write must be put down to the request that made it.
  stack = await startTestStack({ eventFunctions: false });
  // The functions load their configuration at their first request: from then on they reach DynamoDB through
  // the recorder. (Nothing has invoked them yet; the stack's own seeding went straight to dynalite.)
  recorder = await startDynamoRecorder(stack.dynamoEndpoint);
  process.env.DYNAMODB_ENDPOINT = recorder.endpoint;
  stores = openStores(stack);
  const practiceId = stack.demo.practice.practiceId;
  const authorize = createJwtAuthorizer({
    issuer: stack.issuer,
    audience: [API_RESOURCE_INDICATOR, CONSOLE_CLIENT_ID],
    jwksUri: `${stack.issuer}/jwks`,
  });
  const claimsOf = async (token: string) => {
    const verified = await authorize(`Bearer ${token}`);
    if (!verified.ok) throw new Error('a minted token did not verify');
    return verified.claims;
  };
  const forge = async (label: string, claims: Parameters<typeof mintAccessToken>[1], known: boolean) => ({
    label,
    claims: await claimsOf((await mintAccessToken(stack, claims)).token),
    known,
  });

  const members = await Promise.all(
    stack.demo.staff.map(async (member) => ({ member, ...(await signedInDemoMember(stack, member.role)) })),
  );
  staffIds = stack.demo.staff.map((member) => member.sub);
  const clinician = stack.demo.staff.find((member) => member.role === 'clinician');
  if (!clinician) throw new Error('no demo clinician');
  const clinicianClaims = await claimsOf(members.find((m) => m.member === clinician)?.token ?? '');
  bearers = [
    ...(await Promise.all(
      members.map(async ({ member, token }) => ({
        label: member.role,
        claims: await claimsOf(token),
        known: true,
      })),
    )),
    // Valid signatures, claims that lie or are missing: the staff record decides, never the token.
    await forge(
      'clinician claiming admin',
      { sub: clinician.sub, email: clinician.email, practice_id: practiceId, role: 'practice_admin' },
      true,
    ),
    await forge('clinician without practice claim', { sub: clinician.sub, email: clinician.email }, true),
    await forge(
      'clinician claiming another practice',
      { sub: clinician.sub, email: clinician.email, practice_id: 'other-practice', role: 'clinician' },
      false,
    ),
    await forge(
      'a practice claim that is no practice id',
      { sub: clinician.sub, email: clinician.email, practice_id: 'Not a practice!', role: 'clinician' },
      false,
    ),
    await forge(
      'stranger claiming the practice',
      { email: 'stranger@demo.nhs.net', practice_id: practiceId, role: 'practice_admin' },
      false,
    ),
    await forge('stranger from outside the allow-list', { email: 'someone@example.com' }, false),
    await forge('no email claim', { email: '', practice_id: practiceId, role: 'clinician' }, false),
    // API Gateway lets an ID token through (its audience is the client); the functions must not.
    { label: 'a member’s ID token', claims: { ...clinicianClaims, token_use: 'id' }, known: false },
    ...(await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        forge(`new account ${i}`, { sub: randomUUID(), email: `new${i}@demo.nhs.net` }, false),
      ),
    )),
    { label: 'no token', known: false },
  ];
  // The practice's data key exists before the runs (locally a file, not a table item): the first encryption
  // would make it, which is not a write of any one request.
  await fetch(`${stack.url}/api/lookups`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${members.find((m) => m.member === clinician)?.token}`,
      'content-type': 'application/json',
    },
    body: '{"nhsNumber":"999 000 0019","birthDate":"1980-04-12"}',
  });
  deadline = Date.now() + BUDGET_MS;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await recorder?.close();
});

// ------------------------------------------------------------------------------------------------------
// What requests are made of
// ------------------------------------------------------------------------------------------------------

const nasty = fc.constantFrom(
  '\ud800',
  'x\udc00',
  '\udc00\ud800',
  'a\u0000b',
  '\u001b[2J',
  'ab\u202ecd',
  '\u2066x\u2069',
  '\ufeff',
  '\u2028',
  '\uffff',
  '<script>alert(1)</script>',
  '=HYPERLINK("http://x")',
  "'; DROP TABLE staff; --",
  '../../etc/passwd',
  '%00',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the Log4Shell probe, as attackers send it.
  '${jndi:ldap://x}',
  '__proto__',
  '',
  ' ',
);
const plausible = fc.constantFrom(
  '9990000018',
  '999 000 0018',
  '999 000 0019',
  '1980-04-12',
  '2999-01-01',
  'Y99999',
  'y99999',
  ACCEPTABLE_USE_POLICY.version,
  'active',
  'suspended',
  'rejected',
  'clinician',
  'practice_admin',
  'Jo Bloggs',
  'demo-riverside',
);
const anyString = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 24 }) },
  { weight: 3, arbitrary: nasty },
  { weight: 3, arbitrary: plausible },
  { weight: 1, arbitrary: fc.string({ minLength: 200, maxLength: 400 }) },
);
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: anyString },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.array(anyString, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(anyString, anyString, { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

/** The route's example body, field by field kept, replaced or dropped, with unknown fields added sometimes. */
function bodyFor(route: RouteDefinition): fc.Arbitrary<unknown> {
  const example = (route.request.example?.body ?? {}) as Record<string, unknown>;
  const fields = Object.keys(example);
  const mutated = fc
    .record({
      changes: fc.tuple(...fields.map(() => fc.oneof(fc.constant('keep'), fc.constant('drop'), anyValue))),
      extra: fc.oneof(
        { weight: 4, arbitrary: fc.constant({}) },
        { weight: 1, arbitrary: fc.dictionary(anyString, anyValue, { maxKeys: 2 }) },
      ),
    })
    .map(({ changes, extra }) => {
      const body: Record<string, unknown> = { ...extra };
      fields.forEach((field, i) => {
        const change = changes[i];
        if (change === 'keep') body[field] = example[field];
        else if (change !== 'drop') body[field] = change;
      });
      return body;
    });
  return fc.oneof(
    { weight: 6, arbitrary: mutated },
    { weight: 1, arbitrary: fc.constant(example) },
    { weight: 1, arbitrary: anyValue },
  );
}

/** Percent-encoded UTF-8, or raw percent sequences that are not UTF-8 at all. */
const pathSegment = (route: RouteDefinition) =>
  fc
    .oneof(
      { weight: 2, arbitrary: fc.constantFrom(...staffIds, 'user-1', 'demo-riverside') },
      { weight: 3, arbitrary: anyString.map((value) => encodeUtf8(value)) },
      { weight: 1, arbitrary: fc.constantFrom('%ED%A0%80', '%FF', '%', '%zz', '%C0%AF', '..', '%2F', '%00') },
    )
    .map((segment) => (segment === '' && route ? '%20' : segment));

function encodeUtf8(value: string): string {
  return [...Buffer.from(value, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
}

const query = fc.oneof(
  { weight: 6, arbitrary: fc.constant('') },
  {
    weight: 2,
    arbitrary: fc.dictionary(anyString, anyString, { minKeys: 1, maxKeys: 3 }).map(
      (params) =>
        `?${Object.entries(params)
          .map(([k, v]) => `${encodeUtf8(k)}=${encodeUtf8(v)}`)
          .join('&')}`,
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom('?a=%ED%A0%80', '?%FF=1', '?x', '?=', '?a=1&a=2') },
);

interface Case {
  bearer: Bearer;
  /** The path parameters' segments, as sent (percent-encoded). */
  segments: string[];
  path: string;
  query: string;
  contentType: string | undefined;
  body: string | undefined;
}

function caseFor(route: RouteDefinition): fc.Arbitrary<Case> {
  const names = pathParameterNames(route.path);
  const takesBody = Boolean(route.request.body);
  const json = bodyFor(route).map((value) => JSON.stringify(value) ?? 'null');
  const body = fc.oneof(
    { weight: takesBody ? 8 : 1, arbitrary: json },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: takesBody ? 1 : 6, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: json.map((text) => `${text}${' '.repeat(17 * 1024)}`) },
  );
  return fc
    .record({
      bearer: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...bearers.slice(0, 4)) },
        { weight: 4, arbitrary: fc.constantFrom(...bearers.slice(4)) },
      ),
      segments: fc.tuple(...names.map(() => pathSegment(route))),
      query,
      contentType: fc.constantFrom(
        'application/json',
        'application/json',
        'application/json; charset=utf-8',
        'text/plain',
        'application/x-www-form-urlencoded',
        undefined,
      ),
      body,
    })
    .map((fields) => ({
      ...fields,
      path: names.reduce((path, name, i) => path.replace(`{${name}}`, fields.segments[i] ?? ''), route.path),
    }));
}

// ------------------------------------------------------------------------------------------------------
// What a refused request may write
// ------------------------------------------------------------------------------------------------------

function attr(write: RecordedWrite, name: string): string | undefined {
  return write.item?.[name]?.S;
}

/** The audit events of the route's kind among the writes, for one request id. */
function auditEventsOf(route: RouteDefinition, writes: RecordedWrite[], requestId: string) {
  const audited = route.everyAttemptAudited;
  return writes.filter(
    (write) =>
      audited &&
      write.operation === 'PutItem' &&
      write.table === stack.tableNames.audit &&
      attr(write, 'type') === audited.event &&
      attr(write, 'requestId') === requestId,
  );
}

/** Writes a refused request of this route may make: its attempt's audit event and its rate counters. */
function allowedOnRefusal(route: RouteDefinition, write: RecordedWrite, requestId: string): boolean {
  const audited = route.everyAttemptAudited;
  if (!audited) return false;
  if (auditEventsOf(route, [write], requestId).length === 1) return true;
  return (
    write.operation === 'UpdateItem' &&
    write.table === stack.tableNames.records &&
    write.sk.startsWith(`RATE#${audited.counters}`)
  );
}

async function rawScan(): Promise<Map<string, string>> {
  const items = new Map<string, string>();
  for (const table of Object.values(stack.tableNames)) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await stores.client.send(
        new ScanCommand({ TableName: table, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }),
      );
      for (const item of page.Items ?? []) items.set(`${table}|${item.pk}|${item.sk}`, JSON.stringify(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }
  return items;
}

function changedKeys(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((key) => before.get(key) !== after.get(key)).sort();
}

interface Answer {
  status: number;
  text: string;
  requestId: string;
  /** Answered by the gateway (a malformed path, no token): the function never ran. */
  byGateway: boolean;
}

/** The request as the local gateway turns it into an event, handed to the route's handler as Lambda would. */
async function invoke(route: RouteDefinition, request: Case): Promise<Answer> {
  const requestId = randomUUID();
  const gateway = (status: number): Answer => ({ status, text: '', requestId, byGateway: true });
  const pathParameters: Record<string, string> = {};
  for (const [i, name] of pathParameterNames(route.path).entries()) {
    try {
      pathParameters[name] = decodeURIComponent(request.segments[i] ?? '');
    } catch {
      // API Gateway refuses a malformed percent-encoding itself.
      return gateway(400);
    }
  }
  if (route.auth !== 'public' && !request.bearer.claims) return gateway(401);
  const event = apiGatewayEvent({
    route,
    url: new URL(`http://127.0.0.1${request.path}${request.query}`),
    method: route.method,
    headers: request.contentType ? { 'content-type': request.contentType } : {},
    body: Buffer.from(request.body ?? '', 'utf8'),
    pathParameters,
    ...(request.bearer.claims && route.auth !== 'public' ? { claims: request.bearer.claims } : {}),
    requestId,
    sourceIp: '127.0.0.1',
    httpVersion: '1.1',
  });
  try {
    const result = (await runner.invoke(route, event)) as { statusCode: number; body?: string };
    return { status: result.statusCode, text: result.body ?? '', requestId, byGateway: false };
  } catch (error) {
    // The function failed: API Gateway would answer 500, which the property reports.
    return { status: 500, text: String((error as Error).stack), requestId, byGateway: false };
  }
}

// ------------------------------------------------------------------------------------------------------
// The runs
// ------------------------------------------------------------------------------------------------------

describe.each(ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))(
  'fuzzing %s',
  (_name, route) => {
    it('never answers 5xx, and writes nothing when it refuses', async () => {
      const started = Date.now();
      const timeLimit = Math.max(1_000, (deadline - started) / routesLeft);
      routesLeft -= 1;
      const before = await rawScan();
      const firstWrite = recorder.writes.length;
      const statuses = new Map<number, number>();
      const property = fc.asyncProperty(caseFor(route), async (request) => {
        const mark = recorder.writes.length;
        const answer = await invoke(route, request);
        const writes = recorder.writes.slice(mark);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);

        expect(answer.status, `${request.bearer.label}: ${answer.text}`).toBeLessThan(500);
        if (answer.status >= 400) {
          expect(
            writes.filter((write) => !allowedOnRefusal(route, write, answer.requestId)),
            `${answer.status} ${answer.text}`,
          ).toEqual([]);
        }
        // The function ran for a member it knows: the attempt is on record, once.
        if (route.everyAttemptAudited && request.bearer.known && !answer.byGateway) {
          expect(auditEventsOf(route, writes, answer.requestId), answer.text).toHaveLength(1);
        }
      });
      // The floor first, whatever the time; then as many more as the time allows, with the next seed.
      const run = async (parameters: fc.Parameters<[Case]>) => {
        const details = await fc.check(property, { ...parameters, endOnFailure: true });
        // A time-boxed run the clock stopped before its first case is no failure: there was nothing to check.
        if (details.failed && !(details.interrupted && details.numRuns === 0)) {
          // fast-check's report leaves out what failed when it stops at the first failure: say it.
          const cause = details.errorInstance instanceof Error ? details.errorInstance.message : '';
          throw new Error(`${await fc.asyncDefaultReportMessage(details)}\n${cause}`);
        }
      };
      await run({ seed: SEED, numRuns: MIN_CASES_PER_ROUTE });
      const left = timeLimit - (Date.now() - started);
      if (left > 0 && MAX_CASES_PER_ROUTE > MIN_CASES_PER_ROUTE) {
        await run({
          seed: SEED + 1,
          numRuns: MAX_CASES_PER_ROUTE - MIN_CASES_PER_ROUTE,
          interruptAfterTimeLimit: left,
        });
      }
      // Nothing changed in the tables that the requests' own recorded writes do not account for.
      const recorded = new Set(
        recorder.writes.slice(firstWrite).map((write) => `${write.table}|${write.pk}|${write.sk}`),
      );
      const unexplained = changedKeys(before, await rawScan()).filter((key) => !recorded.has(key));
      expect(unexplained).toEqual([]);
      // The fuzz reached the function's own answers, not only the gateway's refusals.
      expect(
        [...statuses.keys()].filter((status) => status !== 401).length,
        JSON.stringify([...statuses]),
      ).toBeGreaterThan(1);
    }, 120_000);
  },
);
