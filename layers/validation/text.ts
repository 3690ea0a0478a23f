import type { $ZodType } from 'zod/v4/core';
import {
  nameMessage,
  nameProblem,
  normaliseName,
  TEXT_PROBLEMS,
  type TextProblem,
  textProblem,
} from '../universal/text';
import * as z from './z';

/**
 * The one text rule of the API (layers/universal/text.ts says what it accepts), as a zod schema that checks
 * every string in a value, object keys included, and names each one that breaks it by its path. The request
 * pipeline puts it in front of every route's own schemas (`withTextRule`), so a route added tomorrow gets it
 * without asking, and a malformed string is a 400 naming the field, never a 500 from whatever choked on it.
 */
function visit(
  value: unknown,
  path: (string | number)[],
  found: (path: (string | number)[], problem: TextProblem, isKey: boolean) => void,
  depth = 0,
): void {
  if (typeof value === 'string') {
    const problem = textProblem(value);
    if (problem) found(path, problem, false);
    return;
  }
  // Request bodies are small JSON; anything nested this deep is refused by the route's schema anyway.
  if (depth > 32 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) visit(item, [...path, index], found, depth + 1);
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    const keyProblem = textProblem(key);
    if (keyProblem) {
      // The key itself cannot be named faithfully: name where it is.
      found(path, keyProblem, true);
      continue;
    }
    visit(item, [...path, key], found, depth + 1);
  }
}

export const TextRule = z.unknown().check(
  z.superRefine((value, context) => {
    visit(value, [], (path, problem, isKey) => {
      context.issues.push({
        code: 'custom',
        message: isKey ? `has a field name that ${TEXT_PROBLEMS[problem]}` : TEXT_PROBLEMS[problem],
        input: undefined,
        path,
      });
    });
  }),
);

/** `schema`, behind the text rule: what parses is plain text everywhere, as the route's schema wants it. */
export function withTextRule<S extends $ZodType>(schema: S) {
  return z.pipe(TextRule, schema);
}

/**
 * A name of a person or a practice: normalised (NFC, trimmed, white space collapsed), then held to the
 * name rule (letters, digits, spaces and a little punctuation; at most 120 characters).
 */
export function nameText(options: { label: string; missing?: string }) {
  return z.pipe(
    z.string().check(
      z.superRefine((value, context) => {
        const problem = textProblem(value);
        if (problem) context.issues.push({ code: 'custom', message: TEXT_PROBLEMS[problem], input: value });
      }),
    ),
    z.pipe(
      z.transform(normaliseName),
      z.string().check(
        z.superRefine((value, context) => {
          const problem = nameProblem(value);
          if (!problem) return;
          const message =
            problem === 'missing' && options.missing ? options.missing : nameMessage(problem, options.label);
          context.issues.push({ code: 'custom', message, input: value });
        }),
      ),
    ),
  );
}
