/**
 * RFC 9457 problem details, as every API error is sent (`application/problem+json`). `detail` is written for
 * a person and never contains patient data; `requestId` finds the log lines.
 */
export interface FieldIssue {
  /** Where the problem is, e.g. `body.nhsNumber`. */
  field: string;
  message: string;
}

export interface ProblemDetails {
  type?: string;
  title: string;
  status: number;
  detail: string;
  requestId?: string;
  issues?: FieldIssue[];
}

function isFieldIssue(value: unknown): value is FieldIssue {
  if (typeof value !== 'object' || value === null) return false;
  const { field, message } = value as Record<string, unknown>;
  return typeof field === 'string' && typeof message === 'string';
}

/** A problem body, or `undefined` when `value` is not one (a proxy's HTML error page, say). */
export function parseProblem(value: unknown): ProblemDetails | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { type, title, status, detail, requestId, issues } = value as Record<string, unknown>;
  if (typeof title !== 'string' || typeof status !== 'number') return undefined;
  return {
    ...(typeof type === 'string' ? { type } : {}),
    title,
    status,
    detail: typeof detail === 'string' ? detail : title,
    ...(typeof requestId === 'string' ? { requestId } : {}),
    ...(Array.isArray(issues) ? { issues: issues.filter(isFieldIssue) } : {}),
  };
}
