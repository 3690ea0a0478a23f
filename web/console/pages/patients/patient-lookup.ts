import {
  EARLIEST_BIRTH_DATE,
  EARLIEST_BIRTH_DATE_TEXT,
  todayInLondon,
} from '../../../../layers/universal/birth-date';
import {
  compactNhsNumber,
  formatNhsNumber,
  NHS_NUMBER_PROBLEMS,
  nhsNumberProblem,
} from '../../../../layers/universal/nhs-number';
import type { LookupRequest, PatientGender } from '../../../shared/lookup';
import type { ApiError } from '../../api/client';
import type { ErrorSummaryItem } from '../../components/ErrorSummary';

/**
 * What the find-a-patient form checks before it asks the API, in the API's own words (see
 * `functions/lookup/routes.ts`), and how it reads the API's answers. Pure functions: nothing here keeps
 * what was typed.
 */

export const FIELD_IDS = {
  nhsNumber: 'nhs-number',
  birthDate: 'birth-date',
} as const;

export type DatePart = 'day' | 'month' | 'year';
export const DATE_PARTS: readonly DatePart[] = ['day', 'month', 'year'];
export type DateValue = Record<DatePart, string>;
export const EMPTY_DATE: DateValue = { day: '', month: '', year: '' };

/** The input id of one part of the date of birth, e.g. `birth-date-month`. */
export function datePartId(part: DatePart): string {
  return `${FIELD_IDS.birthDate}-${part}`;
}

// ---------------------------------------------------------------------------------------------------------
// The NHS number as it is typed: grouped 3-3-4.

/**
 * The field's new value after typing or pasting, grouped 3-3-4 when it holds only digits, spaces and
 * dashes, and where the caret goes: after the same number of digits as before. Anything else (a letter,
 * say) is left as typed, for the check to name.
 */
export function formatTypedNhsNumber(typed: string, caret: number): { value: string; caret: number } {
  if (!/^[\d\s-]*$/u.test(typed)) return { value: typed, caret };
  const value = formatNhsNumber(typed.replace(/\D/gu, ''));
  const digitsBeforeCaret = typed.slice(0, caret).replace(/\D/gu, '').length;
  let position = 0;
  for (let seen = 0; seen < digitsBeforeCaret && position < value.length; position += 1) {
    if (/\d/u.test(value[position] ?? '')) seen += 1;
  }
  return { value, caret: position };
}

// ---------------------------------------------------------------------------------------------------------
// Checking the form.

export interface FieldError {
  message: string;
  /** For the date of birth: which of day, month and year to mark (all of them when absent). */
  parts?: readonly DatePart[];
}

export interface LookupFormErrors {
  nhsNumber?: FieldError;
  birthDate?: FieldError;
  /** Problems with no field of their own (a rate limit, the NHS service being down). */
  other: string[];
}

export function nhsNumberError(typed: string): FieldError | undefined {
  if (typed.trim() === '') return { message: 'Enter the patient’s NHS number' };
  const problem = nhsNumberProblem(typed);
  return problem ? { message: `NHS number ${NHS_NUMBER_PROBLEMS[problem]}` } : undefined;
}

function listParts(parts: readonly DatePart[]): string {
  return parts.length === 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

/** `YYYY-MM-DD` from the three parts, once they have passed `birthDateError`. */
export function isoDate(date: DateValue): string {
  const pad = (value: string, length: number) => value.trim().padStart(length, '0');
  return `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
}

/** The NHS.UK date input's error messages, most important first; `parts` says which boxes to mark. */
export function birthDateError(date: DateValue, now = new Date()): FieldError | undefined {
  const trimmed = { day: date.day.trim(), month: date.month.trim(), year: date.year.trim() };
  const missing = DATE_PARTS.filter((part) => trimmed[part] === '');
  if (missing.length === DATE_PARTS.length) return { message: 'Enter the patient’s date of birth' };
  const notNumbers = DATE_PARTS.filter((part) => trimmed[part] !== '' && !/^\d+$/u.test(trimmed[part]));
  if (notNumbers.length > 0) return { message: 'Date of birth must be a real date', parts: notNumbers };
  if (missing.length > 0) {
    return { message: `Date of birth must include a ${listParts(missing)}`, parts: missing };
  }
  if (trimmed.year.length !== 4) return { message: 'Year must include 4 numbers', parts: ['year'] };

  const [day, month, year] = [Number(trimmed.day), Number(trimmed.month), Number(trimmed.year)];
  if (month < 1 || month > 12) return { message: 'Date of birth must be a real date', parts: ['month'] };
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) return { message: 'Date of birth must be a real date', parts: ['day'] };

  const iso = isoDate(trimmed);
  if (iso > todayInLondon(now)) return { message: 'Date of birth must be in the past' };
  if (iso < EARLIEST_BIRTH_DATE) {
    return { message: `Date of birth must be ${EARLIEST_BIRTH_DATE_TEXT} or later` };
  }
  return undefined;
}

/** The form's errors, or undefined when it may be sent; `request` is what to send. */
export function checkLookupForm(
  nhsNumber: string,
  birthDate: DateValue,
  now = new Date(),
): { errors: LookupFormErrors } | { request: LookupRequest } {
  const errors: LookupFormErrors = { other: [] };
  const nhsNumberProblemFound = nhsNumberError(nhsNumber);
  const birthDateProblem = birthDateError(birthDate, now);
  if (nhsNumberProblemFound) errors.nhsNumber = nhsNumberProblemFound;
  if (birthDateProblem) errors.birthDate = birthDateProblem;
  if (errors.nhsNumber || errors.birthDate) return { errors };
  return { request: { nhsNumber: compactNhsNumber(nhsNumber), birthDate: isoDate(birthDate) } };
}

// ---------------------------------------------------------------------------------------------------------
// The API's answers.

/** "14:32": the time of day in the UK. */
export function timeInLondon(at: Date): string {
  return at.toLocaleTimeString('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit' });
}

/** "at 14:32", "tomorrow at 09:00" or "on 16 May at 09:00": when `at` is, from `now`, in UK time. */
export function whenInLondon(at: Date, now = new Date()): string {
  const time = timeInLondon(at);
  const day = todayInLondon(at);
  if (day === todayInLondon(now)) return `at ${time}`;
  if (day === todayInLondon(new Date(now.getTime() + 24 * 60 * 60 * 1000))) return `tomorrow at ${time}`;
  const date = at.toLocaleDateString('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'long' });
  return `on ${date} at ${time}`;
}

function tryAgain(retryAfterSeconds: number | undefined, fallback: string, now: Date): string {
  if (retryAfterSeconds === undefined) return fallback;
  if (retryAfterSeconds <= 60) return 'You can try again in a minute.';
  return `You can try again ${whenInLondon(new Date(now.getTime() + retryAfterSeconds * 1000), now)}.`;
}

/** How the API names the form's fields in its 400s, and what the form calls them. */
const API_FIELDS = {
  'body.nhsNumber': { field: 'nhsNumber', label: 'NHS number' },
  'body.birthDate': { field: 'birthDate', label: 'Date of birth' },
} as const;

/** The API's issue message for a field, in the form's words: "must be in the past" → "Date of birth …". */
function fieldMessage(label: string, message: string): string {
  // The API tells other programs how to write a date; a person typed three boxes.
  return `${label} ${message.replace(/, written YYYY-MM-DD$/u, '')}`;
}

/** What the form shows when the API refuses the lookup. */
export function lookupErrorsFromApi(error: ApiError, now = new Date()): LookupFormErrors {
  const errors: LookupFormErrors = { other: [] };
  // `type` is set only on the API's own problem details: then `detail` is written for a person. A 429 or 503
  // without one comes from in front of the API (a gateway's throttling, say), and gets our own words.
  const fromApi = error.type !== undefined;
  switch (error.status) {
    case 429: {
      const said = fromApi
        ? // The API says when in its own words; the page says it as a time of day instead.
          error.detail.replace(/\s*Try again\b.*$/su, '')
        : 'There have been too many patient lookups.';
      errors.other.push(`${said} ${tryAgain(error.retryAfterSeconds, 'Try again later.', now)}`);
      return errors;
    }
    case 503:
      errors.other.push(
        fromApi
          ? error.detail
          : `The NHS demographics service is not answering. ${tryAgain(
              error.retryAfterSeconds,
              'Wait a minute and try again.',
              now,
            )}`,
      );
      return errors;
  }
  for (const issue of error.issues) {
    const known = API_FIELDS[issue.field as keyof typeof API_FIELDS];
    if (!known) errors.other.push(issue.message);
    else if (!errors[known.field])
      errors[known.field] = { message: fieldMessage(known.label, issue.message) };
  }
  if (!errors.nhsNumber && !errors.birthDate && errors.other.length === 0) errors.other.push(error.detail);
  return errors;
}

/** The error summary's list: field problems link to their field (the first marked box of a date). */
export function summaryItems(errors: LookupFormErrors): ErrorSummaryItem[] {
  const items: ErrorSummaryItem[] = [];
  if (errors.nhsNumber) items.push({ text: errors.nhsNumber.message, href: `#${FIELD_IDS.nhsNumber}` });
  if (errors.birthDate) {
    const first = errors.birthDate.parts?.[0] ?? 'day';
    items.push({ text: errors.birthDate.message, href: `#${datePartId(first)}` });
  }
  for (const text of errors.other) items.push({ text });
  return items;
}

export function hasErrors(errors: LookupFormErrors | undefined): errors is LookupFormErrors {
  return Boolean(errors && (errors.nhsNumber || errors.birthDate || errors.other.length > 0));
}

// ---------------------------------------------------------------------------------------------------------
// Showing a match.

export const GENDER_LABELS: Record<PatientGender, string> = {
  female: 'Female',
  male: 'Male',
  other: 'Other',
  unknown: 'Not known',
};

/** "12 April 1980" from `1980-04-12` (a calendar date: no time zone moves it). */
export function longDate(iso: string): string {
  const [year, month, day] = iso.split('-').map(Number);
  return new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 1)).toLocaleDateString('en-GB', {
    timeZone: 'UTC',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  });
}
