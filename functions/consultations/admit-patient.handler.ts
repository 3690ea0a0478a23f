import { loadConfig } from '../../layers/config/load-config';
import { CryptoConfig, functionCrypto } from '../../layers/crypto/function-crypto';
import { functionConfig } from '../../layers/functions/function-config';
import { httpHandler } from '../../layers/http/pipeline';
import { MeetingsConfig, meetingsFromConfig } from '../../layers/meetings/meetings-config';
import { parseMediaRegion } from '../../layers/meetings/regions';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { ConsultationSettings } from './consultation-settings';
import { consultationView } from './consultation-view';
import { admit } from './consultations';
import { admitPatientRoute } from './routes';
import { consultationDeps } from './wiring';

const config = loadConfig([
  functionConfig(admitPatientRoute),
  ConsultationSettings,
  MeetingsConfig,
  CryptoConfig,
]);
const crypto = functionCrypto();
const stores = practiceStoresFrom(config, { crypto: () => crypto.fields });
const deps = consultationDeps(config, stores, { crypto, meetings: meetingsFromConfig(config) });

export const handler = httpHandler(
  admitPatientRoute,
  async ({ caller, params, body }) => {
    const { consultation, joinInfo } = await admit(
      deps,
      caller.practiceId,
      params.consultationId,
      { sub: caller.subject, name: caller.staff.name, role: caller.staff.role },
      body.mediaRegion === undefined ? undefined : parseMediaRegion(body.mediaRegion),
    );
    return {
      body: { consultation: await consultationView(deps.invites, caller.stores, consultation), joinInfo },
    };
  },
  { stores },
);
