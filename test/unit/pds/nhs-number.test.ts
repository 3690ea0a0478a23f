import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compactNhsNumber,
  formatNhsNumber,
  isValidNhsNumber,
  nhsCheckDigit,
  nhsNumberProblem,
} from '../../../layers/universal/nhs-number';

/** Any nine digits whose check digit exists, completed into a valid NHS number. */
const validNhsNumber = fc
  .string({ unit: fc.constantFrom(...'0123456789'), minLength: 9, maxLength: 9 })
  .filter((firstNine) => nhsCheckDigit(firstNine) !== undefined)
  .map((firstNine) => `${firstNine}${nhsCheckDigit(firstNine)}`);

describe('NHS number check digit', () => {
  it('accepts every number built from nine digits and their check digit', () => {
    fc.assert(
      fc.property(validNhsNumber, (number) => {
        expect(isValidNhsNumber(number)).toBe(true);
        expect(nhsNumberProblem(number)).toBeUndefined();
      }),
    );
  });

  it('completes any nine digits in exactly one way, or in none when the check digit would be 10', () => {
    const nineDigits = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 9, maxLength: 9 });
    fc.assert(
      fc.property(nineDigits, (firstNine) => {
        const valid = [...'0123456789'].filter((last) => isValidNhsNumber(`${firstNine}${last}`));
        const check = nhsCheckDigit(firstNine);
        expect(valid).toEqual(check === undefined ? [] : [String(check)]);
      }),
    );
    // 6 × 2 = 12, 12 mod 11 = 1, 11 - 1 = 10: no tenth digit makes it valid.
    expect(nhsCheckDigit('000000006')).toBeUndefined();
  });

  it('rejects every single-digit change of a valid number, at every position', () => {
    fc.assert(
      fc.property(validNhsNumber, (number) => {
        for (let position = 0; position < 10; position++) {
          for (const digit of '0123456789') {
            if (digit === number[position]) continue;
            const changed = `${number.slice(0, position)}${digit}${number.slice(position + 1)}`;
            expect(isValidNhsNumber(changed), changed).toBe(false);
            expect(nhsNumberProblem(changed), changed).toBe('check-digit');
          }
        }
      }),
    );
  });

  it('accepts the number however it is written with spaces and dashes', () => {
    const separator = fc.constantFrom('', ' ', '-', '  ', ' - ');
    fc.assert(
      fc.property(validNhsNumber, separator, separator, fc.constantFrom('', ' '), (number, a, b, pad) => {
        const typed = `${pad}${number.slice(0, 3)}${a}${number.slice(3, 6)}${b}${number.slice(6)}${pad}`;
        expect(nhsNumberProblem(typed)).toBeUndefined();
        expect(compactNhsNumber(typed)).toBe(number);
      }),
    );
  });

  it('says "not ten digits" for too few, too many or other characters', () => {
    fc.assert(
      fc.property(validNhsNumber, (number) => {
        expect(nhsNumberProblem(number.slice(0, 9))).toBe('not-ten-digits');
        expect(nhsNumberProblem(`${number}0`)).toBe('not-ten-digits');
        expect(nhsNumberProblem(`${number.slice(0, 9)}x`)).toBe('not-ten-digits');
        expect(nhsNumberProblem(`${number.slice(0, 3)}.${number.slice(3)}`)).toBe('not-ten-digits');
        expect(isValidNhsNumber(` ${number}`)).toBe(false);
      }),
    );
    expect(nhsNumberProblem('')).toBe('not-ten-digits');
  });

  it('knows the published examples', () => {
    expect(isValidNhsNumber('9434765919')).toBe(true);
    expect(isValidNhsNumber('9000000009')).toBe(true);
    expect(isValidNhsNumber('9111231130')).toBe(true);
    expect(isValidNhsNumber('9990000018')).toBe(true);
    expect(isValidNhsNumber('9000000000')).toBe(false);
    expect(nhsNumberProblem('9000000000')).toBe('check-digit');
    expect(nhsNumberProblem('943 476 5919')).toBeUndefined();
    expect(nhsNumberProblem('943-476-5919')).toBeUndefined();
    expect(nhsCheckDigit('943476591')).toBe(9);
  });

  it('refuses to compute a check digit from anything but nine digits', () => {
    expect(() => nhsCheckDigit('12345678')).toThrow(TypeError);
    expect(() => nhsCheckDigit('12345678a')).toThrow(TypeError);
  });
});

describe('formatNhsNumber', () => {
  it('writes 3-3-4 with spaces', () => {
    expect(formatNhsNumber('9434765919')).toBe('943 476 5919');
  });

  it('round-trips through compactNhsNumber and stays valid', () => {
    fc.assert(
      fc.property(validNhsNumber, (number) => {
        const formatted = formatNhsNumber(number);
        expect(formatted).toMatch(/^\d{3} \d{3} \d{4}$/);
        expect(compactNhsNumber(formatted)).toBe(number);
        expect(nhsNumberProblem(formatted)).toBeUndefined();
      }),
    );
  });
});
