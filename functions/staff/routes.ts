import { StaffRole, StaffStatus } from '../../layers/directory/model';
import { defineRoute } from '../../layers/http/route';
import * as z from '../../layers/validation/z';

export const StaffSummary = z.strictObject({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  role: StaffRole,
  status: StaffStatus,
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const listStaffRoute = defineRoute({
  id: 'listStaff',
  method: 'GET',
  path: '/api/staff',
  area: 'staff',
  auth: 'staff',
  permission: 'staff.manage',
  summary: 'Everyone registered with the practice, pending first',
  tags: ['staff'],
  request: {},
  response: {
    status: 200,
    description: 'The practice’s staff',
    schema: z.strictObject({ staff: z.array(StaffSummary) }),
  },
  tables: { directory: { access: 'read', scope: 'practice' } },
});

export const StaffIdParams = z.strictObject({
  staffId: z.string().check(z.regex(/^[A-Za-z0-9-]{1,128}$/, 'is not a staff id')),
});

export const updateStaffRoute = defineRoute({
  id: 'updateStaff',
  method: 'PATCH',
  path: '/api/staff/{staffId}',
  area: 'staff',
  auth: 'staff',
  permission: 'staff.manage',
  summary: 'Approve, reject, suspend or reinstate a member, or change their role',
  description:
    'Status changes allowed: pending → active (approve) or rejected (reject); active → suspended; ' +
    'suspended → active (reinstate). Admins cannot change their own status or role. ' +
    'Suspension takes effect on the member’s next request and ends their sessions.',
  tags: ['staff'],
  request: {
    params: StaffIdParams,
    body: z
      .strictObject({
        status: z.optional(z.enum(['active', 'rejected', 'suspended'])),
        role: z.optional(StaffRole),
      })
      .check(
        z.refine(
          (body) => body.status !== undefined || body.role !== undefined,
          'Say what to change: status or role',
        ),
      ),
    example: { body: { status: 'suspended' } },
  },
  response: { status: 200, description: 'The member as they now are', schema: StaffSummary },
  errors: [404, 409],
  uses: ['identity-admin'],
  tables: {
    // The member's record is replaced whole, if it is still as read (a conditional put).
    directory: { access: 'readappend', scope: 'practice' },
    audit: { access: 'append', scope: 'practice' },
  },
});

export const resetStaffAuthenticatorRoute = defineRoute({
  id: 'resetStaffAuthenticator',
  method: 'POST',
  path: '/api/staff/{staffId}/authenticator-reset',
  area: 'staff',
  auth: 'staff',
  permission: 'staff.manage',
  summary: 'Reset a member’s authenticator app (they lost it)',
  description:
    'The member’s authenticator stops working and their sessions end; at their next sign-in, after their ' +
    'password, they set up a new one. Audited. Admins cannot reset their own: another admin of the practice ' +
    'can. A rejected member has nothing to reset (409).',
  tags: ['staff'],
  request: { params: StaffIdParams },
  response: { status: 200, description: 'The member, whose authenticator is reset', schema: StaffSummary },
  errors: [404, 409],
  uses: ['identity-admin'],
  tables: {
    directory: { access: 'read', scope: 'practice' },
    audit: { access: 'append', scope: 'practice' },
  },
});

export const staffRoutes = [listStaffRoute, updateStaffRoute, resetStaffAuthenticatorRoute];
