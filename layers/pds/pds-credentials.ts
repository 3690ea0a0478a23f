import { readFile } from 'node:fs/promises';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from '../validation/z';
import type { PdsCredentials } from './pds-auth';
import { PdsAccessError, PdsUnavailableError } from './pds-errors';

/**
 * Where `SignedJwtAuth` gets the API key, private key and kid from. In AWS: one Secrets Manager secret holding
 * `{"apiKey": "...", "privateKeyPem": "-----BEGIN PRIVATE KEY-----...", "kid": "..."}`. Locally: the same JSON
 * in a file (infra/local/pds/local-pds-credentials.ts writes one).
 *
 * Both are read once and kept for the life of the provider (create it at cold start: once per container).
 * A failed read is not kept, so the next call tries again. Messages name the source and the fields, never a
 * value: the secret must not end up in a log.
 */

export type PdsCredentialsProvider = () => Promise<PdsCredentials>;

const PdsCredentialsSchema = z.object({
  apiKey: z.string().check(z.minLength(1)),
  privateKeyPem: z.string().check(z.regex(/-----BEGIN (?:RSA )?PRIVATE KEY-----/u)),
  kid: z.string().check(z.minLength(1)),
});

/** Parses the credentials JSON; `source` names where it came from in error messages (never the contents). */
export function parsePdsCredentials(text: string, source: string): PdsCredentials {
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    throw new PdsAccessError(`${source} is not valid JSON.`);
  }
  const parsed = PdsCredentialsSchema.safeParse(json);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(root)'))];
    throw new PdsAccessError(
      `${source} is not {apiKey, privateKeyPem, kid}: missing or invalid ${fields.join(', ')}.`,
    );
  }
  return parsed.data;
}

/** Caches the first successful result; forgets a failure so that the next call retries. */
function once(load: () => Promise<PdsCredentials>): PdsCredentialsProvider {
  let cached: Promise<PdsCredentials> | undefined;
  return () => {
    if (!cached) {
      cached = load();
      cached.catch(() => {
        cached = undefined;
      });
    }
    return cached;
  };
}

/** AWS errors that no retry will fix: the secret id, its policy or its KMS key is wrong. */
const CONFIGURATION_ERRORS = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'DecryptionFailure',
  'InvalidParameterException',
  'InvalidRequestException',
]);

export function secretsManagerCredentials(
  secretId: string,
  client: SecretsManagerClient = new SecretsManagerClient({}),
): PdsCredentialsProvider {
  const source = 'The PDS credentials secret';
  return once(async () => {
    let secretString: string | undefined;
    try {
      const output = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
      secretString = output.SecretString;
    } catch (error) {
      const name = error instanceof Error ? error.name : 'UnknownError';
      if (CONFIGURATION_ERRORS.has(name)) throw new PdsAccessError(`${source} could not be read (${name}).`);
      throw new PdsUnavailableError(`${source} could not be read (${name}).`);
    }
    if (secretString === undefined) throw new PdsAccessError(`${source} has no SecretString.`);
    return parsePdsCredentials(secretString, source);
  });
}

/** The same JSON from a file: for the local stack. */
export function fileCredentials(path: string): PdsCredentialsProvider {
  const source = 'The PDS credentials file';
  return once(async () => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
      throw new PdsAccessError(`${source} could not be read (${code}).`);
    }
    return parsePdsCredentials(text, source);
  });
}
