import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { directoryKeys } from '../../layers/directory/model';
import { createDocumentClient } from '../../layers/storage/dynamo-client';
import type { startTestStack } from '../support/local-stack';
import { signedInDemoMember, syntheticPatient } from '../support/lookups';
import { mintAccessToken } from '../support/tokens';
import { round, summarise } from './stats';

/** The synthetic patient every lookup asks for (infra/local/pds/patients/9990000018.json). */
const NHS_NUMBER = '9990000018';
const WARMUP = 100;
/** Access tokens from test/support/tokens.ts live 5 minutes: take a new one well before that. */
const TOKEN_REFRESH_MS = 3 * 60_000;

type TestStack = Awaited<ReturnType<typeof startTestStack>>;

async function timed(work: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/**
 * Warm latency through the real local stack (gateway, handler modules, dynalite, the local PDS stand-in over
 * HTTP with its signed-JWT token flow): `POST /api/lookups` as a signed-in clinician, a match and a no-match,
 * against the baseline of one bare DynamoDB GetItem on dynalite from this process, all interleaved so that
 * each sees the same process, JIT and table sizes. Rate limits are raised out of the way: every request is a
 * real lookup, audited and (on a match) stored, as in production.
 */
export async function benchLookup(stack: TestStack, options: { requests: number }) {
  const client = createDocumentClient({ AWS_REGION: 'eu-west-2', DYNAMODB_ENDPOINT: stack.dynamoEndpoint });
  const directory = stack.tableNames.directory as string;
  const getItem = async () => {
    const { Item } = await client.send(
      new GetCommand({ TableName: directory, Key: directoryKeys.practice(stack.demo.practice.practiceId) }),
    );
    if (!Item) throw new Error('the demo practice is gone');
  };
  const health = async () => {
    const response = await fetch(`${stack.url}/api/health`);
    await response.text();
    if (response.status !== 200) throw new Error(`health answered ${response.status}`);
  };

  const clinician = await signedInDemoMember(stack, 'clinician');
  const member = stack.demo.staff.find((s) => s.sub === clinician.sub);
  if (!member) throw new Error('the demo clinician is gone');
  let token = clinician.token;
  let mintedAt = Date.now();
  const freshToken = async () => {
    if (Date.now() - mintedAt < TOKEN_REFRESH_MS) return token;
    ({ token } = await mintAccessToken(stack, {
      sub: member.sub,
      email: member.email,
      practice_id: stack.demo.practice.practiceId,
      role: member.role,
    }));
    mintedAt = Date.now();
    return token;
  };

  const patient = await syntheticPatient(stack.pds.patientsDir, NHS_NUMBER);
  const wrongBirthDate = patient.birthDate === '1970-01-01' ? '1970-01-02' : '1970-01-01';
  const lookUp = (birthDate: string, bearer: string, expected: 'match' | 'no-match') => async () => {
    const response = await fetch(`${stack.url}/api/lookups`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ nhsNumber: NHS_NUMBER, birthDate }),
    });
    const body = await response.text();
    if (response.status !== 200) throw new Error(`lookup answered ${response.status}: ${body.slice(0, 300)}`);
    if ((JSON.parse(body) as { result?: string }).result !== expected)
      throw new Error(`expected ${expected}`);
  };

  for (let i = 0; i < WARMUP; i++) {
    const bearer = await freshToken();
    await getItem();
    await health();
    await lookUp(patient.birthDate, bearer, 'match')();
    await lookUp(wrongBirthDate, bearer, 'no-match')();
  }
  const samples = {
    getItem: [] as number[],
    health: [] as number[],
    match: [] as number[],
    noMatch: [] as number[],
  };
  for (let i = 0; i < options.requests; i++) {
    // The token is fetched outside the timed part: minting is the bench's own work, not the server's.
    const bearer = await freshToken();
    samples.getItem.push(await timed(getItem));
    samples.match.push(await timed(lookUp(patient.birthDate, bearer, 'match')));
    samples.noMatch.push(await timed(lookUp(wrongBirthDate, bearer, 'no-match')));
    samples.health.push(await timed(health));
  }
  // Round trips: what each request costs dynalite, one request at a time (a background function that runs in
  // between shows up in one sample, not in the median).
  const roundTrips = async (work: () => Promise<void>) => {
    const counts: number[] = [];
    let operations: Record<string, number> = {};
    for (let i = 0; i < 21; i++) {
      const before = stack.dynamoOperations();
      await work();
      const after = stack.dynamoOperations();
      const made = Object.fromEntries(
        Object.entries(after)
          .map(([operation, n]) => [operation, n - (before[operation] ?? 0)] as const)
          .filter(([, n]) => n > 0),
      );
      counts.push(Object.values(made).reduce((sum, n) => sum + n, 0));
      operations = made;
    }
    const median = [...counts].sort((a, b) => a - b)[Math.floor(counts.length / 2)] as number;
    return { dynamoRequests: median, lastOperations: operations };
  };
  const bearer = await freshToken();
  const dynamoRequests = {
    getItem: await roundTrips(getItem),
    match: await roundTrips(lookUp(patient.birthDate, bearer, 'match')),
    noMatch: await roundTrips(lookUp(wrongBirthDate, bearer, 'no-match')),
  };
  const getItemMs = summarise(samples.getItem);
  const matchMs = summarise(samples.match);
  const noMatchMs = summarise(samples.noMatch);
  return {
    requests: options.requests,
    getItemMs,
    matchMs,
    noMatchMs,
    healthMs: summarise(samples.health),
    dynamoRequests,
    ratios: {
      matchP50: round(matchMs.p50 / getItemMs.p50, 1),
      matchP99: round(matchMs.p99 / getItemMs.p99, 1),
      noMatchP50: round(noMatchMs.p50 / getItemMs.p50, 1),
      noMatchP99: round(noMatchMs.p99 / getItemMs.p99, 1),
    },
  };
}
