import { loadConfig } from '../../layers/config/load-config';
import { CryptoConfig, functionCrypto } from '../../layers/crypto/function-crypto';
import { functionConfig } from '../../layers/functions/function-config';
import { httpHandler } from '../../layers/http/pipeline';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { InviteSettings } from './invite-settings';
import { cancelInvite } from './invites';
import { cancelInviteRoute } from './routes';
import { inviteDeps } from './wiring';

const config = loadConfig([functionConfig(cancelInviteRoute), InviteSettings, CryptoConfig]);
const crypto = functionCrypto();
const stores = practiceStoresFrom(config, { crypto: () => crypto.fields });
const deps = { ...inviteDeps(config, crypto), pointers: stores.invitePointers() };

export const handler = httpHandler(
  cancelInviteRoute,
  async ({ caller, params, requestId }) => ({
    body: await cancelInvite(deps, caller, params.inviteId, requestId),
  }),
  { stores },
);
