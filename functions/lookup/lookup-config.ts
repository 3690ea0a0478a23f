import { PdsConfig } from '../../layers/pds/pds-config';
import * as z from '../../layers/validation/z';
import { DEFAULT_LOOKUP_SETTINGS } from './lookup';

const positive = (fallback: number) =>
  z._default(
    z.pipe(
      z.string().check(z.regex(/^[1-9]\d{0,6}$/, 'must be a whole number above 0')),
      z.transform((value) => Number(value)),
    ),
    fallback,
  );

export const LookupConfig = z.extend(PdsConfig, {
  LOOKUP_TTL_SECONDS: positive(DEFAULT_LOOKUP_SETTINGS.lookupTtlSeconds),
  LOOKUP_LIMIT_PER_USER_PER_HOUR: positive(DEFAULT_LOOKUP_SETTINGS.perUserPerHour),
  LOOKUP_LIMIT_PER_PRACTICE_PER_DAY: positive(DEFAULT_LOOKUP_SETTINGS.perPracticePerDay),
});
