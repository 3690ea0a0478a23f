import { describe, expect, it } from 'vitest';
import {
  afterFailure,
  afterSuccess,
  IpBackoff,
  type LockoutState,
  lockedUntil,
  minutesUntil,
} from '../../../infra/local/oidc/guessing-limits';

const T0 = new Date('2026-01-01T09:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

describe('account lockout counting', () => {
  it('locks on the fifth consecutive failure, for 15 minutes', () => {
    let state: LockoutState = { failedAttempts: 0 };
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      state = afterFailure(state, at(attempt));
      expect(state.failedAttempts).toBe(attempt);
      expect(lockedUntil(state, at(attempt))).toBeUndefined();
    }
    state = afterFailure(state, at(5));
    expect(lockedUntil(state, at(5))).toEqual(at(5 + 15 * 60));
    expect(minutesUntil(at(5 + 15 * 60), at(5))).toBe(15);
    expect(lockedUntil(state, at(5 + 15 * 60 - 1))).toBeDefined();
    expect(lockedUntil(state, at(5 + 15 * 60))).toBeUndefined();
  });

  it('does not extend the lock while locked', () => {
    let state: LockoutState = { failedAttempts: 4 };
    state = afterFailure(state, at(0));
    const until = state.lockedUntil;
    state = afterFailure(state, at(60));
    expect(state.lockedUntil).toEqual(until);
  });

  it('counts afresh once a lock has expired', () => {
    let state: LockoutState = afterFailure({ failedAttempts: 4 }, at(0));
    state = afterFailure(state, at(15 * 60 + 1));
    expect(state).toEqual({ failedAttempts: 1 });
  });

  it('resets on success', () => {
    expect(afterSuccess()).toEqual({ failedAttempts: 0 });
  });
});

describe('per-IP back-off', () => {
  const policy = { freeFailures: 3, windowSeconds: 900, maxDelaySeconds: 8 };

  it('lets the first failures through and then makes each further attempt wait longer, capped', () => {
    const backoff = new IpBackoff(policy);
    for (let i = 0; i < 3; i += 1) {
      expect(backoff.retryAfterSeconds('192.0.2.1', at(i))).toBe(0);
      backoff.recordFailure('192.0.2.1', at(i));
    }
    expect(backoff.retryAfterSeconds('192.0.2.1', at(2))).toBe(1);
    expect(backoff.retryAfterSeconds('192.0.2.1', at(3))).toBe(0);
    backoff.recordFailure('192.0.2.1', at(3));
    expect(backoff.retryAfterSeconds('192.0.2.1', at(3))).toBe(2);
    backoff.recordFailure('192.0.2.1', at(5));
    expect(backoff.retryAfterSeconds('192.0.2.1', at(5))).toBe(4);
    for (let i = 0; i < 5; i += 1) backoff.recordFailure('192.0.2.1', at(10));
    expect(backoff.retryAfterSeconds('192.0.2.1', at(10))).toBe(8);
    // Other addresses are unaffected.
    expect(backoff.retryAfterSeconds('192.0.2.2', at(10))).toBe(0);
  });

  it('forgets an address after the window', () => {
    const backoff = new IpBackoff(policy);
    for (let i = 0; i < 5; i += 1) backoff.recordFailure('192.0.2.1', at(0));
    expect(backoff.retryAfterSeconds('192.0.2.1', at(0))).toBeGreaterThan(0);
    expect(backoff.retryAfterSeconds('192.0.2.1', at(901))).toBe(0);
  });
});
