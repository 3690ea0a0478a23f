export {
  type Account,
  type AccountStatus,
  AccountStore,
  type CreateAccountInput,
  type CreateAccountOutcome,
  normaliseEmail,
  type UpsertAccountInput,
} from './account-store';
export type { IpBackoffPolicy, LockoutPolicy } from './guessing-limits';
export {
  meetsPasswordPolicy,
  PASSWORD_POLICY_DESCRIPTION,
  type PasswordPolicyProblem,
  passwordPolicyProblems,
  STAFF_PASSWORD_POLICY,
} from './password-policy';
export {
  ACCESS_TOKEN_SCOPES,
  API_RESOURCE_INDICATOR,
  createLocalIdentityProvider,
  DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
  ID_TOKEN_APP_CLAIMS,
  type LocalIdentityProvider,
  type LocalIdentityProviderOptions,
  MAX_ACCESS_TOKEN_TTL_SECONDS,
  type TokenClaimsHook,
} from './provider';
export {
  assertLocalIssuer,
  CookieJar,
  discover,
  refreshTokens,
  SignInError,
  type SignInOptions,
  type SignInResult,
  type SignUpOptions,
  type SignUpResult,
  signIn,
  signUp,
  type TokenSet,
} from './sign-in-client';
export { MAX_NAME_LENGTH, SIGN_UP_MESSAGES } from './sign-up-form';
export { generateTotpSecret } from './totp';
export { currentTotpCode, printTotpCode } from './totp-code';
