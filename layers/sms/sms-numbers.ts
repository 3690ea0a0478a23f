import type { BaseConfig } from '../config/base-config';
import { type PhoneNumberVerdict, phoneNumberParser } from './phone-number';
import type { SmsNumberSettings } from './sms-number-settings';

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
