import { loadConfig } from '../../layers/config/load-config';
import { CryptoConfig, functionCrypto } from '../../layers/crypto/function-crypto';
import { functionConfig } from '../../layers/functions/function-config';
import { httpHandler } from '../../layers/http/pipeline';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { InviteSettings } from './invite-settings';
import { getInvite } from './invites';
import { getInviteRoute } from './routes';
import { inviteDeps } from './wiring';

const config = loadConfig([functionConfig(getInviteRoute), InviteSettings, CryptoConfig]);
const crypto = functionCrypto();
const stores = practiceStoresFrom(config, { crypto: () => crypto.fields });
const deps = inviteDeps(config, crypto);

export const handler = httpHandler(
  getInviteRoute,
  async ({ caller, params }) => ({ body: await getInvite(deps, caller, params.inviteId) }),
  { stores },
);
