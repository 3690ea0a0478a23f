/**
 * Calendar days in the UK (Europe/London), as audit reports use them: a report for "1 to 31 March" covers the
 * practice's March, whatever the clocks did. Plain TypeScript: the console imports it too.
 */

// en-CA writes YYYY-MM-DD. One formatter per process: building one costs more than using it.
const LONDON_DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' });
const LONDON_TIME = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});
const LONG_DAY = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'UTC',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
});

const DAY_MS = 86_400_000;

/** The UK calendar day (`YYYY-MM-DD`) of an instant. */
export function ukDay(at: string | Date): string {
  return LONDON_DAY.format(typeof at === 'string' ? new Date(at) : at);
}

/** `YYYY-MM-DD` naming a day that exists (no 30 February). */
export function isDay(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The day `count` days after `day` (before, when negative). */
export function addDays(day: string, count: number): string {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, date) + count * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The instant the UK day starts, as an ISO time (`toISOString` form, as audit events' `at`): 00:00 GMT, or
 * 23:00 UTC the day before in summer time. The clocks change at 01:00 UTC, never at midnight, so midnight is
 * always one instant.
 */
export function ukDayStart(day: string): string {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  const utcMidnight = Date.UTC(year, month - 1, date);
  const summer = utcMidnight - 3_600_000;
  return new Date(ukDay(new Date(summer)) === day ? summer : utcMidnight).toISOString();
}

/** Every day from `from` to `to`, both included. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}

/** "02/03/2026, 14:05:09": an event's time as the practice reads it (UK time, 24-hour clock). */
export function ukDateTime(at: string | Date): string {
  return LONDON_TIME.format(typeof at === 'string' ? new Date(at) : at);
}

/** "2 March 2026". */
export function longDay(day: string): string {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return LONG_DAY.format(new Date(Date.UTC(year, month - 1, date)));
}
