/**
 * NHS numbers: ten digits, the last a modulus-11 check digit. People write them `943 476 5919` or
 * `943-476-5919`; only the digits count.
 */
const WEIGHTS = [10, 9, 8, 7, 6, 5, 4, 3, 2] as const;

/** The check digit the first nine digits call for, or undefined when they call for 10 (no valid number). */
export function nhsCheckDigit(firstNine: string): number | undefined {
  if (!/^\d{9}$/.test(firstNine)) throw new TypeError('Nine digits are needed.');
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(firstNine[i]) * (WEIGHTS[i] as number);
  const check = 11 - (sum % 11);
  if (check === 10) return undefined;
  return check === 11 ? 0 : check;
}

export function isValidNhsNumber(digits: string): boolean {
  if (!/^\d{10}$/.test(digits)) return false;
  return nhsCheckDigit(digits.slice(0, 9)) === Number(digits[9]);
}

/** Spaces and dashes removed; other characters kept, so that validation can say what is wrong. */
export function compactNhsNumber(typed: string): string {
  return typed.trim().replace(/[\s-]/gu, '');
}

export type NhsNumberProblem = 'not-ten-digits' | 'check-digit';

/** What is wrong, in words that follow the field's name ("NHS number must be 10 digits, ..."). */
export const NHS_NUMBER_PROBLEMS: Readonly<Record<NhsNumberProblem, string>> = {
  'not-ten-digits': 'must be 10 digits, like 943 476 5919',
  'check-digit': 'is not valid: check it for a mistyped digit',
};

/** Why a typed NHS number is not one, or undefined when it is. */
export function nhsNumberProblem(typed: string): NhsNumberProblem | undefined {
  const digits = compactNhsNumber(typed);
  if (!/^\d{10}$/.test(digits)) return 'not-ten-digits';
  return isValidNhsNumber(digits) ? undefined : 'check-digit';
}

/** 3-3-4, as the NHS writes it: `943 476 5919`; a number still being typed is grouped as far as it goes. */
export function formatNhsNumber(digits: string): string {
  return [digits.slice(0, 3), digits.slice(3, 6), digits.slice(6)].filter(Boolean).join(' ');
}
