import { type FieldIssue, type ProblemDetails, parseProblem } from '../../shared/problem';

/** An API call that did not succeed, as a person can read it. `status` 0 means the network failed. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** The problem `type`, e.g. `urn:clinic-connect:problem:pending-approval`, when the API gave one. */
  readonly type: string | undefined;
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly requestId: string | undefined;
  readonly issues: readonly FieldIssue[];
  /** From a 429 or 503's `Retry-After`: how many seconds to wait before trying again, when the API said. */
  readonly retryAfterSeconds: number | undefined;

  constructor(problem: ProblemDetails, options: { retryAfterSeconds?: number | undefined } = {}) {
    super(problem.detail);
    this.type = problem.type;
    this.status = problem.status;
    this.title = problem.title;
    this.detail = problem.detail;
    this.requestId = problem.requestId;
    this.issues = problem.issues ?? [];
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** The message for `field` (e.g. `body.nhsNumber`), if the API found a problem with it. */
  issueFor(field: string): string | undefined {
    return this.issues.find((issue) => issue.field === field)?.message;
  }
}

export interface ApiClientOptions {
  apiBase: string;
  /** The current access token, or undefined when signed out. */
  getAccessToken: () => string | undefined;
  /** Called once per 401: the session has ended or the token was refused. */
  onUnauthorized: () => void;
  fetchImpl?: typeof fetch;
}

/** Told of every API error; `path` is the API path asked for, e.g. `/staff`. */
export type ProblemListener = (error: ApiError, path: string) => void;

export interface RequestOptions {
  signal?: AbortSignal;
  /** Extra request headers, e.g. `Idempotency-Key`. */
  headers?: Record<string, string>;
}

export interface ApiClient {
  get<T>(path: string, options?: RequestOptions): Promise<T>;
  post<T>(path: string, body: unknown, options?: RequestOptions): Promise<T>;
  put<T>(path: string, body: unknown, options?: RequestOptions): Promise<T>;
  patch<T>(path: string, body: unknown, options?: RequestOptions): Promise<T>;
  delete<T>(path: string, options?: RequestOptions): Promise<T>;
  /** Hears about every API error (e.g. a 403 saying the acceptable-use policy must be accepted first). */
  onProblem(listener: ProblemListener): () => void;
}

const GENERIC_DETAIL = 'Something went wrong. Try again later.';

async function problemFrom(response: Response): Promise<ProblemDetails> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  return (
    parseProblem(body) ?? {
      title: response.statusText || 'Request failed',
      status: response.status,
      detail: response.status === 404 ? 'That was not found.' : GENERIC_DETAIL,
    }
  );
}

/** `Retry-After` as seconds from now: either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterSeconds(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * `fetch` against the API with the bearer token; errors arrive as `ApiError`s parsed from problem+json.
 * Responses are never cached by the browser (`no-store`): nothing about patients stays on the device.
 */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const fetchImpl = options.fetchImpl ?? ((input, init) => fetch(input, init));
  const problemListeners = new Set<ProblemListener>();

  function failed(error: ApiError, path: string): ApiError {
    for (const listener of problemListeners) listener(error, path);
    return error;
  }

  async function request<T>(method: string, path: string, body: unknown, init: RequestOptions = {}) {
    if (!path.startsWith('/')) throw new Error(`API paths start with "/": ${path}`);
    const headers: Record<string, string> = {
      ...init.headers,
      accept: 'application/json, application/problem+json',
    };
    const token = options.getAccessToken();
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    Object.assign(headers, init.headers ?? {});

    let response: Response;
    try {
      response = await fetchImpl(options.apiBase + path, {
        method,
        headers,
        cache: 'no-store',
        credentials: 'omit',
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error;
      throw new ApiError({
        title: 'Network error',
        status: 0,
        detail: 'Clinic Connect could not be reached. Check your connection and try again.',
      });
    }

    if (response.status === 401) {
      options.onUnauthorized();
      throw new ApiError(await problemFrom(response));
    }
    if (!response.ok) {
      const retryAfter = retryAfterSeconds(response.headers.get('retry-after'));
      throw failed(new ApiError(await problemFrom(response), { retryAfterSeconds: retryAfter }), path);
    }
    if (response.status === 204) return undefined as T;
    const contentType = response.headers.get('content-type') ?? '';
    if (!contentType.includes('json')) {
      throw new ApiError({ title: 'Unexpected response', status: response.status, detail: GENERIC_DETAIL });
    }
    return (await response.json()) as T;
  }

  return {
    get: (path, init) => request('GET', path, undefined, init),
    post: (path, body, init) => request('POST', path, body, init),
    put: (path, body, init) => request('PUT', path, body, init),
    patch: (path, body, init) => request('PATCH', path, body, init),
    delete: (path, init) => request('DELETE', path, undefined, init),
    onProblem(listener) {
      problemListeners.add(listener);
      return () => void problemListeners.delete(listener);
    },
  };
}
