import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../../support/api';
import { startTestStack } from '../../support/local-stack';
import { signedInDemoMember, storedLookups, syntheticPatient } from '../../support/lookups';
import { openStores } from '../../support/stores';

/** PDS refusing our credentials, and the rate limits: each stops the lookup, and is audited. */
let stack: Awaited<ReturnType<typeof startTestStack>>;
let stores: ReturnType<typeof openStores>;
let call: ReturnType<typeof apiClient>;
let patient: Awaited<ReturnType<typeof syntheticPatient>>;

beforeAll(async () => {
  stack = await startTestStack({
    env: { LOOKUP_LIMIT_PER_USER_PER_HOUR: '3', LOOKUP_LIMIT_PER_PRACTICE_PER_DAY: '6' },
  });
  stores = openStores(stack);
  call = apiClient(stack.url);
  patient = await syntheticPatient(stack.pds.patientsDir, '9990000018');
});
afterAll(async () => {
  await stack?.stop();
});

const body = () => ({ nhsNumber: patient.nhsNumber, birthDate: patient.birthDate });

async function lookupEvents() {
  const events = await stores.audit.list(stack.demo.practice.practiceId, { limit: 1000 });
  return events.filter((event) => event.type === 'patient.lookup').sort((a, b) => a.at.localeCompare(b.at));
}

describe('PDS refusing our credentials', () => {
  // First in this file: it takes one lookup from the practice's allowance.
  it('is an operator problem: the clinician gets the same 503 as an outage, the audit says access denied', async () => {
    const lead = await signedInDemoMember(stack, 'clinical_lead');
    stack.pds.failNext(403, 1);
    const response = await call('POST', '/api/lookups', { token: lead.token, body: body() });
    expect(response.status).toBe(503);
    expect(response.body.detail).toMatch(/NHS demographics service is not answering/);
    expect((await lookupEvents()).at(-1)?.details).toMatchObject({
      outcome: 'pds-error',
      reason: 'access-denied',
    });
  });
});

describe('rate limits', () => {
  it('stops a member after their hourly limit with 429 and Retry-After, without calling PDS', async () => {
    const clinician = await signedInDemoMember(stack, 'clinician');
    for (let i = 0; i < 3; i++) {
      expect((await call('POST', '/api/lookups', { token: clinician.token, body: body() })).status).toBe(200);
    }
    const pdsRequests = stack.pds.requests.length;
    const response = await fetch(`${stack.url}/api/lookups`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clinician.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body()),
    });
    expect(response.status).toBe(429);
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(((await response.json()) as { detail: string }).detail).toMatch(
      /3 lookups in the last hour, the most allowed. Try again in \d+ (minutes?|hours)\./,
    );
    expect(stack.pds.requests.length).toBe(pdsRequests);
    expect((await lookupEvents()).at(-1)?.details).toMatchObject({
      outcome: 'rate-limited',
      reason: 'user-hourly-limit',
    });
  });

  it('stops the whole practice after its daily limit, whoever asks', async () => {
    const receptionist = await signedInDemoMember(stack, 'receptionist');
    // 1 by the clinical lead and 3 by the clinician so far: 2 more reach the practice's 6.
    for (let i = 0; i < 2; i++) {
      expect((await call('POST', '/api/lookups', { token: receptionist.token, body: body() })).status).toBe(
        200,
      );
    }
    const refused = await call('POST', '/api/lookups', { token: receptionist.token, body: body() });
    expect(refused.status).toBe(429);
    expect(refused.body.detail).toMatch(/Your practice has made 6 lookups today/);
    expect((await lookupEvents()).at(-1)?.details).toMatchObject({
      outcome: 'rate-limited',
      reason: 'practice-daily-limit',
    });
  });

  it('kept one lookup record per match and none for refusals', async () => {
    expect(await storedLookups(stack, stores)).toHaveLength(5);
  });
});
