import { loadConfig } from '../../layers/config/load-config';
import { CryptoConfig, functionCrypto } from '../../layers/crypto/function-crypto';
import { functionConfig } from '../../layers/functions/function-config';
import { httpHandler } from '../../layers/http/pipeline';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { InviteSettings } from './invite-settings';
import { rejectHeldMessage } from './invites';
import { rejectHeldMessageRoute } from './routes';
import { inviteDeps } from './wiring';

const config = loadConfig([functionConfig(rejectHeldMessageRoute), InviteSettings, CryptoConfig]);
const crypto = functionCrypto();
const stores = practiceStoresFrom(config, { crypto: () => crypto.fields });
const deps = inviteDeps(config, crypto);

export const handler = httpHandler(
  rejectHeldMessageRoute,
  async ({ caller, params, requestId }) => ({
    body: await rejectHeldMessage(deps, caller, params.inviteId, requestId),
  }),
  { stores },
);
