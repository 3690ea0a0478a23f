import type { $ZodObject, $ZodType } from 'zod/v4/core';
import type { Action } from '../identity/permissions';
import type { TableId } from '../storage/tables';

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
 * API Gateway route from it, and the OpenAPI document is generated from its schemas. The handler module is
 * `functions/<area>/handler.ts`, and `id` is both its export name and the OpenAPI operationId.
 */
export interface RouteDefinition<
  Body extends ObjectSchema | undefined = ObjectSchema | undefined,
  Query extends ObjectSchema | undefined = ObjectSchema | undefined,
  Params extends ObjectSchema | undefined = ObjectSchema | undefined,
  Response extends $ZodType = $ZodType,
  Auth extends RouteAuth = RouteAuth,
> {
  id: string;
  method: HttpMethod;
  /** API Gateway style, e.g. `/api/staff/{staffId}`. */
  path: `/api/${string}`;
  area: string;
  auth: Auth;
  /** On `staff` routes: what the caller's role must allow (see layers/identity/permissions.ts). */
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
     * A valid request body, shown in the API document and used by the isolation test, which sends it with
     * another practice's ids in the path. Required on every route that takes a body.
     */
    example?: { body?: unknown; query?: Record<string, string> };
  };
  /** The success status and the schema its body must satisfy; responses are checked before they leave. */
  response: { status: number; description: string; schema: Response };
  /** Error statuses this route can answer besides 400/401/403/500, for the API document. */
  errors?: number[];
  lambda?: { memoryMb?: number; timeoutSeconds?: number };
  /** The function calls the NHS Personal Demographics Service (its URL, credentials and lookup settings). */
  pds?: boolean;
  /** The function may end a member's sessions at the identity provider (Cognito AdminUserGlobalSignOut). */
  identityAdmin?: boolean;
  /**
   * What the route's function may do to each table; the CDK stack grants exactly this and nothing more.
   * `platform` limits access to the PLATFORM partition (health probes); `practice` to practice partitions.
   */
  tables?: Partial<Record<TableId, { access: 'read' | 'readwrite'; scope: 'platform' | 'practice' | 'any' }>>;
}

/** A route's function when it names no size or timeout: the same in Lambda and in the local gateway. */
export const ROUTE_FUNCTION_DEFAULTS = { memoryMb: 256, timeoutSeconds: 10 } as const;

export function defineRoute<
  Body extends ObjectSchema | undefined = undefined,
  Query extends ObjectSchema | undefined = undefined,
  Params extends ObjectSchema | undefined = undefined,
  Response extends $ZodType = $ZodType,
  const Auth extends RouteAuth = RouteAuth,
>(
  route: RouteDefinition<Body, Query, Params, Response, Auth>,
): RouteDefinition<Body, Query, Params, Response, Auth> {
  return route;
}

/** `/api/staff/{staffId}` → `staffId`s, in order. */
export function pathParameterNames(path: string): string[] {
  return [...path.matchAll(/\{([A-Za-z][A-Za-z0-9]*)\}/g)].map((match) => match[1] as string);
}
