import { loadConfig } from '../../layers/config/load-config';
import { functionCrypto } from '../../layers/crypto/function-crypto';
import { httpHandler } from '../../layers/http/pipeline';
import { demographicsFromConfig } from '../../layers/pds/pds-config';
import { functionStores } from '../../layers/practice/practice-stores';
import { auditInvalidLookup, type LookupDeps, lookUpPatient } from './lookup';
import { LookupConfig } from './lookup-config';
import { createLookupRoute } from './routes';

let deps: LookupDeps | undefined;
/** Built on first use and kept for the container: the PDS token, key caches and clients live with it. */
function lookupDeps(): LookupDeps {
  if (!deps) {
    const config = loadConfig(LookupConfig);
    const crypto = functionCrypto();
    deps = {
      demographics: demographicsFromConfig(config),
      fields: crypto.fields,
      blindIndex: crypto.blindIndex,
      settings: {
        lookupTtlSeconds: config.LOOKUP_TTL_SECONDS,
        perUserPerHour: config.LOOKUP_LIMIT_PER_USER_PER_HOUR,
        perPracticePerDay: config.LOOKUP_LIMIT_PER_PRACTICE_PER_DAY,
      },
    };
  }
  return deps;
}

const stores = functionStores({ crypto: () => functionCrypto().fields });

export const createLookup = httpHandler(
  createLookupRoute,
  async ({ caller, body, requestId }) => ({
    body: await lookUpPatient(lookupDeps(), caller, body, requestId),
  }),
  {
    stores: () => stores,
    onInvalidRequest: (invalid) => auditInvalidLookup(lookupDeps(), invalid),
  },
);
