import { wholeNumberSetting } from '../../layers/config/base-config';
import { SmsNumberSettings } from '../../layers/sms/sms-number-settings';
import * as z from '../../layers/validation/z';

/**
 * The lookup area's settings. A stage sets them as CDK context (`-c lookupTtlSeconds=1800`); `npm start`
 * reads the variables themselves. The bounds are checked at synth and again at cold start.
 */
export const LookupSettings = z.extend(SmsNumberSettings, {
  /** How long a lookup can be used to invite the patient; its details are deleted after it. */
  LOOKUP_TTL_SECONDS: wholeNumberSetting({ min: 60, max: 86_400, fallback: 3_600 }),
  // A busy receptionist books a few dozen patients an hour; enumeration needs thousands of numbers.
  LOOKUP_LIMIT_PER_USER_PER_HOUR: wholeNumberSetting({ min: 1, max: 10_000, fallback: 60 }),
  LOOKUP_LIMIT_PER_PRACTICE_PER_DAY: wholeNumberSetting({ min: 1, max: 1_000_000, fallback: 1_000 }),
  // Attempts refused before PDS (a mistyped number, a malformed request): their own, smaller allowance, so
  // typos never use up real lookups and a flood of bad requests stops costing writes after a while.
  LOOKUP_INVALID_LIMIT_PER_USER_PER_HOUR: wholeNumberSetting({ min: 1, max: 10_000, fallback: 30 }),
  LOOKUP_INVALID_LIMIT_PER_PRACTICE_PER_DAY: wholeNumberSetting({ min: 1, max: 1_000_000, fallback: 300 }),
});
export type LookupSettings = z.infer<typeof LookupSettings>;
