import { describe, expect, it } from 'vitest';
import type { StaffMember } from '../../../layers/directory/model';
import { ConflictError, PROBLEM_TYPES, TooManyRequestsError } from '../../../layers/http/errors';
import { httpHandler, type RejectedAttempt } from '../../../layers/http/pipeline';
import { defineRoute } from '../../../layers/http/route';
import { ACCEPTABLE_USE_POLICY } from '../../../layers/identity/acceptable-use';
import * as z from '../../../layers/validation/z';
import { apiEvent, captureOutput, lambdaContext } from '../../support/events';
import { accessWithMember, staffMember } from '../../support/fake-directory';

const echoRoute = defineRoute({
  id: 'echo',
  method: 'POST',
  path: '/api/echo/{itemId}',
  area: 'test',
  auth: 'public',
  summary: 'echo',
  tags: [],
  request: {
    body: z.strictObject({
      name: z.string().check(z.minLength(1, 'Enter a name')),
      count: z.int().check(z.maximum(5)),
    }),
    params: z.strictObject({ itemId: z.string().check(z.regex(/^[a-z]+$/, 'must be lowercase letters')) }),
  },
  response: {
    status: 201,
    description: 'echo',
    schema: z.strictObject({ itemId: z.string(), name: z.string() }),
  },
});

function echo(body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const handler = httpHandler(echoRoute, async ({ body: b, params }) => ({
    body: { itemId: params.itemId, name: b.name },
  }));
  return handler(
    apiEvent({
      method: 'POST',
      headers,
      pathParameters: { itemId: 'abc' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }),
    lambdaContext(),
  );
}

function problemOf(result: { body?: string }) {
  return JSON.parse(result.body ?? '{}') as {
    type: string;
    status: number;
    detail: string;
    requestId: string;
    issues?: { field: string; message: string }[];
  };
}

describe('request parsing', () => {
  it('passes a valid request through and answers with the route status', async () => {
    const result = await echo({ name: 'x', count: 2 });
    expect(result.statusCode).toBe(201);
    expect(JSON.parse(result.body ?? '')).toEqual({ itemId: 'abc', name: 'x' });
  });

  it('names the field and the reason when a value is invalid', async () => {
    const result = await echo({ name: '', count: 2 });
    expect(result.statusCode).toBe(400);
    const problem = problemOf(result);
    expect(problem.issues).toContainEqual({ field: 'body.name', message: 'Enter a name' });
    expect(problem.detail).toBe('body.name: Enter a name');
    expect(result.headers?.['content-type']).toMatch(/application\/problem\+json/);
  });

  it('refuses fields the schema does not know', async () => {
    const result = await echo({ name: 'x', count: 1, practiceId: 'other' });
    expect(result.statusCode).toBe(400);
    expect(problemOf(result).issues?.[0]?.message).toMatch(/practiceId/);
  });

  it('says so when the body is not JSON', async () => {
    const result = await echo('{"name":');
    expect(result.statusCode).toBe(400);
    expect(problemOf(result).detail).toBe('The request body is not valid JSON.');
  });

  it('wants a JSON content type', async () => {
    const result = await echo({ name: 'x', count: 1 }, { 'content-type': 'text/plain' });
    expect(result.statusCode).toBe(415);
  });

  it('refuses an oversized body before parsing it', async () => {
    const result = await echo({ name: 'x'.repeat(20_000), count: 1 });
    expect(result.statusCode).toBe(413);
  });

  it('validates path parameters', async () => {
    const handler = httpHandler(echoRoute, async ({ params }) => ({
      body: { itemId: params.itemId, name: 'n' },
    }));
    const result = await handler(
      apiEvent({
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        pathParameters: { itemId: 'ABC' },
        body: '{"name":"x","count":1}',
      }),
      lambdaContext(),
    );
    expect(result.statusCode).toBe(400);
    expect(problemOf(result).issues).toContainEqual({
      field: 'params.itemId',
      message: 'must be lowercase letters',
    });
  });

  it('refuses query parameters on a route that takes none', async () => {
    const handler = httpHandler(echoRoute, async ({ params }) => ({
      body: { itemId: params.itemId, name: 'n' },
    }));
    const result = await handler(
      apiEvent({
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        pathParameters: { itemId: 'abc' },
        queryStringParameters: { nhsNumber: '9434765919' },
        body: '{"name":"x","count":1}',
      }),
      lambdaContext(),
    );
    expect(result.statusCode).toBe(400);
    expect(problemOf(result).detail).toBe('This endpoint does not take query parameters.');
  });
});

describe('the text rule, on every part of every route', () => {
  it.each([
    ['a body field', { name: 'a\ud800', count: 1 }, 'body.name'],
    ['a field name', { name: 'x', count: 1, 'k\udc00': 1 }, 'body'],
    ['a field with a bidi override', { name: 'x\u202e', count: 1 }, 'body.name'],
  ])('refuses malformed text in %s with a 400 naming the field', async (_what, body, field) => {
    const result = await echo(body);
    expect(result.statusCode).toBe(400);
    expect(problemOf(result).issues?.map((issue) => issue.field)).toEqual([field]);
  });

  it('refuses a lone surrogate written as a JSON escape, where JSON.parse lets it through', async () => {
    const result = await echo('{"name":"\\ud800","count":1}');
    expect(result.statusCode).toBe(400);
    expect(problemOf(result).issues?.[0]).toEqual({
      field: 'body.name',
      message: 'is not valid Unicode text (it holds a lone surrogate)',
    });
  });

  it('refuses it in path parameters too', async () => {
    const handler = httpHandler(echoRoute, async ({ params }) => ({
      body: { itemId: params.itemId, name: 'n' },
    }));
    const result = await handler(
      apiEvent({
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        pathParameters: { itemId: '\udfff' },
        body: '{"name":"x","count":1}',
      }),
      lambdaContext(),
    );
    expect(result.statusCode).toBe(400);
    expect(problemOf(result).issues?.[0]?.field).toBe('params.itemId');
  });

  it('refuses a base64 body whose bytes are not UTF-8', async () => {
    const handler = httpHandler(echoRoute, async ({ params }) => ({
      body: { itemId: params.itemId, name: 'n' },
    }));
    const result = await handler(
      apiEvent({
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        pathParameters: { itemId: 'abc' },
        isBase64Encoded: true,
        body: Buffer.from([0x7b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]).toString('base64'),
      }),
      lambdaContext(),
    );
    expect(result.statusCode).toBe(400);
    expect(problemOf(result).detail).toBe('The request body is not valid UTF-8 text.');
  });
});

describe('rejected attempts on routes that put every attempt on record', () => {
  const lookupLike = defineRoute({
    id: 'lookupLike',
    method: 'POST',
    path: '/api/lookup-like',
    area: 'test',
    auth: 'staff',
    permission: 'patients.lookup',
    summary: 'a route that audits every attempt',
    tags: [],
    request: { body: z.strictObject({ nhsNumber: z.string().check(z.regex(/^\d{10}$/)) }) },
    response: { status: 200, description: 'ok', schema: z.strictObject({ ok: z.boolean() }) },
  });
  const claims = { sub: 'user-1', token_use: 'access', practice_id: 'practice-a' };

  function attempt(
    event: Parameters<typeof apiEvent>[0],
    member = staffMember({ aupVersion: ACCEPTABLE_USE_POLICY.version }),
    onRejected: (attempt: RejectedAttempt) => Promise<void> = async () => undefined,
  ) {
    const seen: RejectedAttempt[] = [];
    const handler = httpHandler(lookupLike, async () => ({ body: { ok: true } }), {
      stores: accessWithMember(member),
      onRejected: async (rejected) => {
        seen.push(rejected);
        await onRejected(rejected);
      },
    });
    return handler(apiEvent({ method: 'POST', claims, ...event }), lambdaContext()).then((result) => ({
      result,
      seen,
    }));
  }
  const json = { 'content-type': 'application/json' };

  it.each([
    [
      'a wrong content type',
      { headers: { 'content-type': 'text/plain' }, body: '{}' },
      415,
      'unsupported-media-type',
    ],
    [
      'a body too large',
      { headers: json, body: JSON.stringify({ nhsNumber: 'x'.repeat(20_000) }) },
      413,
      'body-too-large',
    ],
    ['no body', { headers: json }, 400, 'body-missing'],
    ['a body that is not JSON', { headers: json, body: '{' }, 400, 'body-not-json'],
    [
      'query parameters on a route that takes none',
      {
        headers: json,
        body: '{"nhsNumber":"9434765919"}',
        queryStringParameters: { nhsNumber: '9434765919' },
      },
      400,
      'query-not-allowed',
    ],
    ['an invalid field', { headers: json, body: '{"nhsNumber":"12"}' }, 400, 'body.nhsNumber'],
    ['malformed text', { headers: json, body: '{"nhsNumber":"\\ud800"}' }, 400, 'body.nhsNumber'],
  ] as const)('tells the route of %s once, with the true reason', async (_what, event, status, reason) => {
    const { result, seen } = await attempt(event);
    expect(result.statusCode).toBe(status);
    expect(seen.map((s) => ({ stage: s.stage, reason: s.reason, status: s.error.status }))).toEqual([
      { stage: 'request', reason, status },
    ]);
    expect(seen[0]?.caller.practiceId).toBe('practice-a');
  });

  it.each([
    ['a role without the permission', { role: 'practice_admin' as const }, 'permission-denied'],
    ['a member waiting for approval', { status: 'pending' as const }, 'pending-approval'],
    ['a member who has not accepted the policy', { aupVersion: 'old' }, 'aup-required'],
  ])('tells it of %s refused by the gate', async (_what, overrides, reason) => {
    const member = staffMember({ aupVersion: ACCEPTABLE_USE_POLICY.version, ...overrides });
    const { result, seen } = await attempt({ headers: json, body: '{"nhsNumber":"9434765919"}' }, member);
    expect(result.statusCode).toBe(403);
    expect(seen.map((s) => ({ stage: s.stage, reason: s.reason }))).toEqual([{ stage: 'gate', reason }]);
  });

  it('does not call it for a valid request, nor for a caller it does not know', async () => {
    const valid = await attempt({ headers: json, body: '{"nhsNumber":"9434765919"}' });
    expect(valid.result.statusCode).toBe(200);
    expect(valid.seen).toEqual([]);
    const stranger = await attempt({ headers: json, body: '{}' }, staffMember({ sub: 'someone-else' }));
    expect(stranger.result.statusCode).toBe(403);
    expect(stranger.seen).toEqual([]);
  });

  it('answers with what the route throws instead (a 429 once over its limit)', async () => {
    const { result } = await attempt({ headers: json, body: '{"nhsNumber":"1"}' }, undefined, async () => {
      throw new TooManyRequestsError('Too many.', 60);
    });
    expect(result.statusCode).toBe(429);
    expect(result.headers?.['retry-after']).toBe('60');
  });
});

describe('errors', () => {
  const plainRoute = defineRoute({
    id: 'plain',
    method: 'GET',
    path: '/api/plain',
    area: 'test',
    auth: 'public',
    summary: 'plain',
    tags: [],
    request: {},
    response: { status: 200, description: 'ok', schema: z.strictObject({ ok: z.boolean() }) },
  });

  it('shows the message of a 4xx HttpError, with its headers', async () => {
    const handler = httpHandler(plainRoute, async () => {
      throw new TooManyRequestsError('Slow down.', 30);
    });
    const result = await handler(apiEvent(), lambdaContext());
    expect(result.statusCode).toBe(429);
    expect(result.headers?.['retry-after']).toBe('30');
    expect(problemOf(result).detail).toBe('Slow down.');
  });

  it('turns an unknown error into a generic 500 with the request id, and logs it without its message', async () => {
    const secret = 'Jane Smith 9434765919';
    const handler = httpHandler(plainRoute, async () => {
      throw new Error(`lookup failed for ${secret}`);
    });
    const { result, output } = await captureOutput(() => handler(apiEvent(), lambdaContext()));
    expect(result.statusCode).toBe(500);
    const problem = problemOf(result);
    expect(problem.requestId).toBe('req-test-1');
    expect(result.body).not.toContain(secret);
    expect(output).toContain('unhandled error');
    expect(output).toContain('req-test-1');
    expect(output).not.toContain(secret);
  });

  it('refuses to send a response that breaks its schema (no extra fields leak)', async () => {
    const handler = httpHandler(plainRoute, async () => ({
      body: { ok: true, nhsNumber: '9434765919' } as never,
    }));
    const { result } = await captureOutput(() => handler(apiEvent(), lambdaContext()));
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('9434765919');
  });

  it('adds security headers and no-store to success and error responses alike', async () => {
    const ok = await httpHandler(plainRoute, async () => ({ body: { ok: true } }))(
      apiEvent(),
      lambdaContext(),
    );
    const refused = await httpHandler(plainRoute, async () => {
      throw new ConflictError('Already done.');
    })(apiEvent(), lambdaContext());
    for (const result of [ok, refused]) {
      expect(result.headers?.['Strict-Transport-Security']).toMatch(/max-age=/);
      expect(result.headers?.['X-Content-Type-Options']).toBe('nosniff');
      expect(result.headers?.['content-security-policy']).toContain("default-src 'none'");
      expect(result.headers?.['cache-control']).toBe('no-store');
    }
    expect(refused.statusCode).toBe(409);
  });
});

describe('staff routes', () => {
  const staffRoute = defineRoute({
    id: 'whoami',
    method: 'GET',
    path: '/api/whoami',
    area: 'test',
    auth: 'staff',
    summary: 'whoami',
    tags: [],
    request: {},
    response: { status: 200, description: 'ok', schema: z.strictObject({ practiceId: z.string() }) },
  });

  const member = (status: StaffMember['status']) =>
    staffMember({ status, aupVersion: ACCEPTABLE_USE_POLICY.version });

  const handlerFor = (staff: StaffMember | undefined) =>
    httpHandler(staffRoute, async ({ caller }) => ({ body: { practiceId: caller.practiceId } }), {
      stores: accessWithMember(staff),
    });

  it('admits an active member, with the practice from the staff record', async () => {
    const result = await handlerFor(member('active'))(
      apiEvent({ claims: { sub: 'user-1', token_use: 'access', practice_id: 'practice-a' } }),
      lambdaContext(),
    );
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body ?? '')).toEqual({ practiceId: 'practice-a' });
  });

  it.each([
    ['pending', 'Your account is waiting for approval by your practice.'],
    ['suspended', 'Your account has been suspended by your practice.'],
    ['rejected', 'Your practice has not approved this account.'],
  ] as const)('refuses a %s member with 403', async (status, message) => {
    const result = await handlerFor(member(status))(
      apiEvent({ claims: { sub: 'user-1', token_use: 'access', practice_id: 'practice-a' } }),
      lambdaContext(),
    );
    expect(result.statusCode).toBe(403);
    expect(problemOf(result).detail).toBe(message);
    expect(problemOf(result).type).toMatch(/^urn:clinic-connect:problem:/);
  });

  it('refuses a token claiming a practice the caller is not a member of', async () => {
    const result = await handlerFor(member('active'))(
      apiEvent({ claims: { sub: 'user-1', token_use: 'access', practice_id: 'practice-b' } }),
      lambdaContext(),
    );
    expect(result.statusCode).toBe(403);
  });

  it('refuses a practice claim that is not a practice id with 403, before it names any store', async () => {
    const result = await handlerFor(member('active'))(
      apiEvent({ claims: { sub: 'user-1', token_use: 'access', practice_id: 'Not a practice!' } }),
      lambdaContext(),
    );
    expect(result.statusCode).toBe(403);
    expect(problemOf(result).type).toBe(PROBLEM_TYPES.noPractice);
  });

  it('answers 401 when no authorizer claims reached the function', async () => {
    const result = await handlerFor(member('active'))(apiEvent(), lambdaContext());
    expect(result.statusCode).toBe(401);
  });

  it('refuses an ID token presented as a bearer token (API Gateway lets it through: its audience is the client)', async () => {
    const result = await handlerFor(member('active'))(
      apiEvent({ claims: { sub: 'user-1', token_use: 'id', practice_id: 'practice-a' } }),
      lambdaContext(),
    );
    expect(result.statusCode).toBe(401);
  });

  it('takes identity only from the authorizer, never from headers or the query', async () => {
    const result = await handlerFor(member('active'))(
      apiEvent({ headers: { 'x-practice-id': 'practice-a', 'x-user': 'user-1' } }),
      lambdaContext(),
    );
    expect(result.statusCode).toBe(401);
  });

  it('asks a member who has not accepted the current policy to accept it first', async () => {
    const result = await handlerFor({ ...member('active'), aupVersion: 'an-older-version' })(
      apiEvent({ claims: { sub: 'user-1', token_use: 'access', practice_id: 'practice-a' } }),
      lambdaContext(),
    );
    expect(result.statusCode).toBe(403);
    expect(problemOf(result)).toMatchObject({ type: PROBLEM_TYPES.aupRequired });
  });

  it('refuses a role without the route’s permission, naming the role and the action', async () => {
    const adminOnly = httpHandler(
      { ...staffRoute, permission: 'staff.manage' },
      async ({ caller }) => ({ body: { practiceId: caller.practiceId } }),
      { stores: accessWithMember(member('active')) },
    );
    const result = await adminOnly(
      apiEvent({ claims: { sub: 'user-1', token_use: 'access', practice_id: 'practice-a' } }),
      lambdaContext(),
    );
    expect(result.statusCode).toBe(403);
    expect(problemOf(result)).toMatchObject({
      type: PROBLEM_TYPES.permissionDenied,
      detail: 'As a clinician you cannot approve and manage staff.',
    });
  });

  it('finds the practice from the membership when the token predates registration', async () => {
    const result = await handlerFor(member('active'))(
      apiEvent({ claims: { sub: 'user-1', token_use: 'access' } }),
      lambdaContext(),
    );
    expect(result.statusCode).toBe(200);
  });
});
