import { StaffRole } from '../../layers/directory/model';
import { defineRoute } from '../../layers/http/route';
import * as z from '../../layers/validation/z';

export const MeResponse = z.strictObject({
  staff: z.strictObject({ name: z.string(), email: z.string(), role: StaffRole }),
  practice: z.strictObject({ id: z.string(), name: z.string(), odsCode: z.string(), demo: z.boolean() }),
});

export const getMeRoute = defineRoute({
  id: 'getMe',
  method: 'GET',
  path: '/api/me',
  area: 'account',
  auth: 'staff',
  summary: 'The signed-in staff member and their practice',
  tags: ['account'],
  request: {},
  response: { status: 200, description: 'Who is signed in, for which practice', schema: MeResponse },
  tables: { directory: { access: 'read', scope: 'practice' } },
});

export const accountRoutes = [getMeRoute];
