import { randomUUID as nodeRandomUUID } from 'node:crypto';
import type { PdsAuth } from './pds-auth';
import { PdsAccessError, PdsRequestError, PdsUnavailableError } from './pds-errors';

export { PdsAccessError, PdsRequestError, PdsUnavailableError };

/**
 * The PDS FHIR R4 adapter behind the `Demographics` port: `GET {baseUrl}/Patient/{nhsNumber}`.
 *
 * The same code talks to the local stand-in (infra/local/pds) and to the NHS England API platform
 * (`https://{int.|}api.service.nhs.uk/personal-demographics/FHIR/R4`); only the base URL and the credentials
 * behind `PdsAuth` differ.
 *
 * Failures are sorted for whoever calls us, and no message ever carries the NHS number (or any other PHI):
 * - PdsUnavailableError: PDS is down, slow or throttling us (5xx, timeout, network, 429 after our retries).
 *   The API answers 503; the user may try again.
 * - PdsAccessError: PDS or its token endpoint refused our credentials (401 after one re-token, 403, or a
 *   rejected client assertion). Every lookup fails until an operator fixes it: alarm.
 * - PdsRequestError: PDS says our request is wrong (other 4xx). A bug on our side.
 */

export interface PatientRetrievalContext {
  /** Our request's correlation id, sent as `X-Correlation-ID` so PDS support can find the call. */
  correlationId: string;
  /** The practice the clinician works for, sent as `NHSD-End-User-Organisation-ODS`. */
  odsCode: string;
}

export type PatientRetrieval =
  | { status: 'found'; resource: unknown }
  | { status: 'not-found' }
  | { status: 'invalidated' };

export interface Demographics {
  retrievePatient(nhsNumber: string, context: PatientRetrievalContext): Promise<PatientRetrieval>;
}

export interface PdsClientOptions {
  /** e.g. `https://int.api.service.nhs.uk/personal-demographics/FHIR/R4` (no trailing slash needed). */
  baseUrl: string;
  auth: PdsAuth;
  fetch?: typeof fetch;
  /** Per HTTP attempt, covering headers and body. Default 3000 ms. */
  timeoutMs?: number;
  /** Most requests made while PDS keeps answering 429 (the last 429 gives up). Default 3. */
  maxAttempts?: number;
  /** The longest we wait for one `Retry-After`, however long PDS asks for. Default 2000 ms. */
  maxRetryAfterMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Makes the `X-Request-ID`, one per retrieval and reused on every retry. */
  randomUUID?: () => string;
  /**
   * The most one retrieval may take, retries and waits included: no retry starts that could not finish
   * within it. Default 9000 ms, so that the lookup function (15 s) always has time left to audit the failure.
   */
  deadlineMs?: number;
  now?: () => number;
}

const SPINE_SYSTEM = 'https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode';
const DEFAULT_TIMEOUT_MS = 3000;
const DEFAULT_MAX_ATTEMPTS = 3;
const DEFAULT_MAX_RETRY_AFTER_MS = 2000;
const DEFAULT_DEADLINE_MS = 9000;
/** When a 429 carries no usable Retry-After. */
const DEFAULT_RETRY_AFTER_MS = 1000;
/** Transient failures (5xx, timeout, network) are retried once, after 100–200 ms. */
const TRANSIENT_RETRIES = 1;
const backoffMs = () => 100 + Math.floor(Math.random() * 100);

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type Attempt =
  | { kind: 'done'; result: PatientRetrieval }
  | { kind: 'transient'; error: PdsUnavailableError }
  | { kind: 'throttled'; waitMs: number }
  | { kind: 'unauthorised' };

export class PdsClient implements Demographics {
  private readonly baseUrl: string;
  private readonly auth: PdsAuth;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly maxRetryAfterMs: number;
  private readonly deadlineMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly randomUUID: () => string;

  constructor(options: PdsClientOptions) {
    // Fails at cold start, not on the first lookup, when the configured URL is not one.
    const base = new URL(options.baseUrl);
    this.baseUrl = base.href.replace(/\/+$/u, '');
    this.auth = options.auth;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
    this.maxRetryAfterMs = Math.max(0, options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS);
    this.sleep = options.sleep ?? defaultSleep;
    this.randomUUID = options.randomUUID ?? nodeRandomUUID;
    this.deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.now = options.now ?? Date.now;
  }

  /** Throws when waiting `waitMs` and then one more attempt could run past the retrieval's deadline. */
  private ensureTimeFor(startedAt: number, waitMs: number, cause: string): void {
    if (this.now() - startedAt + waitMs + this.timeoutMs > this.deadlineMs) {
      throw new PdsUnavailableError(`${cause}; no time is left to retry within one lookup.`);
    }
  }

  async retrievePatient(nhsNumber: string, context: PatientRetrievalContext): Promise<PatientRetrieval> {
    // Ten digits and nothing else: the number goes into the URL path.
    if (!/^\d{10}$/u.test(nhsNumber))
      throw new PdsRequestError('The NHS number to retrieve is not ten digits.');
    const url = `${this.baseUrl}/Patient/${nhsNumber}`;
    const requestId = this.randomUUID();

    const startedAt = this.now();
    let throttledAttempts = 0;
    let transientRetries = 0;
    let retokened = false;
    for (;;) {
      const attempt = await this.attempt(url, requestId, context);
      switch (attempt.kind) {
        case 'done':
          return attempt.result;
        case 'transient': {
          if (transientRetries >= TRANSIENT_RETRIES) throw attempt.error;
          transientRetries++;
          const wait = backoffMs();
          this.ensureTimeFor(startedAt, wait, attempt.error.message);
          await this.sleep(wait);
          break;
        }
        case 'throttled':
          throttledAttempts++;
          if (throttledAttempts >= this.maxAttempts) {
            throw new PdsUnavailableError(
              `PDS is rate limiting us (429) and still was after ${throttledAttempts} attempts.`,
            );
          }
          if (attempt.waitMs > this.maxRetryAfterMs) {
            // Retrying sooner than PDS asked would not honour Retry-After: give up, and pass the wait on.
            const error = new PdsUnavailableError(
              `PDS is rate limiting us (429) and asked for a wait longer than one lookup may take.`,
            );
            error.retryAfterSeconds = Math.ceil(attempt.waitMs / 1000);
            throw error;
          }
          {
            const wait = attempt.waitMs;
            this.ensureTimeFor(startedAt, wait, 'PDS is rate limiting us (429)');
            await this.sleep(wait);
          }
          break;
        case 'unauthorised':
          if (retokened) {
            throw new PdsAccessError('PDS rejected a freshly issued access token (401).');
          }
          this.ensureTimeFor(startedAt, 0, 'PDS refused our access token (401)');
          retokened = true;
          this.auth.invalidate();
          break;
      }
    }
  }

  private async attempt(url: string, requestId: string, context: PatientRetrievalContext): Promise<Attempt> {
    let token: string;
    try {
      token = await this.auth.accessToken();
    } catch (error) {
      if (error instanceof PdsUnavailableError) return { kind: 'transient', error };
      throw error;
    }

    const signal = AbortSignal.timeout(this.timeoutMs);
    let response: Response;
    let body: string;
    try {
      response = await this.fetch(url, {
        method: 'GET',
        headers: {
          Accept: 'application/fhir+json',
          // An empty token means "no auth" (NHS England's open sandbox takes none).
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
          'X-Request-ID': requestId,
          'X-Correlation-ID': context.correlationId,
          'NHSD-End-User-Organisation-ODS': context.odsCode,
        },
        signal,
      });
      // Read under the same deadline: a body that never finishes is as bad as no answer.
      body = await response.text();
    } catch (error) {
      return { kind: 'transient', error: this.networkError(error, signal) };
    }

    const status = response.status;
    if (status === 200) {
      const resource = parseJson(body);
      if (resource === undefined || typeof resource !== 'object' || resource === null) {
        return {
          kind: 'transient',
          error: new PdsUnavailableError('PDS answered 200 without a JSON resource.'),
        };
      }
      return { kind: 'done', result: { status: 'found', resource } };
    }
    if (status === 404) {
      const code = spineCode(body);
      if (code === 'RESOURCE_NOT_FOUND') return { kind: 'done', result: { status: 'not-found' } };
      if (code === 'INVALIDATED_RESOURCE') return { kind: 'done', result: { status: 'invalidated' } };
      // A 404 without a Spine code is most likely a wrong base URL: never read it as "no such patient".
      throw new PdsRequestError(`PDS answered 404 ${code ?? 'without a Spine error code'}.`);
    }
    if (status === 401) return { kind: 'unauthorised' };
    if (status === 403) {
      throw new PdsAccessError(
        `PDS refused access (403 ${spineCode(body) ?? 'without a Spine error code'}).`,
      );
    }
    if (status === 429) {
      return { kind: 'throttled', waitMs: retryAfterMs(response.headers.get('retry-after')) };
    }
    if (status === 408 || status >= 500) {
      return { kind: 'transient', error: new PdsUnavailableError(`PDS answered ${status}.`) };
    }
    throw new PdsRequestError(
      `PDS rejected the request (${status} ${spineCode(body) ?? 'without a Spine error code'}).`,
    );
  }

  private networkError(error: unknown, signal: AbortSignal): PdsUnavailableError {
    // The cause is reduced to its name and code: a raw fetch error may quote the URL, which holds the NHS number.
    const cause = describe(error);
    if (signal.aborted) {
      return new PdsUnavailableError(`PDS did not answer within ${this.timeoutMs} ms.`, { cause });
    }
    return new PdsUnavailableError('PDS could not be reached.', { cause });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The Spine error code of an OperationOutcome body (`issue[0].details.coding[0].code`), if it is one.
 * Only the code is ever quoted in our messages: `diagnostics` may echo what we sent.
 */
export function spineCode(body: string): string | undefined {
  const outcome = parseJson(body) as
    | { issue?: Array<{ details?: { coding?: Array<{ system?: unknown; code?: unknown }> } }> }
    | undefined;
  const coding = Array.isArray(outcome?.issue) ? outcome.issue[0]?.details?.coding : undefined;
  const first = Array.isArray(coding) ? coding[0] : undefined;
  if (!first || typeof first.code !== 'string' || !/^[A-Z_]{1,64}$/u.test(first.code)) return undefined;
  if (first.system !== undefined && first.system !== SPINE_SYSTEM) return undefined;
  return first.code;
}

/** `Retry-After` in delta-seconds or as an HTTP date; a default when absent or unreadable. */
function retryAfterMs(header: string | null): number {
  if (header === null) return DEFAULT_RETRY_AFTER_MS;
  const trimmed = header.trim();
  if (/^\d+$/u.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
  return DEFAULT_RETRY_AFTER_MS;
}

function describe(error: unknown): { name: string; code?: string } {
  if (!(error instanceof Error)) return { name: typeof error };
  const inner = (error as { cause?: { code?: unknown } }).cause;
  const code = (error as { code?: unknown }).code ?? inner?.code;
  return typeof code === 'string' ? { name: error.name, code } : { name: error.name };
}
