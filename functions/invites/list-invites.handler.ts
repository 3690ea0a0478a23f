import { loadConfig } from '../../layers/config/load-config';
import { CryptoConfig, functionCrypto } from '../../layers/crypto/function-crypto';
import { functionConfig } from '../../layers/functions/function-config';
import { httpHandler } from '../../layers/http/pipeline';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { InviteSettings } from './invite-settings';
import { listInvites } from './invites';
import { listInvitesRoute } from './routes';
import { inviteDeps } from './wiring';

const config = loadConfig([functionConfig(listInvitesRoute), InviteSettings, CryptoConfig]);
const crypto = functionCrypto();
const stores = practiceStoresFrom(config, { crypto: () => crypto.fields });
const deps = inviteDeps(config, crypto);

export const handler = httpHandler(
  listInvitesRoute,
  async ({ caller, query }) => ({ body: await listInvites(deps, caller, query.day) }),
  { stores },
);
