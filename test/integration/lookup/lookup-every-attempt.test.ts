import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../layers/audit/audit-log';
import { startTestStack } from '../../support/local-stack';
import { signedInDemoMember, syntheticPatient } from '../../support/lookups';
import { openStores } from '../../support/stores';

/**
 * Every lookup attempt leaves exactly one audit event with its true reason, whatever stops it: the content
 * type, the size, the query string, a field, malformed text or the gate; and attempts refused before PDS
 * count against limits of their own.
 */
let stack: Awaited<ReturnType<typeof startTestStack>>;
let stores: ReturnType<typeof openStores>;

beforeAll(async () => {
  stack = await startTestStack({
    env: { LOOKUP_INVALID_LIMIT_PER_USER_PER_HOUR: '12', LOOKUP_INVALID_LIMIT_PER_PRACTICE_PER_DAY: '30' },
  });
  stores = openStores(stack);
});
afterAll(async () => {
  await stack?.stop();
});

async function lookupEvents(): Promise<AuditEvent[]> {
  const events = await stores.audit.list(stack.demo.practice.practiceId, { limit: 1000 });
  return events.filter((event) => event.type === 'patient.lookup').sort((a, b) => a.at.localeCompare(b.at));
}

async function send(token: string, init: { body?: string; contentType?: string; query?: string }) {
  const response = await fetch(`${stack.url}/api/lookups${init.query ?? ''}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.contentType === undefined ? {} : { 'content-type': init.contentType }),
    },
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  return {
    status: response.status,
    requestId: response.headers.get('apigw-requestid'),
    body: await response.json(),
  };
}

/** One request, and the events it left (exactly those with its request id). */
async function attempt(token: string, init: Parameters<typeof send>[1]) {
  const before = (await lookupEvents()).length;
  const response = await send(token, init);
  const events = await lookupEvents();
  return {
    ...response,
    newEvents: events.length - before,
    event: events.find((event) => event.requestId === response.requestId),
  };
}

const json = 'application/json';

describe('lookups refused before validation or by it', () => {
  it.each([
    [
      'a wrong content type (415)',
      { body: '{"nhsNumber":"9990000018"}', contentType: 'text/plain' },
      415,
      'unsupported-media-type',
    ],
    [
      'a body too large (413)',
      { body: JSON.stringify({ nhsNumber: '1'.repeat(17_000) }), contentType: json },
      413,
      'body-too-large',
    ],
    ['no body', { contentType: json }, 400, 'body-missing'],
    ['a body that is not JSON', { body: '{"nhsNumber":', contentType: json }, 400, 'body-not-json'],
    [
      'a query string (the route takes none)',
      {
        body: '{"nhsNumber":"9990000018","birthDate":"1980-04-12"}',
        contentType: json,
        query: '?nhsNumber=9990000018',
      },
      400,
      'query-not-allowed',
    ],
    [
      'a lone surrogate as the NHS number',
      { body: '{"nhsNumber":"\\ud800","birthDate":"1980-04-12"}', contentType: json },
      400,
      'body.nhsNumber',
    ],
    [
      'a bidi override in the birth date',
      { body: '{"nhsNumber":"9990000018","birthDate":"1980-04-12\\u202e"}', contentType: json },
      400,
      'body.birthDate',
    ],
  ] as const)(
    '%s: one audit event with that reason, nothing encrypted from it that is not text',
    async (_what, init, status, reason) => {
      const clinician = await signedInDemoMember(stack, 'clinician');
      const pdsRequests = stack.pds.requests.length;
      const result = await attempt(clinician.token, init);
      expect(result.status).toBe(status);
      expect(result.newEvents).toBe(1);
      expect(result.event?.details).toMatchObject({ outcome: 'invalid-input', reason });
      expect(result.event?.actor.sub).toBe(clinician.sub);
      expect(stack.pds.requests.length).toBe(pdsRequests);
      if (status === 400 && reason.startsWith('body.')) {
        expect(result.body.issues[0].field).toBe(reason);
      }
    },
  );

  it('a malformed NHS number is a 400 naming the field, never a 500, and its text is not kept', async () => {
    const lead = await signedInDemoMember(stack, 'clinical_lead');
    const result = await attempt(lead.token, {
      body: '{"nhsNumber":"999\\udc00","birthDate":"1980-04-12"}',
      contentType: json,
    });
    expect(result.status).toBe(400);
    expect(result.body.issues).toEqual([
      { field: 'body.nhsNumber', message: 'is not valid Unicode text (it holds a lone surrogate)' },
    ]);
    expect(result.event?.details).not.toHaveProperty('nhsNumberCiphertext');
  });

  it('a mistyped NHS number is kept encrypted, as for every lookup', async () => {
    const lead = await signedInDemoMember(stack, 'clinical_lead');
    const result = await attempt(lead.token, {
      body: '{"nhsNumber":"999 000 0019","birthDate":"1980-04-12"}',
      contentType: json,
    });
    expect(result.status).toBe(400);
    expect(result.event?.details).toMatchObject({ outcome: 'invalid-input', reason: 'body.nhsNumber' });
    expect(String(result.event?.details.nhsNumberCiphertext)).toMatch(/^[A-Za-z0-9+/]{40,}={0,2}$/);
  });

  it('a member whose role may not look patients up: 403, and on record as refused', async () => {
    const admin = await signedInDemoMember(stack, 'practice_admin');
    const result = await attempt(admin.token, {
      body: '{"nhsNumber":"9990000018","birthDate":"1980-04-12"}',
      contentType: json,
    });
    expect(result.status).toBe(403);
    expect(result.newEvents).toBe(1);
    expect(result.event?.details).toMatchObject({ outcome: 'refused', reason: 'permission-denied' });
    expect(result.event?.details).not.toHaveProperty('nhsNumberCiphertext');
  });
});

describe('limits of their own for attempts refused before PDS', () => {
  it('stops a member after their hourly allowance of refused attempts, still on record, and leaves real lookups alone', async () => {
    const receptionist = await signedInDemoMember(stack, 'receptionist');
    const bad = { body: '{"nhsNumber":"12","birthDate":"1980-04-12"}', contentType: json };
    for (let i = 0; i < 12; i++) expect((await send(receptionist.token, bad)).status).toBe(400);
    const over = await attempt(receptionist.token, bad);
    expect(over.status).toBe(429);
    expect(over.body.detail).toMatch(/12 lookups that could not be carried out in the last hour/);
    expect(over.newEvents).toBe(1);
    expect(over.event?.details).toEqual({
      outcome: 'rate-limited',
      reason: 'user-invalid-limit',
      attempt: 'body.nhsNumber',
    });

    const patient = await syntheticPatient(stack.pds.patientsDir, '9990000018');
    const real = await send(receptionist.token, {
      body: JSON.stringify({ nhsNumber: patient.nhsNumber, birthDate: patient.birthDate }),
      contentType: json,
    });
    expect(real.status).toBe(200);
  });

  it('stops the practice after its daily allowance, whoever makes them', async () => {
    // 10 refused attempts above (clinician 7, lead 2, admin 1) and the receptionist's 12 (the one over its
    // own limit took nothing from the practice's): 8 of the practice's 30 are left.
    const lead = await signedInDemoMember(stack, 'clinical_lead');
    for (let i = 0; i < 8; i++)
      expect((await send(lead.token, { contentType: 'text/plain', body: 'x' })).status).toBe(415);
    const over = await attempt(lead.token, { contentType: 'text/plain', body: 'x' });
    expect(over.status).toBe(429);
    expect(over.body.detail).toMatch(/Your practice has made 30 lookups that could not be carried out today/);
    expect(over.event?.details).toEqual({
      outcome: 'rate-limited',
      reason: 'practice-invalid-limit',
      attempt: 'unsupported-media-type',
    });
  });
});
