import { describe, expect, it } from 'vitest';
import { sensitiveContent } from '../../../layers/universal/sensitive-content';

const today = new Date('2026-12-01T10:00:00Z');
const kinds = (text: string) => sensitiveContent(text, { today }).map((warning) => warning.kind);

describe('NHS numbers', () => {
  it.each(['Your NHS number is 943 476 5919', 'ref 9434765919', 'ref 943-476-5919.', '(9990000018)'])(
    'warns on a valid one in %j',
    (text) => {
      expect(kinds(text)).toEqual(['nhs-number']);
    },
  );

  it('does not quote the number back', () => {
    const [warning] = sensitiveContent('number 943 476 5919', { today });
    expect(warning?.message).toBe(
      'It looks like it contains an NHS number. Texts to patients must not include one.',
    );
    expect(warning?.message).not.toMatch(/\d/u);
  });

  it.each([
    ['ten digits failing the modulus-11 check', '943 476 5918'],
    ['a phone number', 'Call 0113 496 0000 or 07700 900123'],
    ['eleven digits', '94347659190'],
    ['a six-digit code', 'Your code: 123456'],
  ])('does not warn on %s', (_what, text) => {
    expect(kinds(text)).not.toContain('nhs-number');
  });
});

describe('dates of birth', () => {
  it.each([
    'born 12/04/1980',
    '12/04/80',
    '12.04.1980',
    '1980-04-12',
    '12 April 1980',
    '12th Apr 1980',
    'April 12, 1980',
    'DOB please',
    'Please confirm your date of birth',
    'd.o.b.',
    'born on a Tuesday',
  ])('warns on %j', (text) => {
    expect(kinds(text)).toEqual(['date-of-birth']);
  });

  it.each([
    'Your appointment is on 14/12/2026',
    'Your appointment is on 14 December',
    'See you on 3/1/2027',
    'Open 8:00-18:30',
    'Call 0113 496 0000',
    'Room 12.04',
    'Not a date: 31/02/1980',
  ])('does not warn on an appointment date or a non-date: %j', (text) => {
    expect(kinds(text)).toEqual([]);
  });
});

describe('clinical detail', () => {
  it.each([
    ['Your HIV test', 'HIV'],
    ['About your cancer referral', 'cancer'],
    ['Your test results are back', 'test results'],
    ['Your test result is ready', 'test result'],
    ['Congratulations on your pregnancy', 'pregnancy'],
    ['If you are pregnant', 'pregnant'],
    ['Your STI screen', 'STI'],
    ['chlamydia treatment', 'chlamydia'],
    ['the biopsy', 'biopsy'],
    ['mental health team', 'mental health'],
    ['Mental  Health', 'Mental  Health'],
    ['after the overdose', 'overdose'],
    ['your diagnosis', 'diagnosis'],
    ['gonorrhoea', 'gonorrhoea'],
    ['self-harm', 'self-harm'],
    ['blood tests', 'blood tests'],
  ])('warns on %j, quoting %j', (text, quoted) => {
    const warnings = sensitiveContent(text, { today });
    expect(warnings).toContainEqual({
      kind: 'clinical-detail',
      message: `It mentions "${quoted}". Texts to patients must not include clinical details.`,
    });
  });

  it.each([
    'Please bring your hearing aids',
    'We are still open',
    'Chemist on the corner',
    'Our practice has a new website',
    'Your appointment with Dr Patel is at 2pm',
    'The cancellation list',
  ])('does not warn on ordinary words that share letters: %j', (text) => {
    expect(kinds(text)).toEqual([]);
  });

  it('gives one warning per term found', () => {
    expect(kinds('HIV and hepatitis results, and your pregnancy')).toEqual([
      'clinical-detail',
      'clinical-detail',
      'clinical-detail',
    ]);
  });
});

describe('together', () => {
  it('reports each kind found', () => {
    expect(kinds('Re: 943 476 5919, DOB 12/04/1980: your biopsy')).toEqual([
      'nhs-number',
      'date-of-birth',
      'clinical-detail',
    ]);
    expect(kinds('Dr Patel will call you at 2pm on Tuesday.')).toEqual([]);
  });
});
