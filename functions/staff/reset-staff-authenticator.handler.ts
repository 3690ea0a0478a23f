import { loadConfig } from '../../layers/config/load-config';
import { functionConfig } from '../../layers/functions/function-config';
import { httpHandler } from '../../layers/http/pipeline';
import { IdentityAdminConfig, identityAdminFrom } from '../../layers/identity/identity-admin';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { resetStaffAuthenticatorRoute } from './routes';
import { resetAuthenticator } from './staff-admin';

const config = loadConfig([functionConfig(resetStaffAuthenticatorRoute), IdentityAdminConfig]);
const stores = practiceStoresFrom(config);
const deps = { identity: identityAdminFrom(config) };

export const handler = httpHandler(
  resetStaffAuthenticatorRoute,
  async ({ caller, params, requestId }) => ({
    body: await resetAuthenticator(deps, caller, params.staffId, requestId),
  }),
  { stores },
);
