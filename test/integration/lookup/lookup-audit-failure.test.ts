import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../../support/api';
import { startTestStack } from '../../support/local-stack';
import { signedInDemoMember, storedLookups, syntheticPatient } from '../../support/lookups';
import { openStores } from '../../support/stores';

/** Its own stack (and process): it deletes the audit table. */
let stack: Awaited<ReturnType<typeof startTestStack>>;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe('the audit trail failing', () => {
  it('fails the lookup (500, no patient data), keeps nothing and answers nothing from PDS', async () => {
    const patient = await syntheticPatient(stack.pds.patientsDir, '9990000018');
    const clinician = await signedInDemoMember(stack, 'clinician');
    const stores = openStores(stack);
    const call = apiClient(stack.url);
    const body = { nhsNumber: patient.nhsNumber, birthDate: patient.birthDate };
    expect((await call('POST', '/api/lookups', { token: clinician.token, body })).status).toBe(200);

    await stores.client.send(new DeleteTableCommand({ TableName: stack.tableNames.audit }));
    const response = await call('POST', '/api/lookups', { token: clinician.token, body });
    expect(response.status).toBe(500);
    expect(response.body.requestId).toBeTruthy();
    const text = JSON.stringify(response.body);
    for (const value of [patient.nhsNumber, patient.family, patient.birthDate])
      expect(text).not.toContain(value);

    // Only the first lookup, made while the audit trail worked.
    expect(await storedLookups(stack, stores)).toHaveLength(1);
  });
});
