import { loadConfig } from '../../layers/config/load-config';
import { CryptoConfig, functionCrypto } from '../../layers/crypto/function-crypto';
import { functionConfig } from '../../layers/functions/function-config';
import { httpHandler } from '../../layers/http/pipeline';
import { MeetingsConfig, meetingsFromConfig } from '../../layers/meetings/meetings-config';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { ConsultationSettings } from './consultation-settings';
import { consultationView } from './consultation-view';
import { endConsultation } from './consultations';
import { endConsultationRoute } from './routes';
import { consultationDeps } from './wiring';

const config = loadConfig([
  functionConfig(endConsultationRoute),
  ConsultationSettings,
  MeetingsConfig,
  CryptoConfig,
]);
const crypto = functionCrypto();
const stores = practiceStoresFrom(config, { crypto: () => crypto.fields });
const deps = consultationDeps(config, stores, { crypto, meetings: meetingsFromConfig(config) });

export const handler = httpHandler(
  endConsultationRoute,
  async ({ caller, params }) => {
    const consultation = await endConsultation(deps, caller.practiceId, params.consultationId, {
      sub: caller.subject,
      role: caller.staff.role,
    });
    return { body: await consultationView(deps.invites, caller.stores, consultation) };
  },
  { stores },
);
