import { BaseConfig } from '../config/base-config';
import * as z from '../validation/z';
import { type PdsAuth, SignedJwtAuth } from './pds-auth';
import { type Demographics, PdsClient } from './pds-client';
import { fileCredentials, secretsManagerCredentials } from './pds-credentials';

/** NHS England's PDS environments; the local stand-in is the default for `npm start`. */
export const PDS_ENVIRONMENTS = {
  sandbox: {
    baseUrl: 'https://sandbox.api.service.nhs.uk/personal-demographics/FHIR/R4',
    tokenUrl: undefined,
  },
  integration: {
    baseUrl: 'https://int.api.service.nhs.uk/personal-demographics/FHIR/R4',
    tokenUrl: 'https://int.api.service.nhs.uk/oauth2/token',
  },
  production: {
    baseUrl: 'https://api.service.nhs.uk/personal-demographics/FHIR/R4',
    tokenUrl: 'https://api.service.nhs.uk/oauth2/token',
  },
} as const;
export type PdsEnvironment = keyof typeof PDS_ENVIRONMENTS;

export const PdsConfig = z
  .extend(BaseConfig, {
    PDS_BASE_URL: z.url(),
    /** Unset only for the open sandbox, which takes no credentials (and holds only test patients). */
    PDS_TOKEN_URL: z.optional(z.url()),
    /** AWS: the Secrets Manager secret with {apiKey, privateKeyPem, kid}. */
    PDS_SECRET_ID: z.optional(z.string().check(z.minLength(1))),
    /** Local stack: the same JSON in a file under the git-ignored data dir. */
    PDS_CREDENTIALS_FILE: z.optional(z.string().check(z.minLength(1))),
  })
  .check(
    z.refine(
      (config) => !config.PDS_TOKEN_URL || Boolean(config.PDS_SECRET_ID || config.PDS_CREDENTIALS_FILE),
      {
        message: 'PDS_TOKEN_URL needs credentials: set PDS_SECRET_ID (AWS) or PDS_CREDENTIALS_FILE (local)',
        path: ['PDS_SECRET_ID'],
      },
    ),
    z.refine(
      (config) => Boolean(config.PDS_TOKEN_URL) || config.PDS_BASE_URL === PDS_ENVIRONMENTS.sandbox.baseUrl,
      {
        message: 'is required for every PDS but the open sandbox',
        path: ['PDS_TOKEN_URL'],
      },
    ),
  );
export type PdsConfig = z.infer<typeof PdsConfig>;

const noAuth: PdsAuth = { accessToken: async () => '', invalidate: () => undefined };

/** The PDS adapter: the same client for the local stand-in and NHS England's environments. */
export function demographicsFromConfig(config: PdsConfig): Demographics {
  const credentials = config.PDS_SECRET_ID
    ? secretsManagerCredentials(config.PDS_SECRET_ID)
    : config.PDS_CREDENTIALS_FILE
      ? fileCredentials(config.PDS_CREDENTIALS_FILE)
      : undefined;
  const auth =
    config.PDS_TOKEN_URL && credentials
      ? new SignedJwtAuth({ tokenUrl: config.PDS_TOKEN_URL, credentials })
      : noAuth;
  return new PdsClient({ baseUrl: config.PDS_BASE_URL, auth });
}
