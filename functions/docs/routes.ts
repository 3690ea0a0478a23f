import { defineRoute } from '../../layers/http/route';
import * as z from '../../layers/validation/z';

export const getOpenApiRoute = defineRoute({
  id: 'getOpenApi',
  method: 'GET',
  path: '/api/openapi.json',
  area: 'docs',
  auth: 'public',
  summary: 'This API, described as OpenAPI 3.1',
  tags: ['platform'],
  request: {},
  response: {
    status: 200,
    description: 'The OpenAPI document',
    schema: z.looseObject({ openapi: z.literal('3.1.0') }),
  },
  lambda: { memoryMb: 256, timeoutSeconds: 5 },
});

export const docsRoutes = [getOpenApiRoute];
