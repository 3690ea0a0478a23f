import { MAX_PASSWORD_LENGTH } from './password';

/**
 * The staff password policy, the same as the Cognito user pool's: at least 12 characters with an upper case
 * letter, a lower case letter, a digit and a symbol. The CDK user pool can take `STAFF_PASSWORD_POLICY` as
 * its `passwordPolicy` so the two cannot drift apart.
 *
 * Cognito's rules, reproduced here: letters are the basic Latin ones (A–Z, a–z), digits 0–9, and the symbols
 * are `^ $ * . [ ] { } ( ) ? " ! @ # % & / \ , > < ' : ; | _ ~ ` = + -` plus a space that is neither leading
 * nor trailing (a password never starts or ends with white space). At most 256 characters.
 */
export const STAFF_PASSWORD_POLICY = {
  minLength: 12,
  requireLowercase: true,
  requireUppercase: true,
  requireDigits: true,
  requireSymbols: true,
} as const;

/** Cognito's special characters (and an inner space, checked separately). */
export const PASSWORD_SYMBOLS = '^$*.[]{}()?"!@#%&/\\,><\':;|_~`=+-';

export type PasswordPolicyProblem =
  | 'too-short'
  | 'too-long'
  | 'no-lowercase'
  | 'no-uppercase'
  | 'no-digit'
  | 'no-symbol'
  | 'edge-whitespace';

/** The ways `password` breaks the policy; empty when it meets it. */
export function passwordPolicyProblems(password: string): PasswordPolicyProblem[] {
  const problems: PasswordPolicyProblem[] = [];
  if (password.length < STAFF_PASSWORD_POLICY.minLength) problems.push('too-short');
  if (password.length > MAX_PASSWORD_LENGTH) problems.push('too-long');
  if (!/[a-z]/.test(password)) problems.push('no-lowercase');
  if (!/[A-Z]/.test(password)) problems.push('no-uppercase');
  if (!/[0-9]/.test(password)) problems.push('no-digit');
  const inner = password.slice(1, -1);
  if (![...password].some((char) => PASSWORD_SYMBOLS.includes(char)) && !inner.includes(' ')) {
    problems.push('no-symbol');
  }
  if (/^\s|\s$/.test(password)) problems.push('edge-whitespace');
  return problems;
}

export function meetsPasswordPolicy(password: string): boolean {
  return passwordPolicyProblems(password).length === 0;
}

/** The rule in words, shown as the password field's hint and in its error message. */
export const PASSWORD_POLICY_DESCRIPTION =
  'Your password must be at least 12 characters long and include an upper case letter, a lower case letter, a number and a symbol';

/** The one message for a password that breaks the policy (GOV.UK style: say what it must be). */
export function passwordPolicyMessage(problems: readonly PasswordPolicyProblem[]): string | undefined {
  if (problems.length === 0) return undefined;
  if (problems.includes('too-long')) {
    return `Your password must be ${MAX_PASSWORD_LENGTH} characters or fewer`;
  }
  if (problems.length === 1 && problems[0] === 'edge-whitespace') {
    return 'Your password must not start or end with a space';
  }
  return PASSWORD_POLICY_DESCRIPTION;
}
