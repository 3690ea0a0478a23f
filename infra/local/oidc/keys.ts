import { createHash, generateKeyPairSync, type JsonWebKey, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { identityDir, readJsonFile, writePrivateFile } from './private-files';

/**
 * Keys that must survive a restart so that issued tokens and browser sessions stay valid:
 * - `jwks.json`: the RS256 signing key (private JWK) for ID and access tokens, like a Cognito user pool's.
 * - `cookie-keys.json`: the keys that sign the provider's cookies (Keygrip; the first one signs).
 * Both are generated on first run and written 0600.
 */
const PrivateRsaJwk = z.looseObject({
  kty: z.literal('RSA'),
  kid: z.string().min(1),
  alg: z.literal('RS256'),
  use: z.literal('sig'),
  n: z.string(),
  e: z.string(),
  d: z.string(),
  p: z.string(),
  q: z.string(),
  dp: z.string(),
  dq: z.string(),
  qi: z.string(),
});
export type PrivateRsaJwk = z.infer<typeof PrivateRsaJwk>;
const JwksFile = z.object({ keys: z.array(PrivateRsaJwk).min(1) });
const CookieKeysFile = z.object({ keys: z.array(z.string().min(32)).min(1) });

export interface ProviderKeys {
  jwks: { keys: PrivateRsaJwk[] };
  cookieKeys: string[];
}

/** RFC 7638 thumbprint of an RSA public key: a stable, content-derived `kid`. */
function thumbprint(jwk: JsonWebKey): string {
  const canonical = JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n });
  return createHash('sha256').update(canonical).digest('base64url');
}

function newSigningKey(): PrivateRsaJwk {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return PrivateRsaJwk.parse({ ...jwk, kid: thumbprint(jwk), alg: 'RS256', use: 'sig' });
}

async function loadOrCreate<T>(path: string, schema: z.ZodType<T>, create: () => T): Promise<T> {
  const raw = await readJsonFile(path);
  if (raw !== undefined) {
    const parsed = schema.safeParse(raw);
    if (!parsed.success) throw new Error(`${path} is malformed; delete it to generate a new one`);
    return parsed.data;
  }
  const created = create();
  await writePrivateFile(path, `${JSON.stringify(created, null, 2)}\n`);
  return created;
}

export async function loadOrCreateProviderKeys(dataDir: string): Promise<ProviderKeys> {
  const dir = identityDir(dataDir);
  const jwks = await loadOrCreate(join(dir, 'jwks.json'), JwksFile, () => ({ keys: [newSigningKey()] }));
  const cookies = await loadOrCreate(join(dir, 'cookie-keys.json'), CookieKeysFile, () => ({
    keys: [randomBytes(32).toString('base64url')],
  }));
  return { jwks, cookieKeys: cookies.keys };
}
