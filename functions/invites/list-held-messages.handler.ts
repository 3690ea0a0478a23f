import { loadConfig } from '../../layers/config/load-config';
import { CryptoConfig, functionCrypto } from '../../layers/crypto/function-crypto';
import { functionConfig } from '../../layers/functions/function-config';
import { httpHandler } from '../../layers/http/pipeline';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { listHeldMessages } from './invites';
import { listHeldMessagesRoute } from './routes';

const config = loadConfig([functionConfig(listHeldMessagesRoute), CryptoConfig]);
const crypto = functionCrypto();
const stores = practiceStoresFrom(config, { crypto: () => crypto.fields });

export const handler = httpHandler(
  listHeldMessagesRoute,
  async ({ caller }) => ({ body: await listHeldMessages(caller) }),
  { stores },
);
