import {
  compactNhsNumber,
  NHS_NUMBER_PROBLEMS,
  nhsNumberProblem,
} from '../../../../layers/universal/nhs-number';
import { isDay, longDay, ukDateTime, ukDay } from '../../../../layers/universal/uk-days';
import type { AwsEvidence, IntegrityResult, ReportRequest } from '../../../shared/audit';

/**
 * What the audit reports page checks before it asks the API, and how it says what came back. Pure: nothing
 * here keeps what was typed.
 */

export type DatePart = 'day' | 'month' | 'year';
export type DateValue = Record<DatePart, string>;

export const FIELD_IDS = {
  from: 'report-from',
  to: 'report-to',
  staff: 'report-staff',
  nhsNumber: 'report-nhs-number',
} as const;

/** The API's field names, for its 400s. */
export const API_FIELDS: Record<string, string> = {
  'body.from': FIELD_IDS.from,
  'body.to': FIELD_IDS.to,
  'body.staffId': FIELD_IDS.staff,
  'body.nhsNumber': FIELD_IDS.nhsNumber,
};

export function dateValue(day: string): DateValue {
  const [year = '', month = '', date = ''] = day.split('-');
  return { day: String(Number(date)), month: String(Number(month)), year };
}

/** `YYYY-MM-DD` of what was typed, or undefined when it is not a date. */
export function dayOf(value: DateValue): string | undefined {
  const { day, month, year } = value;
  if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(month) || !/^\d{4}$/.test(year)) return undefined;
  const candidate = `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
  return isDay(candidate) ? candidate : undefined;
}

export interface ReportForm {
  from: DateValue;
  to: DateValue;
  staffId: string;
  nhsNumber: string;
}

export function todayForm(now = new Date()): ReportForm {
  const today = dateValue(ukDay(now));
  return { from: today, to: today, staffId: '', nhsNumber: '' };
}

/** The request, or the problems to show (field id → message), in the API's own words where it has them. */
export function checkReportForm(
  form: ReportForm,
  now = new Date(),
): { request: ReportRequest } | { errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const from = dayOf(form.from);
  const to = dayOf(form.to);
  const today = ukDay(now);
  if (!from)
    errors[FIELD_IDS.from] = 'Enter the first day of the report as a real date, for example 1 3 2026';
  else if (from > today) errors[FIELD_IDS.from] = 'The first day must be today or in the past';
  if (!to) errors[FIELD_IDS.to] = 'Enter the last day of the report as a real date, for example 31 3 2026';
  else if (to > today) errors[FIELD_IDS.to] = 'The last day must be today or in the past';
  else if (from && to < from)
    errors[FIELD_IDS.to] = 'The last day must be the same as the first day or after it';
  const typed = form.nhsNumber.trim();
  if (typed) {
    const problem = nhsNumberProblem(typed);
    if (problem) errors[FIELD_IDS.nhsNumber] = `The NHS number ${NHS_NUMBER_PROBLEMS[problem]}`;
  }
  if (Object.keys(errors).length > 0 || !from || !to) return { errors };
  return {
    request: {
      from,
      to,
      ...(form.staffId ? { staffId: form.staffId } : {}),
      ...(typed ? { nhsNumber: compactNhsNumber(typed) } : {}),
    },
  };
}

export function rangeInWords(range: { from: string; to: string }): string {
  return range.from === range.to ? longDay(range.from) : `${longDay(range.from)} to ${longDay(range.to)}`;
}

export function timeInWords(at: string): string {
  return `${ukDateTime(at)} (UK time)`;
}

/** "Rows 26 to 50 of 1,204". */
export function rowsInWords(first: number, count: number, total: number): string {
  if (count === 0) return total === 0 ? 'None in this period' : 'No more rows';
  const number = (n: number) => n.toLocaleString('en-GB');
  return `Rows ${number(first)} to ${number(first + count - 1)} of ${number(total)}`;
}

/** What the integrity check found, as one line: "intact", or how many breaks. */
export function integrityInWords(result: IntegrityResult): string {
  if (result.intact) return 'intact';
  return result.breaks.length === 1 ? '1 break found' : `${result.breaks.length} breaks found`;
}

/** The trail's check in a word: valid, INVALID, or not yet validated (no digest covers the period yet). */
export function trailInWords(trail: AwsEvidence['trail']): string {
  if (trail.digests.valid + trail.digests.invalid === 0) return 'not yet validated';
  return trail.ok ? 'valid' : 'INVALID';
}

const BREAK_WORDS: Record<string, string> = {
  changed: 'Changed after it was sealed',
  missing: 'Deleted after it was sealed',
  inserted: 'Added without being sealed',
  reordered: 'Moved out of its sealed order',
  'digest-signature-invalid': 'A digest does not verify',
  'digest-chain-broken': 'The chain of digests is broken',
};

export function breakInWords(kind: string): string {
  return BREAK_WORDS[kind] ?? kind;
}
