import { describe, expect, it } from 'vitest';
import { UUID_PATTERN, uuidv7, uuidv7Floor, uuidv7Time } from '../../../layers/records/time-ids';

describe('UUIDv7 invite ids', () => {
  it('are version 7, variant 10, and carry their time', () => {
    const at = Date.UTC(2026, 11, 1, 9, 30);
    const id = uuidv7(at);
    expect(id).toMatch(UUID_PATTERN);
    expect(id[14]).toBe('7');
    expect('89ab').toContain(id[19]);
    expect(uuidv7Time(id)).toBe(at);
  });

  it('sort by creation time as text, and the floor of a millisecond sorts before its ids', () => {
    const times = [0, 1, 255, 256, 65_535, Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 1) + 1, 2 ** 47];
    const ids = times.map((t) => uuidv7(t));
    expect([...ids].sort()).toEqual(ids);
    for (const t of times) {
      expect(uuidv7Floor(t) <= uuidv7(t)).toBe(true);
      expect(uuidv7Floor(t + 1) > uuidv7(t)).toBe(true);
    }
  });

  it('are random within a millisecond', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => uuidv7(1_000)));
    expect(ids.size).toBe(1000);
  });
});
