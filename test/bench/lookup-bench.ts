import { startTestStack } from '../support/local-stack';
import { signedInDemoMember, syntheticPatient } from '../support/lookups';
import { mintAccessToken } from '../support/tokens';
import { round, summarise } from './stats';

/** The synthetic patient every lookup asks for (infra/local/pds/patients/9990000018.json). */
const NHS_NUMBER = '9990000018';
const WARMUP = 50;
/** Access tokens from test/support/tokens.ts live 5 minutes: take a new one well before that. */
const TOKEN_REFRESH_MS = 3 * 60_000;

type Summary = ReturnType<typeof summarise>;

export interface LocalGatewayBench {
  /** `GET /api/health` alone, `warmRequests` times: the bench's long-standing warm-latency row. */
  healthWarm: Summary;
  /** Lookups through the same stack, each round a health check, a match and a no-match in turn. */
  lookup: {
    requests: number;
    healthBaselineMs: Summary;
    matchMs: Summary;
    noMatchMs: Summary;
    /** p50 of each kind of lookup minus p50 of the health checks interleaved with them. */
    overheadOverBaselineMs: { match: number; noMatch: number };
  };
}

async function timed(request: () => Promise<Response>, check: (status: number, body: string) => void) {
  const started = process.hrtime.bigint();
  const response = await request();
  const body = await response.text();
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  check(response.status, body);
  return elapsed;
}

/**
 * Warm latency through the real local stack (gateway, handler modules, dynalite, the local PDS stand-in over
 * HTTP with its signed-JWT token flow): the health check, then `POST /api/lookups` as a signed-in clinician
 * who has accepted the acceptable-use policy, a match and a no-match (right NHS number, wrong birth date),
 * with health checks interleaved as the baseline so that all three see the same process, JIT and table
 * sizes. Rate limits are raised out of the way: every request is a real lookup, audited and (on a match)
 * stored, as in production.
 */
export async function benchLocalGateway(options: {
  warmRequests: number;
  lookupRequests: number;
}): Promise<LocalGatewayBench> {
  const stack = await startTestStack({
    env: {
      LOOKUP_LIMIT_PER_USER_PER_HOUR: '1000000',
      LOOKUP_LIMIT_PER_PRACTICE_PER_DAY: '1000000',
    },
  });
  try {
    const healthUrl = `${stack.url}/api/health`;
    const health = () => fetch(healthUrl);
    const healthOk = (status: number) => {
      if (status !== 200) throw new Error(`health answered ${status}`);
    };

    for (let i = 0; i < WARMUP; i++) await timed(health, healthOk);
    const healthSamples: number[] = [];
    for (let i = 0; i < options.warmRequests; i++) healthSamples.push(await timed(health, healthOk));

    const clinician = await signedInDemoMember(stack, 'clinician');
    let token = clinician.token;
    let mintedAt = Date.now();
    const member = stack.demo.staff.find((s) => s.sub === clinician.sub);
    if (!member) throw new Error('the demo clinician is gone');
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
    const lookUp = (birthDate: string, bearer: string) => () =>
      fetch(`${stack.url}/api/lookups`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        body: JSON.stringify({ nhsNumber: NHS_NUMBER, birthDate }),
      });
    const answers = (result: 'match' | 'no-match') => (status: number, body: string) => {
      if (status !== 200) throw new Error(`lookup answered ${status}: ${body.slice(0, 300)}`);
      const answer = JSON.parse(body) as { result?: string };
      if (answer.result !== result) throw new Error(`expected ${result}, got ${answer.result}`);
    };

    for (let i = 0; i < WARMUP; i++) {
      await timed(lookUp(patient.birthDate, await freshToken()), answers('match'));
      await timed(lookUp(wrongBirthDate, await freshToken()), answers('no-match'));
      await timed(health, healthOk);
    }
    const baseline: number[] = [];
    const match: number[] = [];
    const noMatch: number[] = [];
    for (let i = 0; i < options.lookupRequests; i++) {
      // The token is fetched outside the timed part: minting is the bench's own work, not the server's.
      const bearer = await freshToken();
      baseline.push(await timed(health, healthOk));
      match.push(await timed(lookUp(patient.birthDate, bearer), answers('match')));
      noMatch.push(await timed(lookUp(wrongBirthDate, bearer), answers('no-match')));
    }

    const healthBaselineMs = summarise(baseline);
    const matchMs = summarise(match);
    const noMatchMs = summarise(noMatch);
    return {
      healthWarm: summarise(healthSamples),
      lookup: {
        requests: options.lookupRequests,
        healthBaselineMs,
        matchMs,
        noMatchMs,
        overheadOverBaselineMs: {
          match: round(matchMs.p50 - healthBaselineMs.p50),
          noMatch: round(noMatchMs.p50 - healthBaselineMs.p50),
        },
      },
    };
  } finally {
    await stack.stop();
  }
}
