/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): attempt n
 * waits a uniformly random time in [0, min(cap, base · 2^n)). Full jitter spreads the retries of many Lambda
 * containers that were throttled together, which matters for Chime's 10 requests per second per API.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 2_000 };

export interface RetryDeps {
  sleep: (ms: number) => Promise<void>;
  /** In [0, 1), like Math.random. */
  random: () => number;
}

export const defaultRetryDeps: RetryDeps = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

export function backoffDelayMs(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/**
 * Runs `operation` until it succeeds, `isRetryable` says an error is final, or the attempts run out; then the
 * last error is thrown. `onRetry` sees each retry (for a log line or a metric).
 */
export async function withRetry<T>(
  operation: () => Promise<T>,
  isRetryable: (error: unknown) => boolean,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  deps: RetryDeps = defaultRetryDeps,
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void,
): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      if (attempt + 1 >= policy.maxAttempts || !isRetryable(error)) throw error;
      const delayMs = backoffDelayMs(attempt, policy, deps.random);
      onRetry?.(error, attempt + 1, delayMs);
      await deps.sleep(delayMs);
    }
  }
}
