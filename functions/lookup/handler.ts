import { loadConfig } from '../../layers/config/load-config';
import { functionCrypto } from '../../layers/crypto/function-crypto';
import { httpHandler } from '../../layers/http/pipeline';
import { demographicsFromConfig, PdsConfig } from '../../layers/pds/pds-config';
import { functionStores } from '../../layers/practice/practice-stores';
import * as z from '../../layers/validation/z';
import { auditInvalidLookup, DEFAULT_LOOKUP_SETTINGS, type LookupDeps, lookUpPatient } from './lookup';
import { createLookupRoute } from './routes';

const positive = (fallback: number) =>
  z._default(
    z.pipe(
      z.string().check(z.regex(/^\d{1,7}$/, 'must be a whole number')),
      z.transform((value) => Number(value)),
    ),
    fallback,
  );

export const LookupConfig = z.extend(PdsConfig, {
  LOOKUP_TTL_SECONDS: positive(DEFAULT_LOOKUP_SETTINGS.lookupTtlSeconds),
  LOOKUP_LIMIT_PER_USER_PER_HOUR: positive(DEFAULT_LOOKUP_SETTINGS.perUserPerHour),
  LOOKUP_LIMIT_PER_PRACTICE_PER_DAY: positive(DEFAULT_LOOKUP_SETTINGS.perPracticePerDay),
});

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
