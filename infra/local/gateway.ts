import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { RouteDefinition } from '../../layers/http/route';
import type { FunctionRunner } from './function-runner';
import type { AuthorizerResult } from './jwt-authorizer';

/** API Gateway's own limit on a request payload. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

interface CompiledRoute {
  route: RouteDefinition;
  pattern: RegExp;
  paramNames: string[];
}

function compile(route: RouteDefinition): CompiledRoute {
  const paramNames: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      const param = /^\{([A-Za-z][A-Za-z0-9]*)\}$/.exec(segment);
      if (param?.[1]) {
        paramNames.push(param[1]);
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { route, pattern: new RegExp(`^${source}$`), paramNames };
}

export interface GatewayOptions {
  routes: readonly RouteDefinition[];
  /** Imports and invokes each route's handler module, as Lambda would. */
  functions: FunctionRunner;
  authorize: (authorization: string | undefined) => Promise<AuthorizerResult>;
}

const TEXT_TYPES = /^(application\/(json|problem\+json|x-www-form-urlencoded|xml)|text\/)/i;

/**
 * The local API Gateway (HTTP API, payload format 2.0): matches the route table, runs the JWT authorizer on
 * staff routes, builds the same event Lambda receives and calls the same handler module.
 */
export function createGateway(options: GatewayOptions) {
  const compiled = options.routes.map(compile);
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway.local');
    const method = (req.method ?? 'GET').toUpperCase();
    const pathMatches = compiled.filter((c) => c.pattern.test(url.pathname));
    const match = pathMatches.find((c) => c.route.method === method);
    if (!match) {
      // API Gateway answers unknown routes (and unknown methods on known paths) with a bare 404.
      return send(res, {
        statusCode: 404,
        headers: { 'content-type': 'application/json' },
        body: '{"message":"Not Found"}',
      });
    }

    const values = (match.pattern.exec(url.pathname)?.slice(1) ?? []).map(safeDecode);
    if (values.includes(undefined)) {
      // API Gateway refuses a malformed percent-encoding before anything runs.
      return send(res, {
        statusCode: 400,
        headers: { 'content-type': 'application/json' },
        body: '{"message":"Bad Request"}',
      });
    }

    const body = await readBody(req);
    if (body.length > MAX_PAYLOAD_BYTES) {
      return send(res, {
        statusCode: 413,
        headers: { 'content-type': 'application/json' },
        body: '{"message":"Request Entity Too Large"}',
      });
    }

    const headers = flattenHeaders(req);
    let verified: { claims: Record<string, string>; scopes: string[] } | undefined;
    if (match.route.auth !== 'public') {
      const result = await options.authorize(headers.authorization);
      if (!result.ok) {
        return send(res, {
          statusCode: 401,
          headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer' },
          body: '{"message":"Unauthorized"}',
        });
      }
      verified = { claims: result.claims, scopes: result.scopes };
    }

    const requestId = randomUUID();
    const event = apiGatewayEvent({
      route: match.route,
      url,
      method,
      headers,
      body,
      pathParameters: Object.fromEntries(match.paramNames.map((name, i) => [name, values[i] ?? ''])),
      ...(verified ?? {}),
      requestId,
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      httpVersion: req.httpVersion,
    });
    const routeKey = event.routeKey;

    try {
      const result = (await options.functions.invoke(
        match.route,
        event,
      )) as APIGatewayProxyStructuredResultV2;
      send(res, result, requestId);
    } catch (error) {
      // What API Gateway answers when the function itself fails (init error, crash or timeout).
      console.error(`[gateway] ${routeKey} failed: ${(error as Error).message}`);
      send(
        res,
        {
          statusCode: 500,
          headers: { 'content-type': 'application/json' },
          body: '{"message":"Internal Server Error"}',
        },
        requestId,
      );
    }
  };
}

/** What the gateway knows of a request once it has matched a route (and, on signed-in routes, a token). */
export interface GatewayRequest {
  route: RouteDefinition;
  url: URL;
  method: string;
  /** Lower-cased names. */
  headers: Record<string, string>;
  body: Buffer;
  /** Decoded already (a malformed percent-encoding never gets this far). */
  pathParameters: Record<string, string>;
  /** The verified token's claims, flattened to strings; absent on public routes. */
  claims?: Record<string, string>;
  scopes?: string[];
  requestId: string;
  sourceIp: string;
  httpVersion: string;
}

/**
 * The payload-2.0 event API Gateway sends a Lambda function for one request: query values of a repeated
 * name joined with commas, a text body as it is and any other base64-encoded, the JWT authorizer's claims in
 * `requestContext.authorizer.jwt`.
 */
export function apiGatewayEvent(request: GatewayRequest): APIGatewayProxyEventV2WithJWTAuthorizer {
  const { route, url, method, headers, body } = request;
  const query = new Map<string, string[]>();
  for (const [key, value] of url.searchParams) query.set(key, [...(query.get(key) ?? []), value]);
  const contentType = headers['content-type'] ?? '';
  const isText = body.length === 0 || TEXT_TYPES.test(contentType);
  const now = new Date();
  const routeKey = `${route.method} ${route.path}`;
  const paramNames = Object.keys(request.pathParameters);
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(headers.cookie ? { cookies: headers.cookie.split(/;\s*/) } : {}),
    headers,
    ...(query.size > 0
      ? { queryStringParameters: Object.fromEntries([...query].map(([k, v]) => [k, v.join(',')])) }
      : {}),
    ...(paramNames.length > 0 ? { pathParameters: request.pathParameters } : {}),
    ...(body.length > 0 ? { body: isText ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !isText,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      ...(request.claims
        ? {
            authorizer: {
              principalId: '',
              integrationLatency: 0,
              jwt: { claims: request.claims, scopes: request.scopes ?? [] },
            },
          }
        : {}),
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: request.requestId,
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
  } as APIGatewayProxyEventV2WithJWTAuthorizer;
}

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[key.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_PAYLOAD_BYTES + 1) chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(
  res: ServerResponse,
  result: APIGatewayProxyStructuredResultV2 | string,
  requestId?: string,
): void {
  const structured: APIGatewayProxyStructuredResultV2 =
    typeof result === 'string' ? { statusCode: 200, body: result } : result;
  const headers: Record<string, string | string[]> = {};
  // Lambda serialises the result as JSON, which drops undefined values: a header set to undefined is absent.
  for (const [key, value] of Object.entries(structured.headers ?? {})) {
    if (value !== undefined) headers[key.toLowerCase()] = String(value);
  }
  if (structured.cookies?.length) headers['set-cookie'] = structured.cookies;
  if (requestId) headers['apigw-requestid'] = requestId;
  const body = structured.body
    ? structured.isBase64Encoded
      ? Buffer.from(structured.body, 'base64')
      : Buffer.from(structured.body, 'utf8')
    : Buffer.alloc(0);
  headers['content-length'] = String(body.length);
  res.writeHead(structured.statusCode ?? 200, headers);
  res.end(body);
}
