import {
  type CountryCode,
  getCountryCallingCode,
  isSupportedCountry,
  type PhoneNumber,
  parsePhoneNumberWithError,
  validatePhoneNumberLength,
} from 'libphonenumber-js/mobile';

/**
 * Whether a phone number as PDS (or a person) wrote it can be texted by this deployment, and its E.164 form.
 *
 * Textable means a MOBILE number of one of the deployment's allowed countries (ISO 3166 codes, default GB;
 * an EU deployment adds its own). The list should match the account's SMS protect configuration: a number
 * we call textable but AWS blocks fails at send time instead of at lookup, where the clinician can act.
 *
 * libphonenumber-js's `mobile` metadata build is used: `min` (about 5 KB gzipped smaller) cannot tell a
 * mobile from a landline in most countries, `max` adds about 15 KB gzipped more for number types we never
 * need. In the `mobile` build a number is valid only if it matches a mobile pattern, so a well-formed
 * landline is "possible but not valid" there.
 *
 * Ofcom's drama range (07700 900000–900999) is never allocated, so libphonenumber calls it invalid; the
 * project's synthetic patients and tests use it. `allowDramaRange` makes it textable: the local stack and
 * test stages set it, production leaves it off (a text to it can reach nobody).
 */

export interface PhoneNumberPolicy {
  /** ISO 3166-1 alpha-2 codes whose mobiles may be texted. Default ['GB']. */
  allowedCountries?: readonly string[];
  /** Numbers written without a country code are read as this country's. Default: the first allowed. */
  defaultCountry?: string;
  /** Treat Ofcom's drama range +44 7700 900000–900999 as UK mobiles. Default false. */
  allowDramaRange?: boolean;
}

export type NotTextableCode =
  | 'no-number'
  | 'not-a-phone-number'
  | 'too-short'
  | 'too-long'
  | 'has-extension'
  | 'not-a-mobile'
  | 'country-not-allowed';

export type PhoneNumberVerdict =
  | { textable: true; e164: string; country: string }
  | { textable: false; code: NotTextableCode; reason: string };

const DEFAULT_ALLOWED: readonly string[] = ['GB'];
const DRAMA_RANGE = /^\+447700900\d{3}$/u;
/** Enough for any real number with its punctuation; longer input is not a phone number and is not parsed. */
const MAX_INPUT_LENGTH = 40;

/** The reasons in words a clinician reads after "This number cannot be texted: ...". */
const REASONS: Readonly<Record<Exclude<NotTextableCode, 'country-not-allowed'>, string>> = {
  'no-number': 'there is no mobile number on record',
  'not-a-phone-number': 'it is not written as a phone number',
  'too-short': 'it has too few digits to be a phone number',
  'too-long': 'it has too many digits to be a phone number',
  'has-extension': 'it has an extension, so it is not a mobile number',
  'not-a-mobile': 'not a mobile number',
};

const regionNames = new Intl.DisplayNames(['en-GB'], { type: 'region' });

function countryNotAllowedReason(allowed: readonly string[]): string {
  if (allowed.length === 1 && allowed[0] === 'GB') return 'not a UK mobile';
  const names = allowed.map((code) => (code === 'GB' ? 'UK' : (regionNames.of(code) ?? code)));
  return `not a mobile number from a country this service texts (${names.join(', ')})`;
}

function notTextable(code: NotTextableCode, allowed: readonly string[]): PhoneNumberVerdict {
  return {
    textable: false,
    code,
    reason: code === 'country-not-allowed' ? countryNotAllowedReason(allowed) : REASONS[code],
  };
}

function checkedCountries(policy: PhoneNumberPolicy): { allowed: readonly string[]; home: CountryCode } {
  const allowed = policy.allowedCountries ?? DEFAULT_ALLOWED;
  if (allowed.length === 0) throw new TypeError('At least one country must be allowed.');
  for (const code of allowed) {
    if (!isSupportedCountry(code)) throw new TypeError(`${code} is not a country code libphonenumber knows.`);
  }
  const home = policy.defaultCountry ?? (allowed[0] as string);
  if (!isSupportedCountry(home)) throw new TypeError(`${home} is not a country code libphonenumber knows.`);
  return { allowed, home };
}

/**
 * Checks the policy once (throws on an unknown country code: fail at cold start, not on the first lookup)
 * and returns the parser for it.
 */
export function phoneNumberParser(
  policy: PhoneNumberPolicy = {},
): (written: string | null | undefined) => PhoneNumberVerdict {
  const { allowed, home } = checkedCountries(policy);
  const allowedCallingCodes = new Set(allowed.map((code) => getCountryCallingCode(code as CountryCode)));
  const allowDrama = policy.allowDramaRange === true && allowed.includes('GB');

  return (written) => {
    const text = (written ?? '').trim().replace(/^tel:/iu, '');
    if (text === '') return notTextable('no-number', allowed);
    if (text.length > MAX_INPUT_LENGTH) return notTextable('not-a-phone-number', allowed);

    let parsed: PhoneNumber;
    try {
      // extract: false: the whole text must be the number. "07700 900123 (mum's)" is someone else's phone.
      parsed = parsePhoneNumberWithError(text, { defaultCountry: home, extract: false });
    } catch (error) {
      const message = error instanceof Error ? error.message : '';
      if (message === 'TOO_SHORT') return notTextable('too-short', allowed);
      if (message === 'TOO_LONG') return notTextable('too-long', allowed);
      return notTextable('not-a-phone-number', allowed);
    }
    if (parsed.ext) return notTextable('has-extension', allowed);

    const e164 = parsed.number;
    if (allowDrama && DRAMA_RANGE.test(e164)) return { textable: true, e164, country: 'GB' };

    if (parsed.isValid()) {
      const type = parsed.getType();
      const country = parsed.country;
      if (!country || !allowed.includes(country)) return notTextable('country-not-allowed', allowed);
      // Some numbering plans (the US, Canada) cannot tell mobiles from landlines; a deployment that allows
      // such a country accepts that.
      if (type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE') return { textable: true, e164, country };
      return notTextable('not-a-mobile', allowed);
    }
    // Invalid in the mobile build: a landline, pager or unallocated number of an allowed country's plan, or
    // something in another country's plan.
    if (!allowedCallingCodes.has(parsed.countryCallingCode))
      return notTextable('country-not-allowed', allowed);
    const length = validatePhoneNumberLength(text, home);
    if (length === 'TOO_SHORT') return notTextable('too-short', allowed);
    if (length === 'TOO_LONG') return notTextable('too-long', allowed);
    return notTextable('not-a-mobile', allowed);
  };
}

/** One-off parse; prefer `phoneNumberParser(policy)` once at cold start. */
export function parsePhoneNumber(written: string | null | undefined, policy: PhoneNumberPolicy = {}) {
  return phoneNumberParser(policy)(written);
}

/** The last three digits, all a clinician is shown ("ending 123"). */
export function mobileEnding(e164: string): string {
  if (!/^\+[1-9]\d{6,14}$/u.test(e164)) throw new TypeError('Not an E.164 number.');
  return e164.slice(-3);
}
