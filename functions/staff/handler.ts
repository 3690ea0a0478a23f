import { BaseConfig } from '../../layers/config/base-config';
import { loadConfig } from '../../layers/config/load-config';
import { httpHandler } from '../../layers/http/pipeline';
import { type IdentityAdmin, identityAdminFrom } from '../../layers/identity/identity-admin';
import * as z from '../../layers/validation/z';
import { listStaffRoute, updateStaffRoute } from './routes';
import { changeStaffMember, listPracticeStaff } from './staff-admin';

export const listStaff = httpHandler(listStaffRoute, async ({ caller }) => ({
  body: { staff: await listPracticeStaff(caller) },
}));

let identity: IdentityAdmin | undefined;
/** Only updateStaff's function has the user pool in its configuration; listStaff's shares this module. */
function identityAdmin(): IdentityAdmin {
  identity ??= identityAdminFrom(loadConfig(z.extend(BaseConfig, { USER_POOL_ID: z.optional(z.string()) })));
  return identity;
}

export const updateStaff = httpHandler(updateStaffRoute, async ({ caller, params, body, requestId }) => ({
  body: await changeStaffMember({ identity: identityAdmin() }, caller, params.staffId, body, requestId),
}));
