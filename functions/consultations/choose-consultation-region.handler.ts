import { loadConfig } from '../../layers/config/load-config';
import { CryptoConfig, functionCrypto } from '../../layers/crypto/function-crypto';
import { functionConfig } from '../../layers/functions/function-config';
import { httpHandler } from '../../layers/http/pipeline';
import { parseMediaRegion } from '../../layers/meetings/regions';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { consultationView } from './consultation-view';
import { chooseRegion } from './consultations';
import { chooseConsultationRegionRoute } from './routes';
import { consultationDeps } from './wiring';

const config = loadConfig([functionConfig(chooseConsultationRegionRoute), CryptoConfig]);
const crypto = functionCrypto();
const stores = practiceStoresFrom(config, { crypto: () => crypto.fields });
const deps = consultationDeps(config, stores, { crypto });

export const handler = httpHandler(
  chooseConsultationRegionRoute,
  async ({ caller, params, body }) => {
    const consultation = await chooseRegion(
      deps,
      caller.practiceId,
      params.consultationId,
      parseMediaRegion(body.mediaRegion),
    );
    return { body: await consultationView(deps.invites, caller.stores, consultation) };
  },
  { stores },
);
