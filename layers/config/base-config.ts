import * as z from '../validation/z';
import { isEuRegion } from './regions';

/** Settings every handler needs. Areas extend this with their own (`z.extend(BaseConfig, {...})`). */
export const BaseConfig = z.object({
  APP_VERSION: z.string().check(z.minLength(1, 'must name the deployed version')),
  STAGE: z
    .string()
    .check(z.regex(/^[a-z][a-z0-9-]{1,20}$/, 'must be a short lowercase stage name such as "dev" or "prod"')),
  AWS_REGION: z
    .string()
    .check(z.refine(isEuRegion, 'must be an EU region: patient data may not leave the EU/UK')),
  /** Only set locally: the embedded DynamoDB (dynalite). In AWS the SDK's regional endpoint is used. */
  DYNAMODB_ENDPOINT: z.optional(z.url()),
});
export type BaseConfig = z.infer<typeof BaseConfig>;

export const requiredName = () => z.string().check(z.minLength(1, 'is required'));

/** 1000000 → "1,000,000", without ICU: a locale's first use costs a cold start ~10 ms. */
function grouped(value: number): string {
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * A whole-number setting read from the environment (where every value is a string), within bounds, with a
 * default when unset. The bounds are also what synth checks a stage's context value against.
 */
export function wholeNumberSetting(bounds: { min: number; max: number; fallback: number }) {
  const { min, max, fallback } = bounds;
  // prefault, not default: the default goes through the same parsing, so it arrives as a number too.
  return z.prefault(
    z.pipe(
      z.string().check(z.regex(/^\d{1,9}$/, 'must be a whole number')),
      z.pipe(
        z.transform((value: string) => Number(value)),
        z
          .number()
          .check(
            z.gte(min, `must be at least ${grouped(min)}`),
            z.lte(max, `must be at most ${grouped(max)}`),
          ),
      ),
    ),
    String(fallback),
  );
}
