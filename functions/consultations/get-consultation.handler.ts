import { loadConfig } from '../../layers/config/load-config';
import { CryptoConfig, functionCrypto } from '../../layers/crypto/function-crypto';
import { functionConfig } from '../../layers/functions/function-config';
import { NotFoundError } from '../../layers/http/errors';
import { httpHandler } from '../../layers/http/pipeline';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { consultationView } from './consultation-view';
import { getConsultationRoute } from './routes';
import { consultationDeps } from './wiring';

const config = loadConfig([functionConfig(getConsultationRoute), CryptoConfig]);
const crypto = functionCrypto();
const stores = practiceStoresFrom(config, { crypto: () => crypto.fields });
const deps = consultationDeps(config, stores, { crypto });

export const handler = httpHandler(
  getConsultationRoute,
  async ({ caller, params }) => {
    const consultation = await caller.stores.consultations.get(params.consultationId);
    if (!consultation) throw new NotFoundError('There is no consultation for this invitation.');
    return { body: await consultationView(deps.invites, caller.stores, consultation) };
  },
  { stores },
);
