import { loadConfig } from '../../layers/config/load-config';
import { CryptoConfig, functionCrypto } from '../../layers/crypto/function-crypto';
import { functionConfig } from '../../layers/functions/function-config';
import { httpHandler } from '../../layers/http/pipeline';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { listConsultations } from './consultation-view';
import { listConsultationsRoute } from './routes';
import { consultationDeps } from './wiring';

const config = loadConfig([functionConfig(listConsultationsRoute), CryptoConfig]);
const crypto = functionCrypto();
const stores = practiceStoresFrom(config, { crypto: () => crypto.fields });
const deps = consultationDeps(config, stores, { crypto });

export const handler = httpHandler(
  listConsultationsRoute,
  async ({ caller }) => ({ body: await listConsultations(deps.invites, caller.stores) }),
  { stores },
);
