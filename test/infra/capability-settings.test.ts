import { describe, expect, it } from 'vitest';
import { createLookupRoute } from '../../functions/lookup/routes';
import { pdsStageSettings } from '../../infra/capabilities/pds';
import { StageConfigError } from '../../infra/config';
import { settingsEnvironment } from '../../infra/constructs/declared-function';

function pds(context: Record<string, unknown>, stage = 'dev') {
  return pdsStageSettings(stage, (key) => context[key]);
}

function lookupEnvironment(context: Record<string, unknown>) {
  return settingsEnvironment(createLookupRoute, (key) => context[key]);
}

describe('PDS settings (the pds capability’s own CDK context)', () => {
  it('calls the PDS sandbox by default, with no secret', () => {
    expect(pds({})).toEqual({ stage: 'dev', pdsEnvironment: 'sandbox' });
  });

  it.each(['integration', 'production'])(
    'refuses PDS %s without the secret, naming the key',
    (pdsEnvironment) => {
      expect(() => pds({ pdsEnvironment })).toThrow(StageConfigError);
      expect(() => pds({ pdsEnvironment })).toThrow(
        new RegExp(`pdsSecretName: PDS ${pdsEnvironment} needs the secret`),
      );
      expect(pds({ pdsEnvironment, pdsSecretName: 'clinic-connect/pds' })).toMatchObject({
        pdsEnvironment,
        pdsSecretName: 'clinic-connect/pds',
      });
    },
  );

  it('refuses a PDS environment it does not know, and a secret name Secrets Manager would not take', () => {
    expect(() => pds({ pdsEnvironment: 'live' })).toThrow(/pdsEnvironment/);
    expect(() => pds({ pdsEnvironment: 'production', pdsSecretName: 'pds key!' })).toThrow(
      /pdsSecretName: must be a Secrets Manager secret name/,
    );
  });

  it('refuses a secret name that Secrets Manager would read as a full ARN', () => {
    expect(() => pds({ pdsEnvironment: 'integration', pdsSecretName: 'clinic/pds-signer' })).toThrow(
      /pdsSecretName: must not end in a hyphen and six characters/,
    );
    expect(pds({ pdsEnvironment: 'integration', pdsSecretName: 'clinic/pds-key' }).pdsSecretName).toBe(
      'clinic/pds-key',
    );
  });

  it('keeps production stages off the public sandbox', () => {
    expect(() => pds({}, 'prod')).toThrow(/pdsEnvironment: stage "prod" must use the production PDS/);
    expect(() => pds({ pdsEnvironment: 'integration', pdsSecretName: 'pds' }, 'prod-eu')).toThrow(
      /must use the production PDS/,
    );
    expect(pds({ pdsEnvironment: 'production', pdsSecretName: 'pds' }, 'prod').pdsEnvironment).toBe(
      'production',
    );
    expect(pds({}, 'staging').pdsEnvironment).toBe('sandbox');
  });
});

describe('lookup settings (the area’s own, from CDK context)', () => {
  it('gives the function its defaults when the stage sets none', () => {
    expect(lookupEnvironment({})).toEqual({
      LOOKUP_TTL_SECONDS: '3600',
      LOOKUP_LIMIT_PER_USER_PER_HOUR: '60',
      LOOKUP_LIMIT_PER_PRACTICE_PER_DAY: '1000',
      SMS_ALLOWED_COUNTRIES: 'GB',
      LOOKUP_INVALID_LIMIT_PER_USER_PER_HOUR: '30',
      LOOKUP_INVALID_LIMIT_PER_PRACTICE_PER_DAY: '300',
    });
  });

  it('passes context values on, by the variable’s name in camelCase', () => {
    expect(
      lookupEnvironment({
        lookupTtlSeconds: '900',
        lookupLimitPerUserPerHour: 25,
        lookupLimitPerPracticePerDay: '400',
        smsAllowedCountries: 'GB,IE',
        lookupInvalidLimitPerUserPerHour: '10',
      }),
    ).toEqual({
      LOOKUP_TTL_SECONDS: '900',
      LOOKUP_LIMIT_PER_USER_PER_HOUR: '25',
      LOOKUP_LIMIT_PER_PRACTICE_PER_DAY: '400',
      SMS_ALLOWED_COUNTRIES: 'GB,IE',
      LOOKUP_INVALID_LIMIT_PER_USER_PER_HOUR: '10',
      LOOKUP_INVALID_LIMIT_PER_PRACTICE_PER_DAY: '300',
    });
  });

  it.each([
    ['lookupLimitPerUserPerHour', '0'],
    ['lookupLimitPerUserPerHour', '10001'],
    ['lookupLimitPerUserPerHour', '2.5'],
    ['lookupLimitPerUserPerHour', '-1'],
    ['lookupLimitPerPracticePerDay', '0'],
    ['lookupLimitPerPracticePerDay', '1000001'],
    ['lookupLimitPerPracticePerDay', 'many'],
    ['lookupTtlSeconds', '59'],
    ['lookupTtlSeconds', '86401'],
    ['smsAllowedCountries', 'gb'],
    ['smsAllowedCountries', 'GB;IE'],
  ])('refuses %s = %s at synth, naming the context key', (key, value) => {
    expect(() => lookupEnvironment({ [key]: value })).toThrow(StageConfigError);
    expect(() => lookupEnvironment({ [key]: value })).toThrow(new RegExp(`${key}: `));
  });

  it.each([
    ['lookupLimitPerUserPerHour', '1', 'LOOKUP_LIMIT_PER_USER_PER_HOUR'],
    ['lookupLimitPerUserPerHour', '10000', 'LOOKUP_LIMIT_PER_USER_PER_HOUR'],
    ['lookupLimitPerPracticePerDay', '1000000', 'LOOKUP_LIMIT_PER_PRACTICE_PER_DAY'],
    ['lookupTtlSeconds', '60', 'LOOKUP_TTL_SECONDS'],
    ['lookupTtlSeconds', '86400', 'LOOKUP_TTL_SECONDS'],
  ])('accepts %s = %s at the edge of its range', (key, value, variable) => {
    expect(lookupEnvironment({ [key]: value })[variable]).toBe(value);
  });
});
