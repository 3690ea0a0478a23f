import { BaseConfig } from '../config/base-config';
import { logger } from '../observability/powertools';
import * as z from '../validation/z';
import { createSnsClient, SnsSmsSender } from './sns-sms-sender';

/** UK alphanumeric sender IDs: 3–11 of `A-Za-z0-9-_`, at least one letter (as UK carriers require). */
export const SENDER_ID_PATTERN = /^(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{3,11}$/u;

/** The sender's SMS settings: given by the `sms` capability from the stage's own settings. */
export const SmsConfig = z
  .object({
    STAGE: BaseConfig.shape.STAGE,
    AWS_REGION: BaseConfig.shape.AWS_REGION,
    /** The registered alphanumeric sender ID; every `prod*` stage has one (synth refuses otherwise). */
    SMS_SENDER_ID: z.optional(
      z.string().check(z.regex(SENDER_ID_PATTERN, 'must be 3–11 letters, digits, - or _')),
    ),
    /** The most one invite SMS (both its parts) may cost, in US dollars. */
    SMS_MAX_PRICE_USD: z.pipe(
      z.string().check(z.regex(/^\d{1,2}(\.\d{1,5})?$/u, 'must be a price in US dollars, e.g. 0.20')),
      z.transform((value: string) => Number(value)),
    ),
    /** Only locally: the local SMS service's SNS endpoint. */
    SNS_ENDPOINT: z.optional(z.url()),
  })
  .check(
    z.refine((config) => !config.SNS_ENDPOINT || config.STAGE === 'local', {
      message: 'is for the local stack only (STAGE=local)',
      path: ['SNS_ENDPOINT'],
    }),
    z.refine((config) => !/^prod/u.test(config.STAGE) || Boolean(config.SMS_SENDER_ID), {
      message: 'is required on a production stage: UK networks block texts without a registered sender ID',
      path: ['SMS_SENDER_ID'],
    }),
  );
export type SmsConfig = z.infer<typeof SmsConfig>;

/** The SNS adapter, pointed at SNS in AWS and at the local SMS service locally: only the endpoint differs. */
export function smsSenderFromConfig(config: SmsConfig): SnsSmsSender {
  const client = createSnsClient({
    region: config.AWS_REGION,
    ...(config.SNS_ENDPOINT
      ? { endpoint: config.SNS_ENDPOINT, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
  });
  return new SnsSmsSender(client, {
    info: (message, attributes) => logger.info(message, attributes),
    warn: (message, attributes) => logger.warn(message, attributes),
  });
}
