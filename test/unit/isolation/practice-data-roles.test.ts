import { describe, expect, it } from 'vitest';
import {
  practiceDataRoleName,
  practiceDataRolePattern,
  practiceDataRolePrefix,
} from '../../../layers/isolation/practice-data-roles';
import { like } from '../../infra/iam';

describe('practice data role names', () => {
  it('name each owner under the stage’s prefix, which the key policies’ pattern matches', () => {
    const pattern = practiceDataRolePattern({
      partition: 'aws',
      accountId: '123456789012',
      stage: 'dev',
      region: 'eu-west-2',
    });
    expect(pattern).toBe('arn:aws:iam::123456789012:role/ClinicConnect-dev-eu-west-2-PracticeData-*');
    for (const owner of ['createLookup', 'offboardPractice', 'restoreDrill', 'acceptAcceptableUsePolicy']) {
      const name = practiceDataRoleName('dev', 'eu-west-2', owner);
      expect(name.startsWith(practiceDataRolePrefix('dev', 'eu-west-2'))).toBe(true);
      expect(name.length).toBeLessThanOrEqual(64);
      expect(like(pattern, `arn:aws:iam::123456789012:role/${name}`)).toBe(true);
    }
  });

  it('shorten a long owner with a hash, so two long owners never share a role', () => {
    const a = practiceDataRoleName('dev', 'eu-west-2', 'acceptAcceptableUsePolicy');
    const b = practiceDataRoleName('dev', 'eu-west-2', 'acceptAcceptableUsePolicyAgain');
    expect(a).toMatch(/^ClinicConnect-dev-eu-west-2-PracticeData-acceptAcceptab-[0-9a-f]{8}$/);
    expect(b).not.toBe(a);
    expect(practiceDataRoleName('dev', 'eu-west-2', 'getMe')).toBe(
      'ClinicConnect-dev-eu-west-2-PracticeData-getMe',
    );
    // The longest stage the stage config allows in the longest EU region name still leaves room.
    const longStage = practiceDataRoleName('a-long-stage-15', 'eu-central-1', 'acceptAcceptableUsePolicy');
    expect(longStage.length).toBeLessThanOrEqual(64);
    expect(() => practiceDataRoleName('a-very-long-stage-nm', 'eu-central-1', 'createLookup')).toThrow(
      /too long/,
    );
  });

  it('do not match another stage’s or region’s roles, nor the old single role', () => {
    const pattern = practiceDataRolePattern({
      partition: 'aws',
      accountId: '123456789012',
      stage: 'dev',
      region: 'eu-west-2',
    });
    expect(
      like(pattern, 'arn:aws:iam::123456789012:role/ClinicConnect-prod-eu-west-2-PracticeData-getMe'),
    ).toBe(false);
    expect(
      like(pattern, 'arn:aws:iam::123456789012:role/ClinicConnect-dev-eu-west-1-PracticeData-getMe'),
    ).toBe(false);
    expect(like(pattern, 'arn:aws:iam::123456789012:role/ClinicConnect-dev-eu-west-2-PracticeData')).toBe(
      false,
    );
  });
});
