import { createPublicKey, generateKeyPair, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { PdsCredentials } from '../../../layers/pds/pds-auth';
import { parsePdsCredentials } from '../../../layers/pds/pds-credentials';
import { writePrivateFile } from '../oidc/private-files';

/**
 * The local stack's "application" on the local PDS: an API key, an RSA key pair for RS512 client assertions
 * and its kid, generated on first run and kept in `${dataDir}/pds/credentials.json` (0600, in a 0700
 * directory; `.data/` is git-ignored). The file has exactly the shape of the AWS secret
 * (`{apiKey, privateKeyPem, kid}`), so `fileCredentials(file)` reads it the way `secretsManagerCredentials`
 * reads the secret. The public JWK is what the local PDS server registers for the client.
 */

export interface LocalPdsCredentials {
  credentials: PdsCredentials;
  /** Public key only (kty, n, e, plus kid, alg RS512, use sig): register it with `startPdsServer`. */
  publicJwk: JWK;
  /** Where the credentials are kept. */
  file: string;
}

export function localPdsCredentialsFile(dataDir: string): string {
  return join(dataDir, 'pds', 'credentials.json');
}

async function generate(): Promise<PdsCredentials> {
  // 2048 bits: enough for RS512 (RFC 7518 asks for at least 2048) and quick to make for each fresh test data
  // dir. Keys registered with NHS England are made by their guide's `openssl genrsa 4096`, not here.
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  const thumbprint = await calculateJwkThumbprint({ kty: 'RSA', n: jwk.n, e: jwk.e } as JWK);
  return {
    apiKey: randomBytes(24).toString('base64url'),
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    kid: `local-${thumbprint.slice(0, 16)}`,
  };
}

export async function loadOrCreateLocalPdsCredentials(dataDir: string): Promise<LocalPdsCredentials> {
  const file = localPdsCredentialsFile(dataDir);
  const existing = await readIfPresent(file);
  let credentials: PdsCredentials;
  if (existing === undefined) {
    credentials = await generate();
    await writePrivateFile(file, `${JSON.stringify(credentials, null, 2)}\n`);
  } else {
    try {
      // Parsed here, not with JSON.parse alone: its messages quote the text, and this text is a private key.
      credentials = parsePdsCredentials(existing, 'The local PDS credentials file');
    } catch (error) {
      throw new Error(`${file} is malformed; delete it to generate new local PDS credentials`, {
        cause: error,
      });
    }
  }
  return { credentials, publicJwk: publicJwkOf(credentials), file };
}

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The public half of the credentials' private key as a JWK, labelled with their kid. */
export function publicJwkOf(credentials: PdsCredentials): JWK {
  const { kty, n, e } = createPublicKey(credentials.privateKeyPem).export({ format: 'jwk' });
  return { kty, n, e, kid: credentials.kid, alg: 'RS512', use: 'sig' } as JWK;
}
