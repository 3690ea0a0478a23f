import { describe, expect, it } from 'vitest';
import { SmsConfig } from '../../../layers/sms/sms-config';
import { phoneNumberPolicyParser } from '../../../layers/sms/sms-numbers';
import * as z from '../../../layers/validation/z';

const base = { STAGE: 'dev', AWS_REGION: 'eu-west-2', SMS_MAX_PRICE_USD: '0.20' };

describe('the sender’s SMS settings', () => {
  it('read the price cap as a number and the sender ID as given', () => {
    expect(z.parse(SmsConfig, { ...base, SMS_SENDER_ID: 'Riverside' })).toMatchObject({
      SMS_MAX_PRICE_USD: 0.2,
      SMS_SENDER_ID: 'Riverside',
    });
  });

  it('need a registered sender ID on a production stage', () => {
    const result = z.safeParse(SmsConfig, { ...base, STAGE: 'prod' });
    expect(result.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['SMS_SENDER_ID']);
  });

  it('refuse a sender ID UK networks would not carry, and the local endpoint outside the local stage', () => {
    for (const senderId of ['AB', 'TwelveLetter', 'Info Line', '12345']) {
      expect(z.safeParse(SmsConfig, { ...base, SMS_SENDER_ID: senderId }).success, senderId).toBe(false);
    }
    const remote = z.safeParse(SmsConfig, { ...base, SNS_ENDPOINT: 'http://127.0.0.1:3000/local/sns' });
    expect(remote.error?.issues[0]?.path).toEqual(['SNS_ENDPOINT']);
    expect(
      z.safeParse(SmsConfig, { ...base, STAGE: 'local', SNS_ENDPOINT: 'http://127.0.0.1:3000/local/sns' })
        .success,
    ).toBe(true);
  });
});

describe('which numbers a deployment texts', () => {
  it('allows Ofcom’s drama range on the local stage only', () => {
    const local = phoneNumberPolicyParser({ STAGE: 'local', SMS_ALLOWED_COUNTRIES: 'GB' });
    const dev = phoneNumberPolicyParser({ STAGE: 'dev', SMS_ALLOWED_COUNTRIES: 'GB' });
    expect(local('07700 900123')).toMatchObject({ textable: true, e164: '+447700900123' });
    expect(dev('07700 900123')).toMatchObject({ textable: false });
    expect(dev('07912 345678')).toMatchObject({ textable: true, e164: '+447912345678' });
  });

  it('texts the countries it is told to', () => {
    const irish = phoneNumberPolicyParser({ STAGE: 'dev', SMS_ALLOWED_COUNTRIES: 'GB,IE' });
    expect(irish('+353 85 123 4567')).toMatchObject({ textable: true, country: 'IE' });
    expect(irish('+33 6 12 34 56 78')).toMatchObject({ textable: false, code: 'country-not-allowed' });
  });
});
