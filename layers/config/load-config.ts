import type { $ZodType, output } from 'zod/v4/core';
import * as z from '../validation/z';

/** Raised at cold start when the environment does not describe a runnable deployment. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Parses settings once, at cold start. A missing or malformed setting stops the process with a message that
 * names every offending variable, so a broken deployment fails on its first request's init, not halfway through.
 */
export function loadConfig<S extends $ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): output<S> {
  const parsed = z.safeParse(schema, env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)';
    return `${name}: ${issue.message}`;
  });
  throw new ConfigError(`Invalid configuration. ${problems.join('; ')}`);
}
