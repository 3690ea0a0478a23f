import { describe, expect, it } from 'vitest';
import { LookupSettings } from '../../../functions/lookup/lookup-settings';
import { CryptoConfig, practiceKeysFromConfig } from '../../../layers/crypto/function-crypto';
import { KmsPracticeKeys } from '../../../layers/crypto/kms-practice-keys';
import { LocalPracticeKeys } from '../../../layers/crypto/local-practice-keys';
import { PDS_ENVIRONMENTS, PdsConfig } from '../../../layers/pds/pds-config';
import * as z from '../../../layers/validation/z';

const base = { APP_VERSION: '1', STAGE: 'dev', AWS_REGION: 'eu-west-2' };
const ROLE = 'arn:aws:iam::123456789012:role/ClinicConnect-dev-eu-west-2-PracticeData';

describe('PDS configuration', () => {
  it('takes the open sandbox without credentials, and nothing else without a token URL', () => {
    expect(z.safeParse(PdsConfig, { ...base, PDS_BASE_URL: PDS_ENVIRONMENTS.sandbox.baseUrl }).success).toBe(
      true,
    );
    const integration = z.safeParse(PdsConfig, {
      ...base,
      PDS_BASE_URL: PDS_ENVIRONMENTS.integration.baseUrl,
    });
    expect(integration.success).toBe(false);
    expect(integration.error?.issues[0]?.path).toEqual(['PDS_TOKEN_URL']);
  });

  it('needs credentials with a token URL', () => {
    const withoutSecret = z.safeParse(PdsConfig, {
      ...base,
      PDS_BASE_URL: PDS_ENVIRONMENTS.integration.baseUrl,
      PDS_TOKEN_URL: PDS_ENVIRONMENTS.integration.tokenUrl,
    });
    expect(withoutSecret.error?.issues[0]?.path).toEqual(['PDS_SECRET_ID']);
    expect(
      z.safeParse(PdsConfig, {
        ...base,
        PDS_BASE_URL: PDS_ENVIRONMENTS.integration.baseUrl,
        PDS_TOKEN_URL: PDS_ENVIRONMENTS.integration.tokenUrl,
        PDS_SECRET_ID: 'arn:aws:secretsmanager:eu-west-2:123456789012:secret:clinic-connect/pds',
      }).success,
    ).toBe(true);
  });

  it('reads lookup settings as numbers, with defaults, and refuses non-numbers naming the setting', () => {
    const pds = { ...base, PDS_BASE_URL: PDS_ENVIRONMENTS.sandbox.baseUrl };
    expect(z.parse(LookupSettings, pds)).toMatchObject({
      LOOKUP_TTL_SECONDS: 3600,
      LOOKUP_LIMIT_PER_USER_PER_HOUR: 60,
      LOOKUP_LIMIT_PER_PRACTICE_PER_DAY: 1000,
    });
    expect(
      z.parse(LookupSettings, { ...pds, LOOKUP_LIMIT_PER_USER_PER_HOUR: '5' }).LOOKUP_LIMIT_PER_USER_PER_HOUR,
    ).toBe(5);
    const bad = z.safeParse(LookupSettings, { ...pds, LOOKUP_TTL_SECONDS: 'an hour' });
    expect(bad.error?.issues[0]?.path).toEqual(['LOOKUP_TTL_SECONDS']);
  });
});

describe('practice keys from configuration', () => {
  it('uses KMS through the practice data role in AWS', () => {
    const keys = practiceKeysFromConfig(
      z.parse(CryptoConfig, { ...base, TABLE_DIRECTORY: 'directory', PRACTICE_DATA_ROLE_ARN: ROLE }),
    );
    expect(keys).toBeInstanceOf(KmsPracticeKeys);
  });

  it('refuses to start in AWS without the role', () => {
    expect(() =>
      practiceKeysFromConfig(z.parse(CryptoConfig, { ...base, TABLE_DIRECTORY: 'directory' })),
    ).toThrow(/PRACTICE_DATA_ROLE_ARN: is required in AWS/);
  });

  it('uses local key files only on the local stack', () => {
    const local = { ...base, STAGE: 'local', TABLE_DIRECTORY: 'd', LOCAL_KEYS_DIR: '/tmp/x' };
    expect(
      practiceKeysFromConfig(z.parse(CryptoConfig, { ...local, DYNAMODB_ENDPOINT: 'http://127.0.0.1:1' })),
    ).toBeInstanceOf(LocalPracticeKeys);
    // A stray LOCAL_KEYS_DIR in a deployed function must not switch it to key files.
    expect(() =>
      practiceKeysFromConfig(z.parse(CryptoConfig, { ...local, STAGE: 'dev', PRACTICE_DATA_ROLE_ARN: ROLE })),
    ).toThrow(/local stack only/);
  });
});
