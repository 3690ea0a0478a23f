import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  hashInviteCode,
  inviteTokenHash,
  newInviteCode,
  newInviteToken,
  TOKEN_PATTERN,
  verifyInviteCode,
} from '../../../layers/sms/invite-secrets';

const key = randomBytes(32);
const otherKey = randomBytes(32);

/**
 * Pearson's chi-square statistic of observed counts against a uniform expectation. With 99 degrees of
 * freedom, 175 is exceeded by chance about once in a million runs, while a bias of a few percent in one
 * bucket lifts the statistic far above it.
 */
function chiSquare(counts: readonly number[], total: number): number {
  const expected = total / counts.length;
  return counts.reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0);
}
const CHI_SQUARE_99_LIMIT = 175;

describe('the link token', () => {
  it('is 128 random bits as 22 base64url characters', () => {
    const token = newInviteToken();
    expect(token).toMatch(TOKEN_PATTERN);
    expect(Buffer.from(token, 'base64url')).toHaveLength(16);
  });

  it('does not repeat, and its bits are balanced', () => {
    const tokens = Array.from({ length: 10_000 }, newInviteToken);
    expect(new Set(tokens).size).toBe(tokens.length);
    let ones = 0;
    for (const token of tokens) {
      for (const byte of Buffer.from(token, 'base64url')) {
        for (let bit = 0; bit < 8; bit++) ones += (byte >> bit) & 1;
      }
    }
    const bits = tokens.length * 128;
    // Binomial(1,280,000, 0.5): standard deviation about 566; allow 6 of them.
    expect(Math.abs(ones - bits / 2)).toBeLessThan(6 * Math.sqrt(bits / 4));
  });

  it('is looked up by a keyed hash that depends on the key and cannot be turned back', () => {
    const token = newInviteToken();
    const hash = inviteTokenHash(token, key);
    expect(hash).toMatch(/^[A-Za-z0-9_-]{43}$/u);
    expect(inviteTokenHash(token, key)).toBe(hash);
    expect(inviteTokenHash(token, otherKey)).not.toBe(hash);
    expect(inviteTokenHash(newInviteToken(), key)).not.toBe(hash);
    expect(hash).not.toContain(token);
  });

  it('refuses short keys and things that are not tokens', () => {
    expect(() => inviteTokenHash(newInviteToken(), randomBytes(16))).toThrow(/32 bytes/);
    expect(() => inviteTokenHash('../../etc/passwd', key)).toThrow(/Not an invite token/);
  });
});

describe('the six-digit code', () => {
  it('is always six digits, leading zeros kept', () => {
    for (let i = 0; i < 2000; i++) expect(newInviteCode()).toMatch(/^\d{6}$/u);
  });

  it('is uniform: leading and trailing pairs of digits pass a chi-square test', () => {
    const draws = 100_000;
    const leading = new Array<number>(100).fill(0);
    const trailing = new Array<number>(100).fill(0);
    for (let i = 0; i < draws; i++) {
      const code = Number(newInviteCode());
      leading[Math.floor(code / 10_000)] = (leading[Math.floor(code / 10_000)] ?? 0) + 1;
      trailing[code % 100] = (trailing[code % 100] ?? 0) + 1;
    }
    expect(chiSquare(leading, draws)).toBeLessThan(CHI_SQUARE_99_LIMIT);
    expect(chiSquare(trailing, draws)).toBeLessThan(CHI_SQUARE_99_LIMIT);
  });

  it('the test above can fail: a generator biased towards low codes does', () => {
    const draws = 100_000;
    const leading = new Array<number>(100).fill(0);
    for (let i = 0; i < draws; i++) {
      // Math.random, with 5% of draws pushed into the first bucket.
      const code =
        Math.random() < 0.05 ? Math.floor(Math.random() * 10_000) : Math.floor(Math.random() * 1e6);
      leading[Math.floor(code / 10_000)] = (leading[Math.floor(code / 10_000)] ?? 0) + 1;
    }
    expect(chiSquare(leading, draws)).toBeGreaterThan(CHI_SQUARE_99_LIMIT);
  });
});

describe('the stored code hash', () => {
  it('verifies the right code for the right invite, and nothing else', () => {
    const stored = hashInviteCode('012345', 'inv-1', key);
    expect(stored).toMatch(/^v1\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/u);
    expect(stored).not.toContain('012345');
    expect(verifyInviteCode('012345', stored, 'inv-1', key)).toBe(true);
    expect(verifyInviteCode('012 345', stored, 'inv-1', key)).toBe(true);
    expect(verifyInviteCode('12345', stored, 'inv-1', key)).toBe(false);
    expect(verifyInviteCode('012346', stored, 'inv-1', key)).toBe(false);
    expect(verifyInviteCode('012345', stored, 'inv-2', key)).toBe(false);
    expect(verifyInviteCode('012345', stored, 'inv-1', otherKey)).toBe(false);
    expect(verifyInviteCode('', stored, 'inv-1', key)).toBe(false);
    expect(verifyInviteCode('0123456', stored, 'inv-1', key)).toBe(false);
    expect(verifyInviteCode('invalid', stored, 'inv-1', key)).toBe(false);
  });

  it('is salted: the same code for the same invite hashes differently each time', () => {
    expect(hashInviteCode('123456', 'inv-1', key)).not.toBe(hashInviteCode('123456', 'inv-1', key));
  });

  it('refuses a tampered or foreign stored value rather than matching it', () => {
    const stored = hashInviteCode('123456', 'inv-1', key);
    const [version, salt, mac] = stored.split('.') as [string, string, string];
    const flipped = `${version}.${salt}.${mac.startsWith('A') ? 'B' : 'A'}${mac.slice(1)}`;
    expect(verifyInviteCode('123456', flipped, 'inv-1', key)).toBe(false);
    expect(verifyInviteCode('123456', `${version}.${mac}.${salt}`, 'inv-1', key)).toBe(false);
    expect(() => verifyInviteCode('123456', `${version}.${mac}`, 'inv-1', key)).toThrow(/Not a stored/);
    expect(() => verifyInviteCode('123456', 'v2.a.b', 'inv-1', key)).toThrow(/Not a stored/);
    expect(() => verifyInviteCode('123456', '123456', 'inv-1', key)).toThrow(/Not a stored/);
  });

  it('hashes only six digits, under a long enough key', () => {
    expect(() => hashInviteCode('12345', 'inv-1', key)).toThrow(/six digits/);
    expect(() => hashInviteCode('123456', 'inv-1', randomBytes(31))).toThrow(/32 bytes/);
    expect(() => hashInviteCode('123456', '', key)).toThrow(/invite id/);
  });
});
