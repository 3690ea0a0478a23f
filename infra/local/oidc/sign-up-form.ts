import { z } from 'zod';
import { isAllowedStaffEmail } from '../../../functions/identity/staff-email-policy';
import {
  NAME_MAX_LENGTH,
  nameMessage,
  nameProblem,
  normaliseName,
  textProblem,
} from '../../../layers/universal/text';
import { passwordPolicyMessage, passwordPolicyProblems } from './password-policy';
import { domainList, type FieldError } from './views';

/**
 * The sign-up form's rules, as Cognito applies them at sign-up: the email must be in an allow-listed domain
 * (the pre-sign-up trigger's `isAllowedStaffEmail`), and the password must meet the pool's policy.
 */
export interface SignUpInput {
  email: string;
  name: string;
  password: string;
  confirmPassword: string;
}

/** The longest full name the staff directory keeps. */
export const MAX_NAME_LENGTH = NAME_MAX_LENGTH;

export const SIGN_UP_MESSAGES = {
  emailMissing: 'Enter your email address',
  emailFormat: 'Enter an email address in the correct format, like name@nhs.net',
  emailNotAllowed: (domains: readonly string[]) =>
    `Enter a work email address ending in ${domainList(domains)}`,
  /**
   * Cognito's SignUp says "An account with the given email already exists." (preventUserExistenceErrors does
   * not cover sign-up); this says the same in the NHS.UK voice.
   */
  emailTaken: 'An account with this email address already exists. Sign in instead',
  nameMissing: 'Enter your full name',
  nameTooLong: `Full name must be ${MAX_NAME_LENGTH} characters or fewer`,
  passwordMissing: 'Enter a password',
  confirmMissing: 'Confirm your password',
  confirmMismatch: 'The passwords do not match',
} as const;

export function readSignUpForm(form: URLSearchParams): SignUpInput {
  return {
    email: (form.get('email') ?? '').trim(),
    name: normaliseName(form.get('name') ?? ''),
    password: form.get('password') ?? '',
    confirmPassword: form.get('confirmPassword') ?? '',
  };
}

/** Errors in field order (ids: email, name, password, confirm-password); empty when the form is acceptable. */
export function validateSignUp(input: SignUpInput, allowedDomains: readonly string[]): FieldError[] {
  const { email, name, password, confirmPassword } = input;
  const errors: FieldError[] = [];
  if (!email) errors.push({ field: 'email', message: SIGN_UP_MESSAGES.emailMissing });
  else if (!z.email().safeParse(email).success) {
    errors.push({ field: 'email', message: SIGN_UP_MESSAGES.emailFormat });
  } else if (!isAllowedStaffEmail(email, allowedDomains)) {
    errors.push({ field: 'email', message: SIGN_UP_MESSAGES.emailNotAllowed(allowedDomains) });
  }
  // The staff directory's name rule (layers/universal/text.ts), so a name accepted here is accepted there.
  const nameIssue = textProblem(name) ? 'characters' : nameProblem(name);
  if (nameIssue === 'missing') errors.push({ field: 'name', message: SIGN_UP_MESSAGES.nameMissing });
  else if (nameIssue === 'too-long') errors.push({ field: 'name', message: SIGN_UP_MESSAGES.nameTooLong });
  else if (nameIssue) errors.push({ field: 'name', message: nameMessage(nameIssue, 'Full name') });
  if (!password) errors.push({ field: 'password', message: SIGN_UP_MESSAGES.passwordMissing });
  else {
    const message = passwordPolicyMessage(passwordPolicyProblems(password));
    if (message) errors.push({ field: 'password', message });
  }
  if (!confirmPassword) errors.push({ field: 'confirm-password', message: SIGN_UP_MESSAGES.confirmMissing });
  else if (password && confirmPassword !== password) {
    errors.push({ field: 'confirm-password', message: SIGN_UP_MESSAGES.confirmMismatch });
  }
  return errors;
}
