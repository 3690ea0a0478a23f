/**
 * Limits on guessing passwords and TOTP codes.
 *
 * Per account: failed password and failed TOTP attempts share one counter; the fifth consecutive failure
 * locks the account for 15 minutes. Only a complete sign-in (password and code) resets the counter, so
 * knowing the password does not buy extra code guesses. The state lives in the account store.
 *
 * Per client IP (in memory): after a number of free failures within a window, every further attempt from
 * that address has to wait an exponentially growing, capped delay after the previous failure. This slows
 * down spraying one password over many accounts, which the per-account counter cannot see. A successful
 * sign-in does not clear it (or one valid account would reset the back-off for all the others).
 */
export interface LockoutPolicy {
  maxConsecutiveFailures: number;
  lockoutSeconds: number;
}

export const DEFAULT_LOCKOUT_POLICY: LockoutPolicy = { maxConsecutiveFailures: 5, lockoutSeconds: 15 * 60 };

export interface LockoutState {
  failedAttempts: number;
  /** ISO timestamp; absent when not locked. */
  lockedUntil?: string;
}

export function lockedUntil(state: LockoutState, now: Date): Date | undefined {
  if (!state.lockedUntil) return undefined;
  const until = new Date(state.lockedUntil);
  return until.getTime() > now.getTime() ? until : undefined;
}

/** The state after one more failed attempt; locks (and restarts the count) on reaching the limit. */
export function afterFailure(
  state: LockoutState,
  now: Date,
  policy: LockoutPolicy = DEFAULT_LOCKOUT_POLICY,
): LockoutState {
  if (lockedUntil(state, now)) return state;
  const failedAttempts = state.failedAttempts + 1;
  if (failedAttempts >= policy.maxConsecutiveFailures) {
    return {
      failedAttempts: 0,
      lockedUntil: new Date(now.getTime() + policy.lockoutSeconds * 1000).toISOString(),
    };
  }
  return { failedAttempts };
}

export function afterSuccess(): LockoutState {
  return { failedAttempts: 0 };
}

/** Whole minutes left, rounded up, for messages ("Try again in 15 minutes"). */
export function minutesUntil(until: Date, now: Date): number {
  return Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 60_000));
}

export interface IpBackoffPolicy {
  /** Failures within the window before any delay applies. */
  freeFailures: number;
  windowSeconds: number;
  maxDelaySeconds: number;
}

export const DEFAULT_IP_BACKOFF_POLICY: IpBackoffPolicy = {
  freeFailures: 10,
  windowSeconds: 15 * 60,
  maxDelaySeconds: 60,
};

interface IpRecord {
  failures: number;
  firstFailureMs: number;
  lastFailureMs: number;
}

export class IpBackoff {
  readonly #records = new Map<string, IpRecord>();

  constructor(private readonly policy: IpBackoffPolicy = DEFAULT_IP_BACKOFF_POLICY) {}

  /** Seconds the address must still wait before its next attempt is looked at; 0 when it may try now. */
  retryAfterSeconds(ip: string, now: Date): number {
    const record = this.#current(ip, now.getTime());
    if (!record || record.failures < this.policy.freeFailures) return 0;
    const delay = Math.min(this.policy.maxDelaySeconds, 2 ** (record.failures - this.policy.freeFailures));
    const waitMs = record.lastFailureMs + delay * 1000 - now.getTime();
    return waitMs > 0 ? Math.ceil(waitMs / 1000) : 0;
  }

  recordFailure(ip: string, now: Date): void {
    const nowMs = now.getTime();
    const record = this.#current(ip, nowMs);
    if (record) {
      record.failures += 1;
      record.lastFailureMs = nowMs;
    } else {
      this.#records.set(ip, { failures: 1, firstFailureMs: nowMs, lastFailureMs: nowMs });
    }
    if (this.#records.size > 10_000) this.#prune(nowMs);
  }

  #current(ip: string, nowMs: number): IpRecord | undefined {
    const record = this.#records.get(ip);
    if (record && nowMs - record.firstFailureMs > this.policy.windowSeconds * 1000) {
      this.#records.delete(ip);
      return undefined;
    }
    return record;
  }

  #prune(nowMs: number): void {
    for (const [ip, record] of this.#records) {
      if (nowMs - record.firstFailureMs > this.policy.windowSeconds * 1000) this.#records.delete(ip);
    }
  }
}
