import * as z from '../validation/z';

/** Comma-separated ISO 3166 codes, upper case: `GB` or `GB,IE`. */
export const COUNTRY_LIST_PATTERN = /^[A-Z]{2}(,[A-Z]{2})*$/u;

/**
 * Which numbers this deployment may text: mobiles of these countries (the SMS protect configuration allows
 * the same ones, infra/capabilities/sms.ts). The lookup reads it (a lookup says whether the patient can be
 * texted) and the invite routes and the sender do. A stage sets it with `-c smsAllowedCountries=GB,IE`.
 *
 * The setting alone, apart from the parser (sms-numbers.ts): a function that only carries the invite area's
 * settings does not bundle libphonenumber's metadata, a sixth of a bundle.
 */
export const SmsNumberSettings = z.object({
  SMS_ALLOWED_COUNTRIES: z._default(
    z
      .string()
      .check(z.regex(COUNTRY_LIST_PATTERN, 'must be ISO country codes separated by commas, e.g. GB,IE')),
    'GB',
  ),
});
export type SmsNumberSettings = z.infer<typeof SmsNumberSettings>;
