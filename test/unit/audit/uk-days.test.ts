import { describe, expect, it } from 'vitest';
import {
  addDays,
  daysBetween,
  isDay,
  longDay,
  ukDateTime,
  ukDay,
  ukDayStart,
} from '../../../layers/universal/uk-days';

describe('UK days', () => {
  it('starts a winter day at midnight UTC and a summer day at 23:00 UTC the day before', () => {
    expect(ukDayStart('2026-01-15')).toBe('2026-01-15T00:00:00.000Z');
    expect(ukDayStart('2026-07-15')).toBe('2026-07-14T23:00:00.000Z');
  });

  it('handles the days the clocks change (both at 01:00 UTC, never at midnight)', () => {
    // 29 March 2026: clocks go forward; the day starts in GMT.
    expect(ukDayStart('2026-03-29')).toBe('2026-03-29T00:00:00.000Z');
    expect(ukDayStart('2026-03-30')).toBe('2026-03-29T23:00:00.000Z');
    // 25 October 2026: clocks go back; the day starts in BST, the next in GMT (a 25-hour day).
    expect(ukDayStart('2026-10-25')).toBe('2026-10-24T23:00:00.000Z');
    expect(ukDayStart('2026-10-26')).toBe('2026-10-26T00:00:00.000Z');
  });

  it('puts an instant on the UK day it falls on', () => {
    expect(ukDay('2026-07-14T23:30:00.000Z')).toBe('2026-07-15');
    expect(ukDay('2026-01-14T23:30:00.000Z')).toBe('2026-01-14');
    expect(ukDay(ukDayStart('2026-07-15'))).toBe('2026-07-15');
    expect(ukDay(new Date(Date.parse(ukDayStart('2026-07-15')) - 1))).toBe('2026-07-14');
  });

  it('counts days across months and years, and lists a range', () => {
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
    expect(daysBetween('2026-12-30', '2027-01-02')).toEqual([
      '2026-12-30',
      '2026-12-31',
      '2027-01-01',
      '2027-01-02',
    ]);
  });

  it('accepts only days that exist', () => {
    expect(isDay('2026-02-29')).toBe(false);
    expect(isDay('2028-02-29')).toBe(true);
    expect(isDay('2026-1-1')).toBe(false);
  });

  it('writes days and times as people in the UK read them', () => {
    expect(longDay('2026-03-02')).toBe('2 March 2026');
    expect(ukDateTime('2026-07-15T08:05:09.000Z')).toBe('15/07/2026, 09:05:09');
  });
});
