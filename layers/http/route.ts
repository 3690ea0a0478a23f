import type { $ZodObject, $ZodType } from 'zod/v4/core';
import type { FunctionDefinition } from '../functions/definition';
import type { Action } from '../universal/permissions';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Who may call a route. `public`: anyone (health, the patient join flow). `account`: anyone signed in, member
 * of a practice or not (registering with a practice). `staff`: an approved, active member of a practice. The
 * last two sit behind API Gateway's JWT authorizer.
 */
export type RouteAuth = 'public' | 'account' | 'staff';

type ObjectSchema = $ZodObject;

/**
 * A route is data: the local gateway dispatches on it, the CDK api stack creates one function and one
 * API Gateway route from it, and the OpenAPI document is generated from its schemas. Its handler module is
 * `functions/<area>/<id as kebab-case>.handler.ts` (see `handlerModule`), and `id` is also the OpenAPI
 * operationId.
 */
export interface RouteDefinition<
  Body extends ObjectSchema | undefined = ObjectSchema | undefined,
  Query extends ObjectSchema | undefined = ObjectSchema | undefined,
  Params extends ObjectSchema | undefined = ObjectSchema | undefined,
  Response extends $ZodType = $ZodType,
  Auth extends RouteAuth = RouteAuth,
  Headers extends ObjectSchema | undefined = ObjectSchema | undefined,
> extends FunctionDefinition {
  method: HttpMethod;
  /** API Gateway style, e.g. `/api/staff/{staffId}`. */
  path: `/api/${string}`;
  auth: Auth;
  /** On `staff` routes: what the caller's role must allow (see layers/universal/permissions.ts). */
  permission?: Action;
  /**
   * On `staff` routes: false lets a member in before accepting the current acceptable-use policy (reading
   * who they are, accepting the policy). Default true.
   */
  requiresAcceptableUse?: boolean;
  summary: string;
  description?: string;
  tags: string[];
  request: {
    body?: Body;
    query?: Query;
    params?: Params;
    /**
     * Request headers the handler reads (`idempotency-key`), named in lower case. Only these are parsed,
     * with the same strictness and 400s as the body; every other header is left to the gateway.
     */
    headers?: Headers;
    /**
     * A valid request body, shown in the API document and used by the isolation test, which sends it with
     * another practice's ids in the path. Required on every route that takes a body.
     */
    example?: { body?: unknown; query?: Record<string, string>; headers?: Record<string, string> };
  };
  /** The success status and the schema its body must satisfy; responses are checked before they leave. */
  response: { status: number; description: string; schema: Response };
  /** Error statuses this route can answer besides 400/401/403/500, for the API document. */
  errors?: number[];
  /**
   * A route whose every attempt must be on record (patient lookups): each attempt by a member the gate knows,
   * refused or not, leaves exactly one audit event of this type, and a refused one writes nothing else but
   * its rate-limit counters (sort keys `RATE#<counters>…`). Its handler must pass `onRejected`; the fuzz
   * suite holds it to both.
   */
  everyAttemptAudited?: { event: string; counters: string };
  /**
   * The route's own API Gateway throttle, tighter than the stage's default (synth refuses one that is not):
   * requests per second across the stage, and the burst allowed above it. Over it, API Gateway answers 429
   * before any function runs. For routes that reach slow or rate-limited outside systems (PDS, SMS), so that
   * one of them cannot take the capacity every other route shares.
   */
  throttle?: RouteThrottle;
}

export interface RouteThrottle {
  rateLimit: number;
  burstLimit: number;
}

export function defineRoute<
  Body extends ObjectSchema | undefined = undefined,
  Query extends ObjectSchema | undefined = undefined,
  Params extends ObjectSchema | undefined = undefined,
  Response extends $ZodType = $ZodType,
  const Auth extends RouteAuth = RouteAuth,
  Headers extends ObjectSchema | undefined = undefined,
>(
  route: RouteDefinition<Body, Query, Params, Response, Auth, Headers>,
): RouteDefinition<Body, Query, Params, Response, Auth, Headers> {
  return route;
}

/** `/api/staff/{staffId}` → `staffId`s, in order. */
export function pathParameterNames(path: string): string[] {
  return [...path.matchAll(/\{([A-Za-z][A-Za-z0-9]*)\}/g)].map((match) => match[1] as string);
}
