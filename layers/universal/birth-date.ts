/**
 * Dates of birth as the lookup takes them, shared by the API's validation and the console's checks (plain
 * TypeScript: the browser imports it too).
 */

/** The earliest date of birth accepted: nobody alive was born before it, so it can only be a typing slip. */
export const EARLIEST_BIRTH_DATE = '1890-01-01';
export const EARLIEST_BIRTH_DATE_TEXT = '1 January 1890';

// One formatter for the process, made on first use: building one costs more than the lookup's own validation,
// and a cold start that never needs it should not pay for ICU's time-zone data (en-CA: YYYY-MM-DD).
let londonDate: Intl.DateTimeFormat | undefined;

/** Today's calendar date in the UK, where the practices are: a baby born this morning has a birth date. */
export function todayInLondon(now = new Date()): string {
  londonDate ??= new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' });
  return londonDate.format(now);
}

/** `YYYY-MM-DD` naming a day that exists (no 30 February). */
export function isCalendarDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
