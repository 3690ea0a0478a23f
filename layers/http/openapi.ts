import { type $ZodType, toJSONSchema } from 'zod/v4/core';
import { pathParameterNames, type RouteDefinition } from './route';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: $ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  });
  return rest;
}

const Problem: JsonSchema = {
  type: 'object',
  description: 'RFC 9457 problem details. `detail` is written for a person; `requestId` finds the log lines.',
  required: ['title', 'status', 'detail', 'requestId'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    requestId: { type: 'string' },
    issues: {
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is not valid; `issues` says which field and why',
  401: 'Not signed in, or the token is not valid',
  403: 'Signed in, but not allowed to do this',
  404: 'Not found',
  409: 'Conflicts with the current state',
  413: 'The request body is larger than 16 KB',
  415: 'The request body is not sent as application/json',
  422: 'Understood, but it cannot be done: `detail` says why (for example, the number cannot be texted)',
  429: 'Too many requests; see Retry-After',
  500: 'Something went wrong on our side',
  503: 'A service we depend on is not answering; try again',
};

function parameters(route: RouteDefinition): JsonSchema[] {
  const result: JsonSchema[] = [];
  const params = route.request.params
    ? (jsonSchema(route.request.params, 'input').properties as JsonSchema)
    : {};
  for (const name of pathParameterNames(route.path)) {
    result.push({ name, in: 'path', required: true, schema: params[name] ?? { type: 'string' } });
  }
  if (route.request.query) {
    const query = jsonSchema(route.request.query, 'input');
    const required = new Set((query.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries((query.properties as JsonSchema) ?? {})) {
      result.push({ name, in: 'query', required: required.has(name), schema });
    }
  }
  if (route.request.headers) {
    const headers = jsonSchema(route.request.headers, 'input');
    const required = new Set((headers.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries((headers.properties as JsonSchema) ?? {})) {
      result.push({ name, in: 'header', required: required.has(name), schema });
    }
  }
  return result;
}

/** The API's OpenAPI 3.1 document, generated from the same zod schemas that validate requests and responses. */
export function buildOpenApiDocument(routes: readonly RouteDefinition[], info: { version: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const errorStatuses = [
      ...new Set([
        ...(route.request.body || route.request.query || route.request.params || route.request.headers
          ? [400]
          : []),
        ...(route.auth !== 'public' ? [401, 403] : []),
        ...(route.errors ?? []),
        500,
      ]),
    ].sort();
    const responses: Record<string, unknown> = {
      [route.response.status]: {
        description: route.response.description,
        content: { 'application/json': { schema: jsonSchema(route.response.schema, 'output') } },
      },
    };
    for (const status of errorStatuses) {
      responses[status] = {
        description: ERROR_DESCRIPTIONS[status] ?? 'Error',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      };
    }
    const operation = {
      operationId: route.id,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: route.tags,
      ...(route.auth !== 'public' ? { security: [{ staffBearer: [] }] } : { security: [] }),
      ...(parameters(route).length > 0 ? { parameters: parameters(route) } : {}),
      ...(route.request.body
        ? {
            requestBody: {
              required: true,
              content: {
                'application/json': {
                  schema: jsonSchema(route.request.body, 'input'),
                  ...(route.request.example?.body !== undefined
                    ? { example: route.request.example.body }
                    : {}),
                },
              },
            },
          }
        : {}),
      responses,
    };
    paths[route.path] = { ...(paths[route.path] ?? {}), [route.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0' as const,
    info: {
      title: 'Clinic Connect API',
      version: info.version,
      description: 'Patient lookup, invitations and video consultations for GP practices.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: { Problem },
      securitySchemes: {
        staffBearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'Access token from the staff identity provider (Cognito; locally the embedded provider).',
        },
      },
    },
  };
}
