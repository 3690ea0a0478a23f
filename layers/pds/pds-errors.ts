/** How a PDS call failed, as the lookup tells clinicians and operators apart. */

/** 5xx, timeouts, network errors, 429 after retries are exhausted: the API answers 503. */
export class PdsUnavailableError extends Error {
  override name = 'PdsUnavailableError';
  /** When PDS said when to come back (a 429's Retry-After), in seconds. */
  retryAfterSeconds?: number;
}

/** 401/403 from PDS or from the token endpoint: an operator alarm, not a user error. */
export class PdsAccessError extends Error {
  override name = 'PdsAccessError';
}

/** Any other 4xx (e.g. 400 INVALID_RESOURCE_ID): a bug on our side. */
export class PdsRequestError extends Error {
  override name = 'PdsRequestError';
}
