export {
  type Account,
  type AccountStatus,
  AccountStore,
  normaliseEmail,
  type UpsertAccountInput,
} from './account-store';
export type { IpBackoffPolicy, LockoutPolicy } from './guessing-limits';
export {
  ACCESS_TOKEN_SCOPES,
  API_RESOURCE_INDICATOR,
  createLocalIdentityProvider,
  DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
  type LocalIdentityProvider,
  type LocalIdentityProviderOptions,
  MAX_ACCESS_TOKEN_TTL_SECONDS,
} from './provider';
export {
  assertLocalIssuer,
  CookieJar,
  discover,
  refreshTokens,
  SignInError,
  type SignInOptions,
  type SignInResult,
  signIn,
  type TokenSet,
} from './sign-in-client';
export { generateTotpSecret } from './totp';
export { currentTotpCode, printTotpCode } from './totp-code';
