import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import httpSecurityHeaders from '@middy/http-security-headers';
import type {
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import type { $ZodType, output } from 'zod/v4/core';
import { logger, metrics } from '../observability/powertools';
import type { StoreAccess } from '../practice/practice-stores';
import * as z from '../validation/z';
import { HttpError } from './errors';
import { identityFromAuthorizer } from './identity';
import { declaredHeaders, parsePart, readJsonBody } from './request-parsing';
import type { RouteDefinition } from './route';
import {
  type AccountCaller,
  admitAccount,
  admitStaff,
  type StaffCaller,
  StaffRefusedError,
} from './staff-gate';

/** The parsed type of an optional schema; `undefined` where the route declares none. */
type Infer<S> = [Exclude<S, undefined>] extends [never]
  ? undefined
  : output<Exclude<S, undefined> & $ZodType>;

export interface HandlerRequest<R extends RouteDefinition> {
  body: Infer<R['request']['body']>;
  query: Infer<R['request']['query']>;
  params: Infer<R['request']['params']>;
  /** The headers the route declares (lower-case names), parsed; `undefined` where it declares none. */
  headers: Infer<R['request']['headers']>;
  /** An active staff member on every `staff` route (checked against the directory); `undefined` on public ones. */
  caller: R['auth'] extends 'staff' ? StaffCaller : R['auth'] extends 'account' ? AccountCaller : undefined;
  requestId: string;
  event: APIGatewayProxyEventV2WithJWTAuthorizer;
}

export interface HandlerResult<R extends RouteDefinition> {
  status?: number;
  body: output<R['response']['schema']>;
  headers?: Record<string, string>;
}

export type HttpHandler = (
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** Middy adds the helmet-style headers; a JSON API also wants these, which middy keeps for HTML only. */
const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

/** RFC 9457 problem details: what the caller may read, and the request id that finds the log lines. */
function problem(error: HttpError | undefined, requestId: string): APIGatewayProxyStructuredResultV2 {
  const status = error?.status ?? 500;
  const body = {
    type: error?.details.type ?? 'about:blank',
    title: error?.title ?? 'Internal server error',
    status,
    detail: error?.message ?? 'Something went wrong on our side. It has been logged; please try again.',
    requestId,
    ...(error?.details.issues ? { issues: error.details.issues } : {}),
  };
  return {
    statusCode: status,
    headers: {
      ...JSON_HEADERS,
      'content-type': 'application/problem+json; charset=utf-8',
      ...(error?.details.headers ?? {}),
    },
    body: JSON.stringify(body),
  };
}

function requiredStores(stores: StoreAccess | undefined, route: RouteDefinition): StoreAccess {
  if (!stores) throw new TypeError(`${route.id} is a staff route: its handler must pass its stores.`);
  return stores;
}

function errorBoundary(): middy.MiddlewareObj<
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2
> {
  return {
    onError: async (request) => {
      const requestId = request.event.requestContext?.requestId ?? request.context.awsRequestId;
      const error = request.error;
      if (error instanceof HttpError && error.status < 500) {
        logger.info('request refused', { status: error.status, reason: error.title });
        request.response = problem(error, requestId);
        return;
      }
      if (error instanceof HttpError) {
        logger.warn('dependency unavailable', { status: error.status, reason: error.title });
        request.response = problem(error, requestId);
        return;
      }
      // Only the error's class and stack: messages from libraries can quote the data they choked on.
      logger.error('unhandled error', {
        errorName: error?.name,
        stack: error?.stack?.split('\n').slice(1, 8),
      });
      metrics.addMetric('UnhandledErrors', MetricUnit.Count, 1);
      request.response = problem(undefined, requestId);
    },
  };
}

/**
 * An attempt the API refused before the handler ran, by a member it knows: the gate refused them (403), or
 * their request was not valid (400, 413, 415). Routes that must put every attempt on record get one call per
 * such attempt (`onRejected`).
 */
export interface RejectedAttempt {
  /** The member: admitted, or known to the gate that refused them. */
  caller: StaffCaller;
  /** What the caller is told, unless the hook throws another HttpError (a 429 once over a limit). */
  error: HttpError;
  /** `gate` (who they are) or `request` (what they sent). */
  stage: 'gate' | 'request';
  /** The true reason, for an audit trail: field names or fixed words (`body-too-large`), never values. */
  reason: string;
  /** The parsed JSON body, if the request got that far. */
  rawBody: unknown;
  requestId: string;
}

/** What the pipeline needs beside the route: on `staff` routes, the stores the gate admits callers with. */
export type PipelineOptions<R extends RouteDefinition> = (R['auth'] extends 'staff'
  ? {
      /** The function's stores: the staff gate reads the caller's record through them and hands them on. */
      stores: StoreAccess;
    }
  : { stores?: never }) & {
  /**
   * Staff routes whose every attempt must be on record (patient lookups): called for each attempt refused
   * before the handler, and awaited before the answer goes out, so that a failure to record it fails the
   * request (routes that must audit fail closed). It may throw an HttpError to answer with instead.
   */
  onRejected?: (attempt: RejectedAttempt) => Promise<void>;
};

/**
 * The one middy stack every HTTP handler uses: logging with the request id, metrics, security headers, input
 * parsing with the route's zod schemas, caller identity from the JWT authorizer only, a response checked
 * against the route's schema, and errors turned into problem details. It holds no store or SDK client of its
 * own: a staff route's handler passes its stores, and a public route's function carries none.
 *
 * Tracing is Lambda's active tracing (the function's segment, its init and invocation times): no X-Ray SDK
 * is bundled, which kept an async hook on every promise and ~150 KB in every function for subsegments nobody
 * recorded.
 */
export function httpHandler<R extends RouteDefinition>(
  route: R,
  implementation: (request: HandlerRequest<R>) => Promise<HandlerResult<R>>,
  ...[options]: R['auth'] extends 'staff' ? [PipelineOptions<R>] : [PipelineOptions<R>?]
): HttpHandler {
  const stores = options?.stores;
  if (route.everyAttemptAudited && !options?.onRejected) {
    throw new TypeError(`${route.id} audits every attempt: its handler must pass onRejected.`);
  }
  const core = async (
    event: APIGatewayProxyEventV2WithJWTAuthorizer,
    context: Context,
  ): Promise<APIGatewayProxyStructuredResultV2> => {
    const requestId = event.requestContext?.requestId ?? context.awsRequestId;
    logger.appendKeys({ request_id: requestId, route: route.id });
    const onRejected = route.auth === 'staff' ? options?.onRejected : undefined;
    let caller: StaffCaller | AccountCaller | undefined;
    try {
      caller =
        route.auth === 'staff'
          ? await admitStaff(requiredStores(stores, route), identityFromAuthorizer(event), route)
          : route.auth === 'account'
            ? admitAccount(identityFromAuthorizer(event))
            : undefined;
    } catch (error) {
      if (error instanceof StaffRefusedError && onRejected) {
        logger.appendKeys({ practice_id: error.member.practiceId });
        await onRejected({
          caller: error.member,
          error,
          stage: 'gate',
          reason: error.details.reason ?? 'refused',
          rawBody: undefined,
          requestId,
        });
      }
      throw error;
    }
    if (caller && 'practiceId' in caller) logger.appendKeys({ practice_id: caller.practiceId });
    let rawBody: unknown;
    let params: unknown;
    let query: unknown;
    let body: unknown;
    let headers: unknown;
    try {
      headers = route.request.headers
        ? parsePart('headers', route.request.headers, declaredHeaders(route.request.headers, event))
        : undefined;
      params = parsePart('params', route.request.params, event.pathParameters);
      query = parsePart('query', route.request.query, event.queryStringParameters);
      if (route.request.body) {
        rawBody = readJsonBody(event);
        body = parsePart('body', route.request.body, rawBody);
      } else {
        body = parsePart('body', undefined, event.body);
      }
    } catch (error) {
      if (error instanceof HttpError && error.status < 500 && onRejected && caller && 'stores' in caller) {
        await onRejected({
          caller: caller as StaffCaller,
          error,
          stage: 'request',
          reason: error.details.reason ?? 'request',
          rawBody,
          requestId,
        });
      }
      throw error;
    }

    const result = await implementation({
      body,
      query,
      params,
      headers,
      caller,
      requestId,
      event,
    } as HandlerRequest<R>);

    const checked = z.safeParse(route.response.schema, result.body);
    if (!checked.success) {
      // A response that breaks its schema could leak fields nobody meant to send: refuse it.
      logger.error('response failed its schema', {
        fields: checked.error.issues.map((i) => i.path.join('.')),
      });
      throw new Error('response schema violation');
    }
    const statusCode = result.status ?? route.response.status;
    logger.info('request completed', { status: statusCode });
    return {
      statusCode,
      headers: { ...JSON_HEADERS, ...(result.headers ?? {}) },
      body: JSON.stringify(checked.data),
    };
  };

  return middy(core)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .use(
      httpSecurityHeaders({
        reportTo: false,
        // Typed before middy added it; without this an empty Reporting-Endpoints header goes out.
        ...({ reportingEndpoints: false } as object),
      }),
    )
    .use(errorBoundary()) as unknown as HttpHandler;
}
