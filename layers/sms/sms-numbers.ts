import type { BaseConfig } from '../config/base-config';
import * as z from '../validation/z';
import { type PhoneNumberVerdict, phoneNumberParser } from './phone-number';

/** Comma-separated ISO 3166 codes, upper case: `GB` or `GB,IE`. */
export const COUNTRY_LIST_PATTERN = /^[A-Z]{2}(,[A-Z]{2})*$/u;

/**
 * Which numbers this deployment may text: mobiles of these countries (the SMS protect configuration allows
 * the same ones, infra/capabilities/sms.ts). The lookup reads it (a lookup says whether the patient can be
 * texted) and the invite routes and the sender do. A stage sets it with `-c smsAllowedCountries=GB,IE`.
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

/**
 * The parser for this deployment's policy. Ofcom's drama range (07700 900xxx: the synthetic patients and the
 * local SMS service's numbers) is textable only on the local stage: in AWS a text to it reaches nobody.
 */
export function phoneNumberPolicyParser(
  config: SmsNumberSettings & Pick<BaseConfig, 'STAGE'>,
): (written: string | null | undefined) => PhoneNumberVerdict {
  return phoneNumberParser({
    allowedCountries: config.SMS_ALLOWED_COUNTRIES.split(','),
    allowDramaRange: config.STAGE === 'local',
  });
}
