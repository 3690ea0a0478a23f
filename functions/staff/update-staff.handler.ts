import { loadConfig } from '../../layers/config/load-config';
import { functionConfig } from '../../layers/functions/function-config';
import { httpHandler } from '../../layers/http/pipeline';
import { IdentityAdminConfig, identityAdminFrom } from '../../layers/identity/identity-admin';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { updateStaffRoute } from './routes';
import { changeStaffMember } from './staff-admin';

const config = loadConfig([functionConfig(updateStaffRoute), IdentityAdminConfig]);
const stores = practiceStoresFrom(config);
const deps = { identity: identityAdminFrom(config) };

export const handler = httpHandler(
  updateStaffRoute,
  async ({ caller, params, body, requestId }) => ({
    body: await changeStaffMember(deps, caller, params.staffId, body, requestId),
  }),
  { stores },
);
