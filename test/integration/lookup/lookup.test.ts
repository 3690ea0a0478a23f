import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_MATCH_MESSAGE } from '../../../functions/lookup/routes';
import type { AuditEvent } from '../../../layers/audit/audit-log';
import { PracticeBlindIndex } from '../../../layers/crypto/blind-index';
import { FieldCrypto } from '../../../layers/crypto/field-crypto';
import { LocalPracticeKeys } from '../../../layers/crypto/local-practice-keys';
import { PracticeLookups } from '../../../layers/records/lookup-records';
import { AUDIT_NHS_NUMBER_FIELD } from '../../../layers/records/record-kinds';
import { apiClient } from '../../support/api';
import { startTestStack } from '../../support/local-stack';
import { rawTableContents, signedInDemoMember, syntheticPatient } from '../../support/lookups';
import { openStores } from '../../support/stores';

let stack: Awaited<ReturnType<typeof startTestStack>>;
let stores: ReturnType<typeof openStores>;
let call: ReturnType<typeof apiClient>;
let clinician: { sub: string; token: string };
let practiceId: string;
let fields: FieldCrypto;

beforeAll(async () => {
  stack = await startTestStack();
  stores = openStores(stack);
  call = apiClient(stack.url);
  practiceId = stack.demo.practice.practiceId;
  clinician = await signedInDemoMember(stack, 'clinician');
  // What a compliance officer's tooling would hold: the practice's key (locally, its key file).
  fields = new FieldCrypto(new LocalPracticeKeys({ dataDir: stack.dataDir }));
});
afterAll(async () => {
  await stack?.stop();
});

const lookUp = (body: unknown, token = clinician.token) => call('POST', '/api/lookups', { token, body });

async function lookupEvents(): Promise<AuditEvent[]> {
  const events = await stores.audit.list(practiceId, { limit: 1000 });
  return events.filter((event) => event.type === 'patient.lookup');
}

/** The audit event of the request that has just been made: the newest lookup event. */
async function latestLookupEvent(): Promise<AuditEvent> {
  const events = await lookupEvents();
  const latest = events.sort((a, b) => a.at.localeCompare(b.at)).at(-1);
  if (!latest) throw new Error('no lookup event');
  return latest;
}

describe('POST /api/lookups: a match', () => {
  it('returns only the name, gender and last three digits of the mobile, with a lookup id', async () => {
    const patient = await syntheticPatient(stack.pds.patientsDir, '9990000018');
    const response = await lookUp({ nhsNumber: '999 000 0018', birthDate: patient.birthDate });
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(['expiresAt', 'lookupId', 'patient', 'result', 'sms']);
    expect(response.body.sms).toEqual({ textable: true, reason: null, optedOut: false });
    expect(response.body).toMatchObject({
      result: 'match',
      patient: {
        name: `${patient.given.join(' ')} ${patient.family}`,
        gender: 'female',
        mobileEnding: patient.mobile?.replace(/\D/g, '').slice(-3),
      },
    });
    const expiresIn = Date.parse(String(response.body.expiresAt)) - Date.now();
    expect(expiresIn).toBeGreaterThan(55 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(60 * 60_000);
  });

  it('sends PDS the practice ODS code, a request id and the correlation id, with a bearer token', async () => {
    const patient = await syntheticPatient(stack.pds.patientsDir, '9990000026');
    const before = stack.pds.requests.length;
    const response = await lookUp({ nhsNumber: patient.nhsNumber, birthDate: patient.birthDate });
    expect(response.status).toBe(200);
    const sent = stack.pds.requests.slice(before).filter((r) => r.path.includes('/Patient/'));
    expect(sent).toHaveLength(1);
    const headers = sent[0]?.headers ?? {};
    expect(headers['nhsd-end-user-organisation-ods']).toBe(stack.demo.practice.odsCode);
    expect(headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(headers['x-correlation-id']).toBeTruthy();
    expect(headers.authorization).toMatch(/^Bearer .{16,}/);
  });

  it('keeps the full details server-side, encrypted under the practice key, and audits the match first', async () => {
    const patient = await syntheticPatient(stack.pds.patientsDir, '9990000050');
    const response = await lookUp({ nhsNumber: '999-000-0050', birthDate: patient.birthDate });
    expect(response.body.result).toBe('match');
    const lookupId = String(response.body.lookupId);

    const lookups = new PracticeLookups(stores.client, stack.tableNames.records ?? '', practiceId, fields);
    const stored = await lookups.get(lookupId);
    expect(stored?.patient).toMatchObject({
      nhsNumber: patient.nhsNumber,
      birthDate: patient.birthDate,
      givenNames: patient.given,
      familyName: patient.family,
      mobile: patient.mobile,
    });
    expect(stored?.createdBy).toBe(clinician.sub);

    const event = await latestLookupEvent();
    expect(event).toMatchObject({
      actor: { sub: clinician.sub, role: 'clinician' },
      details: { outcome: 'match', lookupId },
    });
    expect(event.requestId).toBeTruthy();
    // The reference a compliance officer resolves: the blind index matches, the ciphertext decrypts.
    const index = await new PracticeBlindIndex(new LocalPracticeKeys({ dataDir: stack.dataDir })).of(
      practiceId,
      'nhsNumber',
      patient.nhsNumber,
    );
    expect(event.details.nhsNumberIndex).toBe(index);
    expect(stored?.nhsNumberIndex).toBe(index);
    expect(
      await fields.decrypt(practiceId, AUDIT_NHS_NUMBER_FIELD, String(event.details.nhsNumberCiphertext)),
    ).toBe(patient.nhsNumber);
  });

  it('shows no mobile when PDS has none current, and ignores an old name', async () => {
    const noMobile = await syntheticPatient(stack.pds.patientsDir, '9990000085');
    const ended = await syntheticPatient(stack.pds.patientsDir, '9990000093');
    for (const patient of [noMobile, ended]) {
      const response = await lookUp({ nhsNumber: patient.nhsNumber, birthDate: patient.birthDate });
      expect(response.body).toMatchObject({ result: 'match', patient: { mobileEnding: null } });
    }
    const renamed = await syntheticPatient(stack.pds.patientsDir, '9990000077');
    const response = await lookUp({ nhsNumber: renamed.nhsNumber, birthDate: renamed.birthDate });
    expect(response.body).toMatchObject({
      patient: { name: `${renamed.given.join(' ')} ${renamed.family}` },
    });
  });
});

describe('POST /api/lookups: no match', () => {
  it('answers every reason with the same status and body, and audits the true reason', async () => {
    const known = await syntheticPatient(stack.pds.patientsDir, '9990000018');
    const restricted = await syntheticPatient(stack.pds.patientsDir, '9990000107');
    const veryRestricted = await syntheticPatient(stack.pds.patientsDir, '9990000115');
    const deceased = await syntheticPatient(stack.pds.patientsDir, '9990000123');
    const cases = [
      { reason: 'not-found', body: { nhsNumber: '9990000174', birthDate: '1980-01-01' } },
      { reason: 'birth-date-mismatch', body: { nhsNumber: known.nhsNumber, birthDate: '1980-04-13' } },
      { reason: 'restricted', body: { nhsNumber: restricted.nhsNumber, birthDate: restricted.birthDate } },
      {
        reason: 'very-restricted',
        body: { nhsNumber: veryRestricted.nhsNumber, birthDate: veryRestricted.birthDate },
      },
      { reason: 'deceased', body: { nhsNumber: deceased.nhsNumber, birthDate: deceased.birthDate } },
      { reason: 'invalidated', body: { nhsNumber: '9990000131', birthDate: '1980-01-01' } },
      { reason: 'superseded', body: { nhsNumber: '9990000158', birthDate: '1983-06-06' } },
    ];
    for (const { reason, body } of cases) {
      const response = await fetch(`${stack.url}/api/lookups`, {
        method: 'POST',
        headers: { authorization: `Bearer ${clinician.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect({ reason, status: response.status }).toEqual({ reason, status: 200 });
      expect({ reason, body: await response.text() }).toEqual({
        reason,
        body: JSON.stringify({ result: 'no-match', message: NO_MATCH_MESSAGE }),
      });
      const event = await latestLookupEvent();
      expect(event.details).toMatchObject({ outcome: 'no-match', reason });
      expect(typeof event.details.nhsNumberCiphertext).toBe('string');
    }
  });
});

describe('POST /api/lookups: refused before PDS', () => {
  it('says which field is wrong and why, does not call PDS, and audits the attempt', async () => {
    const cases = [
      {
        body: { nhsNumber: '999 000 0019', birthDate: '1980-04-12' },
        field: 'body.nhsNumber',
        says: /is not valid: check it for a mistyped digit/,
      },
      { body: { nhsNumber: '99900', birthDate: '1980-04-12' }, field: 'body.nhsNumber', says: /10 digits/ },
      {
        body: { nhsNumber: '9990000018', birthDate: '1980-02-30' },
        field: 'body.birthDate',
        says: /real date/,
      },
      { body: { nhsNumber: '9990000018', birthDate: '2999-01-01' }, field: 'body.birthDate', says: /past/ },
    ];
    for (const { body, field, says } of cases) {
      const pdsRequests = stack.pds.requests.length;
      const before = (await lookupEvents()).length;
      const response = await lookUp(body);
      expect(response.status).toBe(400);
      const issues = response.body.issues as { field: string; message: string }[];
      expect(issues[0]?.field).toBe(field);
      expect(issues[0]?.message).toMatch(says);
      expect(stack.pds.requests.length).toBe(pdsRequests);
      expect(JSON.stringify(response.body)).not.toContain(body.nhsNumber);
      const events = await lookupEvents();
      expect(events.length).toBe(before + 1);
      expect((await latestLookupEvent()).details).toMatchObject({ outcome: 'invalid-input', reason: field });
    }
  });

  it('is for roles that may look patients up: a practice admin is refused', async () => {
    const admin = await signedInDemoMember(stack, 'practice_admin');
    const pdsRequests = stack.pds.requests.length;
    const response = await lookUp({ nhsNumber: '9990000018', birthDate: '1980-04-12' }, admin.token);
    expect(response.status).toBe(403);
    expect(stack.pds.requests.length).toBe(pdsRequests);
    const receptionist = await signedInDemoMember(stack, 'receptionist');
    const allowed = await lookUp({ nhsNumber: '9990000018', birthDate: '1980-04-12' }, receptionist.token);
    expect(allowed.body.result).toBe('match');
  });
});

describe('POST /api/lookups: PDS not answering', () => {
  it('answers 503 with a message a person understands, and audits it', async () => {
    // The client tries twice (one retry after a 5xx): both fail.
    stack.pds.failNext(503, 2);
    const before = stack.pds.requests.length;
    const response = await lookUp({ nhsNumber: '9990000018', birthDate: '1980-04-12' });
    expect(response.status).toBe(503);
    expect(response.body.detail).toMatch(/NHS demographics service is not answering/);
    expect(JSON.stringify(response.body)).not.toContain('9990000018');
    expect(stack.pds.requests.length - before).toBe(2);
    expect((await latestLookupEvent()).details).toMatchObject({
      outcome: 'pds-error',
      reason: 'unavailable',
    });
  });

  it('passes on a long Retry-After from PDS instead of retrying early', async () => {
    stack.pds.failNext(429, 1, { 'Retry-After': '60' });
    const response = await fetch(`${stack.url}/api/lookups`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clinician.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ nhsNumber: '9990000018', birthDate: '1980-04-12' }),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('60');
    expect((await latestLookupEvent()).details).toMatchObject({
      outcome: 'pds-error',
      reason: 'unavailable',
    });
  });

  it('waits out a 429 from PDS and then answers', async () => {
    stack.pds.failNext(429, 1, { 'Retry-After': '0' });
    const response = await lookUp({ nhsNumber: '9990000018', birthDate: '1980-04-12' });
    expect(response.body.result).toBe('match');
  });
});

describe('at rest', () => {
  it('no table holds a patient’s NHS number, name, birth date or mobile in plaintext', async () => {
    const raw = await rawTableContents(stack, stores);
    for (const nhsNumber of ['9990000018', '9990000026', '9990000050', '9990000077']) {
      const patient = await syntheticPatient(stack.pds.patientsDir, nhsNumber);
      const values = [patient.nhsNumber, patient.family, ...patient.given, patient.birthDate];
      if (patient.mobile) values.push(patient.mobile, patient.mobile.replace(/\D/g, '').slice(-6));
      for (const value of values)
        expect({ value, found: raw.includes(value) }).toEqual({ value, found: false });
    }
    // And the lookup item really is there, as ciphertext.
    const events = await lookupEvents();
    const match = events.find((e) => e.details.outcome === 'match');
    const { Item } = await stores.client.send(
      new GetCommand({
        TableName: stack.tableNames.records,
        Key: { pk: `PRACTICE#${practiceId}`, sk: `LOOKUP#${match?.details.lookupId}` },
      }),
    );
    expect(String(Item?.patient)).toMatch(/^[A-Za-z0-9+/]{100,}={0,2}$/);
  });
});
