import { describe, expect, it } from 'vitest';
import {
  meetsPasswordPolicy,
  PASSWORD_POLICY_DESCRIPTION,
  PASSWORD_SYMBOLS,
  passwordPolicyMessage,
  passwordPolicyProblems,
  STAFF_PASSWORD_POLICY,
} from '../../../infra/local/oidc/password-policy';

describe('staff password policy (the Cognito user pool’s)', () => {
  it('is the pool’s: 12 characters, upper, lower, digit and symbol', () => {
    expect(STAFF_PASSWORD_POLICY).toEqual({
      minLength: 12,
      requireLowercase: true,
      requireUppercase: true,
      requireDigits: true,
      requireSymbols: true,
    });
  });

  it('accepts passwords that have everything', () => {
    for (const password of [
      'Correct-horse-1',
      'aB3$aB3$aB3$',
      'Tr0ub4dor&3xyz',
      'with Space 123',
      `${'Aa1!'.repeat(64)}`,
    ]) {
      expect(passwordPolicyProblems(password), password).toEqual([]);
      expect(meetsPasswordPolicy(password)).toBe(true);
    }
  });

  it('names each missing part', () => {
    expect(passwordPolicyProblems('Aa1!Aa1!Aa1')).toEqual(['too-short']);
    expect(passwordPolicyProblems('AAAA1111!!!!')).toEqual(['no-lowercase']);
    expect(passwordPolicyProblems('aaaa1111!!!!')).toEqual(['no-uppercase']);
    expect(passwordPolicyProblems('AAAAaaaa!!!!')).toEqual(['no-digit']);
    expect(passwordPolicyProblems('AAAAaaaa1111')).toEqual(['no-symbol']);
    expect(passwordPolicyProblems('')).toEqual([
      'too-short',
      'no-lowercase',
      'no-uppercase',
      'no-digit',
      'no-symbol',
    ]);
    expect(passwordPolicyProblems(`${'Aa1!'.repeat(64)}x`)).toEqual(['too-long']);
  });

  it('counts Cognito’s symbols, and an inner space, as symbols; not other characters', () => {
    for (const symbol of PASSWORD_SYMBOLS) {
      expect(passwordPolicyProblems(`Abcdefgh123${symbol}`), symbol).toEqual([]);
    }
    expect(passwordPolicyProblems('Abcdef gh1234')).toEqual([]);
    // Letters outside basic Latin are not upper or lower case letters for Cognito, nor symbols.
    expect(passwordPolicyProblems('ÄÉÖÜäéöü1234')).toEqual(['no-lowercase', 'no-uppercase', 'no-symbol']);
    expect(passwordPolicyProblems('Abcdefgh1234£')).toEqual(['no-symbol']);
  });

  it('refuses a leading or trailing space, as Cognito does', () => {
    expect(passwordPolicyProblems(' Abcdefgh123!')).toEqual(['edge-whitespace']);
    expect(passwordPolicyProblems('Abcdefgh123! ')).toEqual(['edge-whitespace']);
  });

  it('words one message for the form', () => {
    expect(passwordPolicyMessage([])).toBeUndefined();
    expect(passwordPolicyMessage(['no-symbol'])).toBe(PASSWORD_POLICY_DESCRIPTION);
    expect(PASSWORD_POLICY_DESCRIPTION).toBe(
      'Your password must be at least 12 characters long and include an upper case letter, a lower case letter, a number and a symbol',
    );
    expect(passwordPolicyMessage(['too-long'])).toBe('Your password must be 256 characters or fewer');
    expect(passwordPolicyMessage(['edge-whitespace'])).toBe(
      'Your password must not start or end with a space',
    );
  });
});
