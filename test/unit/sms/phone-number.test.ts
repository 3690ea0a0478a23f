import { describe, expect, it } from 'vitest';
import { mobileEnding, parsePhoneNumber, phoneNumberParser } from '../../../layers/sms/phone-number';

const local = phoneNumberParser({ allowDramaRange: true });
const production = phoneNumberParser();

describe('UK mobiles, written every way PDS records have them', () => {
  it.each([
    '07700 900123',
    '07700900123',
    '+44 7700 900123',
    '+447700900123',
    '0044 7700 900123',
    '00447700900123',
    '(07700) 900-123',
    '(07700) 900123',
    '+44 (0)7700 900123',
    '+44(0)7700900123',
    '+44 07700 900123',
    '447700900123',
    '07700-900-123',
    '07700.900.123',
    ' 07700 900 123 ',
    'tel:+447700900123',
    '０７７００ ９００１２３',
  ])('%j is +447700900123', (written) => {
    expect(local(written)).toEqual({ textable: true, e164: '+447700900123', country: 'GB' });
  });

  it('reads a real (non-drama) UK mobile without the drama flag', () => {
    expect(production('07400 123456')).toEqual({ textable: true, e164: '+447400123456', country: 'GB' });
    expect(production('+44 7912 345678')).toEqual({ textable: true, e164: '+447912345678', country: 'GB' });
  });

  it('keeps the drama range out of production: libphonenumber rightly calls it unallocated', () => {
    expect(production('07700 900123')).toMatchObject({ textable: false, code: 'not-a-mobile' });
  });
});

describe('numbers that cannot be texted, with reasons a clinician reads', () => {
  it.each([
    ['01632 960123', 'not-a-mobile'],
    ['020 7946 0000', 'not-a-mobile'],
    ['+44 20 7946 0000', 'not-a-mobile'],
    ['0113 496 0000', 'not-a-mobile'],
    ['0800 123 4567', 'not-a-mobile'],
    ['07000 123456', 'not-a-mobile'], // personal numbering, not a mobile
    ['07600 123456', 'not-a-mobile'], // pagers
  ])('a landline or other non-mobile %j: %s', (written, code) => {
    const verdict = local(written);
    expect(verdict).toEqual({ textable: false, code, reason: 'not a mobile number' });
  });

  it.each([
    '+33 6 12 34 56 78',
    '0033 6 12 34 56 78',
    '+353 85 123 4567',
    '00353851234567',
    '+1 202 555 0123',
    '+49 151 23456789',
    '+44 7624 123456', // Isle of Man: +44, but not GB to AWS's country rules
    '+44 7797 123456', // Jersey
    '+44 7911 123456', // Guernsey
    '+33 1 23 45 67 89', // a French landline is still not ours to judge
  ])('international %j is not textable by default', (written) => {
    expect(local(written)).toEqual({
      textable: false,
      code: 'country-not-allowed',
      reason: 'not a UK mobile',
    });
  });

  it.each([
    [null, 'no-number', 'there is no mobile number on record'],
    [undefined, 'no-number', 'there is no mobile number on record'],
    ['   ', 'no-number', 'there is no mobile number on record'],
    ['unknown', 'not-a-phone-number', 'it is not written as a phone number'],
    ['07700 900123 (mum)', 'not-a-phone-number', 'it is not written as a phone number'],
    ['call 07700 900123', 'not-a-phone-number', 'it is not written as a phone number'],
    ['07700900123/07700900124', 'too-long', 'it has too many digits to be a phone number'],
    ['0', 'too-short', 'it has too few digits to be a phone number'],
    ['07700', 'too-short', 'it has too few digits to be a phone number'],
    ['077009001234', 'too-long', 'it has too many digits to be a phone number'],
    ['+999 123456789', 'not-a-phone-number', 'it is not written as a phone number'],
    ['07700 900123 ext 12', 'has-extension', 'it has an extension, so it is not a mobile number'],
    ['x'.repeat(41), 'not-a-phone-number', 'it is not written as a phone number'],
  ])('%j: %s', (written, code, reason) => {
    expect(local(written)).toEqual({ textable: false, code, reason });
  });
});

describe('the allowed countries are per deployment', () => {
  const irishDeployment = phoneNumberParser({ allowedCountries: ['IE', 'GB'], allowDramaRange: true });

  it('texts the added country, reading bare national numbers as its own', () => {
    expect(irishDeployment('085 123 4567')).toEqual({ textable: true, e164: '+353851234567', country: 'IE' });
    expect(irishDeployment('+44 7700 900123')).toMatchObject({ textable: true, country: 'GB' });
  });

  it('names the allowed countries when refusing another', () => {
    expect(irishDeployment('+33 6 12 34 56 78')).toEqual({
      textable: false,
      code: 'country-not-allowed',
      reason: 'not a mobile number from a country this service texts (Ireland, UK)',
    });
  });

  it('still refuses landlines of an allowed country', () => {
    expect(irishDeployment('+353 1 234 5678')).toMatchObject({ textable: false, code: 'not-a-mobile' });
  });

  it('fails fast on a country code that does not exist', () => {
    expect(() => phoneNumberParser({ allowedCountries: ['XX'] })).toThrow(/XX/);
    expect(() => phoneNumberParser({ allowedCountries: [] })).toThrow(/At least one/);
  });

  it('has a one-off form with the same answers', () => {
    expect(parsePhoneNumber('+44 7400 123456')).toEqual(production('+44 7400 123456'));
  });
});

describe('mobileEnding', () => {
  it('is the last three digits', () => {
    expect(mobileEnding('+447700900123')).toBe('123');
    expect(mobileEnding('+353851234567')).toBe('567');
  });

  it('takes only E.164, so a raw PDS value cannot slip through', () => {
    expect(() => mobileEnding('07700 900123')).toThrow(TypeError);
  });
});
