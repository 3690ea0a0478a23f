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
