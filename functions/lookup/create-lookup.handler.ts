import { loadConfig } from '../../layers/config/load-config';
import { CryptoConfig, functionCrypto } from '../../layers/crypto/function-crypto';
import { functionConfig } from '../../layers/functions/function-config';
import { httpHandler } from '../../layers/http/pipeline';
import { demographicsFromConfig, PdsConfig } from '../../layers/pds/pds-config';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { phoneNumberPolicyParser } from '../../layers/sms/sms-numbers';
import { auditRejectedLookup, type LookupDeps, lookUpPatient } from './lookup';
import { LookupSettings } from './lookup-settings';
import { createLookupRoute } from './routes';

// Everything at cold start: a missing setting fails the init, naming it; the PDS token, key caches and
// clients live as long as the container.
const config = loadConfig([functionConfig(createLookupRoute), LookupSettings, PdsConfig, CryptoConfig]);
const crypto = functionCrypto();
const stores = practiceStoresFrom(config, { crypto: () => crypto.fields });
const deps: LookupDeps = {
  demographics: demographicsFromConfig(config),
  parsePhone: phoneNumberPolicyParser(config),
  fields: crypto.fields,
  blindIndex: crypto.blindIndex,
  settings: {
    lookupTtlSeconds: config.LOOKUP_TTL_SECONDS,
    perUserPerHour: config.LOOKUP_LIMIT_PER_USER_PER_HOUR,
    perPracticePerDay: config.LOOKUP_LIMIT_PER_PRACTICE_PER_DAY,
    invalidPerUserPerHour: config.LOOKUP_INVALID_LIMIT_PER_USER_PER_HOUR,
    invalidPerPracticePerDay: config.LOOKUP_INVALID_LIMIT_PER_PRACTICE_PER_DAY,
  },
};

export const handler = httpHandler(
  createLookupRoute,
  async ({ caller, body, requestId }) => ({ body: await lookUpPatient(deps, caller, body, requestId) }),
  { stores, onRejected: (attempt) => auditRejectedLookup(deps, attempt) },
);
