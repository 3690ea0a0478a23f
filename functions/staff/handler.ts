import { auditLog } from '../../layers/audit/default-audit-log';
import { BaseConfig } from '../../layers/config/base-config';
import { loadConfig } from '../../layers/config/load-config';
import { httpHandler } from '../../layers/http/pipeline';
import { staffDirectory } from '../../layers/http/staff-gate';
import { identityAdminFrom } from '../../layers/identity/identity-admin';
import * as z from '../../layers/validation/z';
import { listStaffRoute, updateStaffRoute } from './routes';
import { changeStaffMember, listPracticeStaff } from './staff-admin';

export const listStaff = httpHandler(listStaffRoute, async ({ caller }) => ({
  body: { staff: await listPracticeStaff(staffDirectory(), caller) },
}));

const config = loadConfig(z.extend(BaseConfig, { USER_POOL_ID: z.optional(z.string()) }));
const identity = identityAdminFrom(config);

export const updateStaff = httpHandler(updateStaffRoute, async ({ caller, params, body, requestId }) => ({
  body: await changeStaffMember(
    { directory: staffDirectory(), audit: auditLog(), identity },
    caller,
    params.staffId,
    body,
    requestId,
  ),
}));
