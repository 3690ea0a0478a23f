import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { $ZodError, $ZodObject, $ZodType, output } from 'zod/v4/core';
import { withTextRule } from '../validation/text';
import * as z from '../validation/z';
import { BadRequestError, type FieldIssue, PayloadTooLargeError, UnsupportedMediaTypeError } from './errors';

/** Requests are small forms; anything larger is a mistake or an attack. */
export const MAX_BODY_BYTES = 16 * 1024;

export function zodIssues(prefix: string, error: $ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}

function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/**
 * The request's values of the headers a route declares (its schema's keys, lower case), and no others: the
 * gateway's own headers (authorization, user agent, forwarded-for...) never reach a route's parsing.
 */
export function declaredHeaders(schema: $ZodObject, event: APIGatewayProxyEventV2): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of Object.keys(schema._zod.def.shape)) {
    const value = header(event, name);
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The request body as JSON. Each way it can be wrong has its own status and reason (for routes that audit
 * every attempt): none at all, not JSON by its content type (415), too large (413), not UTF-8, not JSON.
 */
export function readJsonBody(event: APIGatewayProxyEventV2): unknown {
  const raw = event.body;
  if (raw === undefined || raw === null || raw === '') {
    throw new BadRequestError('This request needs a JSON body.', undefined, 'body-missing');
  }
  const contentType = header(event, 'content-type') ?? '';
  if (!/^application\/json\b/i.test(contentType)) throw new UnsupportedMediaTypeError();
  // API Gateway sends a body it does not take for text base64-encoded: its bytes must be UTF-8.
  const size = event.isBase64Encoded ? Buffer.byteLength(raw, 'base64') : Buffer.byteLength(raw, 'utf8');
  if (size > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(`The request body must be at most ${MAX_BODY_BYTES / 1024} KB.`);
  }
  let text = raw;
  if (event.isBase64Encoded) {
    try {
      text = UTF8.decode(Buffer.from(raw, 'base64'));
    } catch {
      throw new BadRequestError('The request body is not valid UTF-8 text.', undefined, 'body-not-utf8');
    }
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequestError('The request body is not valid JSON.', undefined, 'body-not-json');
  }
}

const PART_WORDS = {
  body: 'a request body',
  query: 'query parameters',
  params: 'path parameters',
  headers: 'these headers',
} as const;

// One wrapped schema per route schema: the wrapping is done once per container, not per request.
const wrapped = new WeakMap<$ZodType, $ZodType>();
function guarded(schema: $ZodType): $ZodType {
  let schemaWithRule = wrapped.get(schema);
  if (!schemaWithRule) {
    schemaWithRule = withTextRule(schema);
    wrapped.set(schema, schemaWithRule);
  }
  return schemaWithRule;
}

/**
 * One part of the request (path parameters, query or body) through the route's schema, behind the API's one
 * text rule (layers/validation/text.ts): any string, anywhere in it, that is not plain text is a 400 naming
 * its field, before the route's own rules see it. A part the route does not declare must be absent.
 */
export function parsePart<S extends $ZodType>(
  part: 'body' | 'query' | 'params' | 'headers',
  schema: S | undefined,
  value: unknown,
): output<S> | undefined {
  if (!schema) {
    const present =
      value !== undefined &&
      value !== null &&
      !(typeof value === 'object' && Object.keys(value).length === 0);
    if (present) {
      throw new BadRequestError(
        `This endpoint does not take ${PART_WORDS[part]}.`,
        undefined,
        `${part}-not-allowed`,
      );
    }
    return undefined;
  }
  const result = z.safeParse(guarded(schema), value ?? {});
  if (!result.success) {
    const issues = zodIssues(part, result.error);
    const first = issues[0];
    throw new BadRequestError(
      first ? `${first.field}: ${first.message}` : 'The request is not valid.',
      issues,
      issues.length > 0 ? undefined : part,
    );
  }
  return result.data as output<S>;
}
