import { defineRoute } from '../../layers/http/route';
import * as z from '../../layers/validation/z';

export const HealthResponse = z.strictObject({
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  checks: z.strictObject({ storage: z.enum(['ok', 'failing']) }),
});

export const getHealthRoute = defineRoute({
  id: 'getHealth',
  method: 'GET',
  path: '/api/health',
  area: 'health',
  auth: 'public',
  summary: 'Service health',
  description: 'Reports the deployed version and whether storage answers. 503 when storage does not.',
  tags: ['platform'],
  request: {},
  response: { status: 200, description: 'Healthy or degraded', schema: HealthResponse },
  errors: [503],
  lambda: { memoryMb: 256, timeoutSeconds: 5 },
  tables: { directory: { access: 'read', scope: 'platform' } },
});

export const healthRoutes = [getHealthRoute];
