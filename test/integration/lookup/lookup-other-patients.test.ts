import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_MATCH_MESSAGE } from '../../../functions/lookup/routes';
import { apiClient } from '../../support/api';
import { PDS_FIXTURES } from '../../support/fixtures';
import { startTestStack } from '../../support/local-stack';
import { signedInDemoMember } from '../../support/lookups';

/** PDS_PATIENTS_DIR pointed at another directory of PDS Patient files: NHS England's own sandbox responses. */
let stack: Awaited<ReturnType<typeof startTestStack>>;
let token: string;

beforeAll(async () => {
  stack = await startTestStack({ pdsPatientsDir: join(PDS_FIXTURES, 'patients') });
  ({ token } = await signedInDemoMember(stack, 'clinician'));
});
afterAll(async () => {
  await stack?.stop();
});

describe('the local PDS serving the NHS sandbox’s own patients', () => {
  it('finds the patient with a usual and an old name, by the usual one, with no mobile', async () => {
    const response = await apiClient(stack.url)('POST', '/api/lookups', {
      token,
      body: { nhsNumber: '973 211 0317', birthDate: '1936-06-21' },
    });
    expect(response.body).toMatchObject({
      result: 'match',
      patient: { name: 'Adrian Sanderson', gender: 'male', mobileEnding: null },
    });
  });

  it('gives the one no-match answer for the restricted, deceased and minimal records', async () => {
    for (const [nhsNumber, birthDate] of [
      ['9000000025', '2010-10-22'],
      ['9000000009', '2010-10-22'],
      ['9000000033', '2000-01-01'],
    ]) {
      const response = await apiClient(stack.url)('POST', '/api/lookups', {
        token,
        body: { nhsNumber, birthDate },
      });
      expect({ nhsNumber, body: response.body }).toEqual({
        nhsNumber,
        body: { result: 'no-match', message: NO_MATCH_MESSAGE },
      });
    }
  });
});
