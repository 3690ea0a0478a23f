import { describe, expect, it } from 'vitest';
import { isAllowedStaffEmail, parseDomainList } from '../../../functions/identity/staff-email-policy';

describe('the staff email allow-list', () => {
  const nhs = ['nhs.net'];

  it.each(['jane.smith@nhs.net', 'JANE@NHS.NET', 'a@demo.nhs.net'])('allows %s', (email) => {
    expect(isAllowedStaffEmail(email, nhs)).toBe(true);
  });

  it.each([
    'jane@gmail.com',
    'jane@evilnhs.net',
    'jane@nhs.net.evil.com',
    'jane@nhs.net@gmail.com',
    'jane@',
    '@nhs.net',
    'jane@.nhs.net',
    'jane@nhs..net',
    'jane@nhs.net.',
    'jane@nhs net',
  ])('refuses %s', (email) => {
    expect(isAllowedStaffEmail(email, nhs)).toBe(false);
  });

  it('takes several domains from configuration, and nhs.net when none is set', () => {
    expect(parseDomainList(' nhs.net, NHS.UK ,,')).toEqual(['nhs.net', 'nhs.uk']);
    expect(parseDomainList(undefined)).toEqual(['nhs.net']);
    expect(parseDomainList('')).toEqual(['nhs.net']);
    expect(isAllowedStaffEmail('gp@practice.nhs.uk', parseDomainList('nhs.net,nhs.uk'))).toBe(true);
  });
});
