import { loadConfig } from '../../layers/config/load-config';
import { CryptoConfig, functionCrypto } from '../../layers/crypto/function-crypto';
import { functionConfig } from '../../layers/functions/function-config';
import { httpHandler } from '../../layers/http/pipeline';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { phoneNumberPolicyParser } from '../../layers/sms/sms-numbers';
import { InviteSettings } from './invite-settings';
import { recordOptChange } from './invites';
import { recordSmsOptOutRoute } from './routes';
import { inviteDeps } from './wiring';

const config = loadConfig([functionConfig(recordSmsOptOutRoute), InviteSettings, CryptoConfig]);
const crypto = functionCrypto();
const stores = practiceStoresFrom(config, { crypto: () => crypto.fields });
const deps = { ...inviteDeps(config, crypto), parsePhone: phoneNumberPolicyParser(config) };

export const handler = httpHandler(
  recordSmsOptOutRoute,
  async ({ caller, body, requestId }) => ({
    body: await recordOptChange(deps, caller, body.lookupId, 'opt-out', requestId),
  }),
  { stores },
);
