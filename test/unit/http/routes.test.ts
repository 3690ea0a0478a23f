import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../../functions/routes';
import { buildOpenApiDocument } from '../../../layers/http/openapi';
import { pathParameterNames } from '../../../layers/http/route';
import * as z from '../../../layers/validation/z';

describe('the route table', () => {
  it('gives every route a unique id (the handler export and the OpenAPI operationId)', () => {
    const ids = ROUTES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has no two routes on the same method and path', () => {
    const keys = ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('declares a params schema for exactly the parameters its path has', () => {
    for (const route of ROUTES) {
      const declared = Object.keys(route.request.params?._zod.def.shape ?? {}).sort();
      expect(declared, route.id).toEqual(pathParameterNames(route.path).sort());
    }
  });

  it('uses strict request schemas, so unknown fields are refused', () => {
    for (const route of ROUTES) {
      for (const schema of [route.request.body, route.request.query, route.request.params]) {
        if (!schema) continue;
        expect(z.safeParse(schema, { __unexpected: 1 }).success, route.id).toBe(false);
      }
    }
  });
});

describe('the OpenAPI document', () => {
  const document = buildOpenApiDocument(ROUTES, { version: '9.9.9' });

  it('describes every route, by the route id', () => {
    for (const route of ROUTES) {
      const operation = document.paths[route.path]?.[route.method.toLowerCase()] as { operationId: string };
      expect(operation?.operationId).toBe(route.id);
    }
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.version).toBe('9.9.9');
  });

  it('marks staff routes as needing a bearer token and public ones as not', () => {
    for (const route of ROUTES) {
      const operation = document.paths[route.path]?.[route.method.toLowerCase()] as { security: unknown[] };
      expect(operation.security, route.id).toEqual(route.auth === 'public' ? [] : [{ staffBearer: [] }]);
    }
  });

  it('derives response schemas from the zod schemas', () => {
    const health = document.paths['/api/health']?.get as {
      responses: Record<string, { content: Record<string, { schema: unknown }> }>;
    };
    expect(JSON.stringify(health.responses['200']?.content['application/json']?.schema)).toContain(
      '"storage"',
    );
  });
});
