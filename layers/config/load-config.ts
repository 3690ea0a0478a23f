import type { $ZodType, output } from 'zod/v4/core';
import * as z from '../validation/z';

/** Raised at cold start when the environment does not describe a runnable deployment. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Intersect<U> = (U extends unknown ? (part: U) => void : never) extends (part: infer I) => void
  ? I
  : never;

/** The settings of several schemas at once: each keeps its own checks, and the results are merged. */
export type Settings<S extends readonly $ZodType[]> = Intersect<output<S[number]>>;

/**
 * Parses settings once, at cold start. A missing or malformed setting stops the process with a message that
 * names every offending variable, so a broken deployment fails on its first request's init, not halfway through.
 * Several schemas (the function's own, and each outside system's) are parsed side by side, so every problem
 * in all of them is named in one message.
 */
export function loadConfig<S extends $ZodType>(schema: S, env?: NodeJS.ProcessEnv): output<S>;
export function loadConfig<const S extends readonly $ZodType[]>(
  schemas: S,
  env?: NodeJS.ProcessEnv,
): Settings<S>;
export function loadConfig(schemas: $ZodType | readonly $ZodType[], env: NodeJS.ProcessEnv = process.env) {
  const problems: string[] = [];
  const settings: Record<string, unknown> = {};
  for (const schema of Array.isArray(schemas) ? schemas : [schemas]) {
    const parsed = z.safeParse(schema as $ZodType, env);
    if (parsed.success) {
      Object.assign(settings, parsed.data);
      continue;
    }
    for (const issue of parsed.error.issues) {
      const problem = `${issue.path.join('.') || '(environment)'}: ${issue.message}`;
      if (!problems.includes(problem)) problems.push(problem);
    }
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration. ${problems.join('; ')}`);
  return settings;
}
