import type { ProblemType } from '../universal/problem-types';

/**
 * The only errors whose message a caller sees. Anything else thrown by a handler becomes a generic 500, so a
 * message written for a person must be an HttpError, and must never contain patient data.
 */
export class HttpError extends Error {
  override readonly name: string = 'HttpError';
  constructor(
    readonly status: number,
    readonly title: string,
    message: string,
    readonly details: {
      issues?: FieldIssue[];
      headers?: Record<string, string>;
      type?: ProblemType;
      /**
       * Why the request was refused, for an audit trail (`body-too-large`, `body.nhsNumber`): field names and
       * fixed words only, never a value. The caller is not shown it.
       */
      reason?: string;
    } = {},
  ) {
    super(message);
  }
}

export { PROBLEM_TYPES, type ProblemType } from '../universal/problem-types';

export interface FieldIssue {
  /** Where the problem is, e.g. "body.nhsNumber". */
  field: string;
  message: string;
}

export class BadRequestError extends HttpError {
  constructor(message: string, issues?: FieldIssue[], reason?: string) {
    super(400, 'Bad request', message, {
      ...(issues ? { issues } : {}),
      ...(reason ? { reason } : issues?.length ? { reason: fieldsOf(issues) } : {}),
    });
  }
}

/** `body.nhsNumber,body.birthDate`: the fields a list of issues names, each once, in order. */
export function fieldsOf(issues: readonly FieldIssue[]): string {
  return [...new Set(issues.map((issue) => issue.field))].join(',');
}
export class UnauthorizedError extends HttpError {
  constructor(message = 'Sign in to continue.') {
    super(401, 'Unauthorized', message, { headers: { 'www-authenticate': 'Bearer' } });
  }
}
export class ForbiddenError extends HttpError {
  constructor(message = 'You do not have permission to do that.', type?: ProblemType, reason?: string) {
    super(403, 'Forbidden', message, { ...(type ? { type } : {}), ...(reason ? { reason } : {}) });
  }
}
export class NotFoundError extends HttpError {
  constructor(message = 'Not found.', type?: ProblemType) {
    super(404, 'Not found', message, type ? { type } : {});
  }
}
export class ConflictError extends HttpError {
  constructor(message: string, options: { type?: ProblemType; retryAfterSeconds?: number } = {}) {
    super(409, 'Conflict', message, {
      ...(options.type ? { type: options.type } : {}),
      ...(options.retryAfterSeconds ? { headers: { 'retry-after': String(options.retryAfterSeconds) } } : {}),
    });
  }
}
/** The request is well formed but cannot be done as asked (a number that cannot be texted, say). */
export class UnprocessableContentError extends HttpError {
  constructor(message: string, options: { type?: ProblemType; issues?: FieldIssue[] } = {}) {
    super(422, 'Unprocessable content', message, {
      ...(options.type ? { type: options.type } : {}),
      ...(options.issues ? { issues: options.issues } : {}),
    });
  }
}
/** Something that existed for a while and has expired (an audit report run, after a few hours). */
export class GoneError extends HttpError {
  constructor(message: string) {
    super(410, 'Gone', message);
  }
}
export class PayloadTooLargeError extends HttpError {
  constructor(message: string) {
    super(413, 'Payload too large', message, { reason: 'body-too-large' });
  }
}
export class UnsupportedMediaTypeError extends HttpError {
  constructor(message = 'Send the request body as JSON (content-type: application/json).') {
    super(415, 'Unsupported media type', message, { reason: 'unsupported-media-type' });
  }
}
export class TooManyRequestsError extends HttpError {
  constructor(message: string, retryAfterSeconds: number) {
    super(429, 'Too many requests', message, {
      headers: { 'retry-after': String(Math.ceil(retryAfterSeconds)) },
    });
  }
}
export class ServiceUnavailableError extends HttpError {
  constructor(message: string, retryAfterSeconds?: number) {
    super(
      503,
      'Service unavailable',
      message,
      retryAfterSeconds ? { headers: { 'retry-after': String(Math.ceil(retryAfterSeconds)) } } : {},
    );
  }
}
