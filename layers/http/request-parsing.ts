import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { $ZodError, $ZodObject, $ZodType, output } from 'zod/v4/core';
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

export function readJsonBody(event: APIGatewayProxyEventV2): unknown {
  const raw = event.body;
  if (raw === undefined || raw === null || raw === '') {
    throw new BadRequestError('This request needs a JSON body.');
  }
  const contentType = header(event, 'content-type') ?? '';
  if (!/^application\/json\b/i.test(contentType)) throw new UnsupportedMediaTypeError();
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(`The request body must be at most ${MAX_BODY_BYTES / 1024} KB.`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequestError('The request body is not valid JSON.');
  }
}

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
      const what = {
        body: 'a request body',
        query: 'query parameters',
        params: 'path parameters',
        headers: 'these headers',
      }[part];
      throw new BadRequestError(`This endpoint does not take ${what}.`);
    }
    return undefined;
  }
  const result = z.safeParse(schema, value ?? {});
  if (!result.success) {
    const issues = zodIssues(part, result.error);
    const first = issues[0];
    throw new BadRequestError(
      first ? `${first.field}: ${first.message}` : 'The request is not valid.',
      issues,
    );
  }
  return result.data;
}
