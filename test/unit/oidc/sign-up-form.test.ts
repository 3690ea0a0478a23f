import { describe, expect, it } from 'vitest';
import { parseDomainList } from '../../../functions/identity/staff-email-policy';
import { PASSWORD_POLICY_DESCRIPTION } from '../../../infra/local/oidc/password-policy';
import {
  readSignUpForm,
  SIGN_UP_MESSAGES,
  type SignUpInput,
  validateSignUp,
} from '../../../infra/local/oidc/sign-up-form';

const GOOD: SignUpInput = {
  email: 'jo.bloggs@nhs.net',
  name: 'Jo Bloggs',
  password: 'Correct-horse-1',
  confirmPassword: 'Correct-horse-1',
};
const NHS_NET = ['nhs.net'];

const emailError = (email: string, domains: readonly string[] = NHS_NET) =>
  validateSignUp({ ...GOOD, email }, domains).find((error) => error.field === 'email')?.message;

describe('sign-up form', () => {
  it('accepts a complete form with an allow-listed address', () => {
    expect(validateSignUp(GOOD, NHS_NET)).toEqual([]);
  });

  it('uses the pre-sign-up trigger’s allow-list: the domain, its subdomains, not lookalikes', () => {
    expect(emailError('jo@nhs.net')).toBeUndefined();
    expect(emailError('JO@NHS.NET')).toBeUndefined();
    expect(emailError('admin@demo.nhs.net')).toBeUndefined();
    expect(emailError('jo@evilnhs.net')).toBe('Enter a work email address ending in nhs.net');
    expect(emailError('jo@nhs.net.example.com')).toBe(SIGN_UP_MESSAGES.emailNotAllowed(NHS_NET));
    expect(emailError('jo@gmail.com')).toBe(SIGN_UP_MESSAGES.emailNotAllowed(NHS_NET));
    expect(emailError('jo@nhs.uk')).toBe(SIGN_UP_MESSAGES.emailNotAllowed(NHS_NET));
  });

  it('follows a configured list (STAFF_EMAIL_DOMAINS), nhs.net by default', () => {
    const configured = parseDomainList(' NHS.net , nhs.uk,example.org ');
    expect(emailError('jo@gp.nhs.uk', configured)).toBeUndefined();
    expect(emailError('jo@example.org', configured)).toBeUndefined();
    expect(emailError('jo@gmail.com', configured)).toBe(
      'Enter a work email address ending in nhs.net, nhs.uk or example.org',
    );
    expect(parseDomainList(undefined)).toEqual(['nhs.net']);
    expect(emailError('jo@gp.nhs.uk', parseDomainList(''))).toBe(
      'Enter a work email address ending in nhs.net',
    );
  });

  it('asks for a well-formed address before looking at its domain', () => {
    expect(emailError('')).toBe('Enter your email address');
    expect(emailError('jo.nhs.net')).toBe(SIGN_UP_MESSAGES.emailFormat);
    expect(emailError('jo@@nhs.net')).toBe(SIGN_UP_MESSAGES.emailFormat);
  });

  it('applies the pool’s password policy and checks the confirmation', () => {
    expect(validateSignUp({ ...GOOD, password: 'short', confirmPassword: 'short' }, NHS_NET)).toEqual([
      { field: 'password', message: PASSWORD_POLICY_DESCRIPTION },
    ]);
    expect(
      validateSignUp({ ...GOOD, password: 'alllowercase-123', confirmPassword: 'alllowercase-123' }, NHS_NET),
    ).toEqual([{ field: 'password', message: PASSWORD_POLICY_DESCRIPTION }]);
    expect(validateSignUp({ ...GOOD, confirmPassword: 'Correct-horse-2' }, NHS_NET)).toEqual([
      { field: 'confirm-password', message: 'The passwords do not match' },
    ]);
  });

  it('lists every problem, in the order of the fields', () => {
    expect(validateSignUp({ email: '', name: '', password: '', confirmPassword: '' }, NHS_NET)).toEqual([
      { field: 'email', message: 'Enter your email address' },
      { field: 'name', message: 'Enter your full name' },
      { field: 'password', message: 'Enter a password' },
      { field: 'confirm-password', message: 'Confirm your password' },
    ]);
    expect(validateSignUp({ ...GOOD, name: 'x'.repeat(121) }, NHS_NET)).toEqual([
      { field: 'name', message: 'Full name must be 120 characters or fewer' },
    ]);
  });

  it('reads the posted form, tidying the email and name but not the passwords', () => {
    const form = new URLSearchParams({
      email: '  jo@nhs.net ',
      name: '  Jo   Bloggs ',
      password: ' Pass word-12A',
      confirmPassword: ' Pass word-12A',
    });
    expect(readSignUpForm(form)).toEqual({
      email: 'jo@nhs.net',
      name: 'Jo Bloggs',
      password: ' Pass word-12A',
      confirmPassword: ' Pass word-12A',
    });
    expect(readSignUpForm(new URLSearchParams())).toEqual({
      email: '',
      name: '',
      password: '',
      confirmPassword: '',
    });
  });
});
