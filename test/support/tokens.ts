import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { importJWK, type JWK, SignJWT } from 'jose';

/**
 * An access token signed with the local provider's own key, for API tests that need many distinct accounts
 * without walking each through sign-up. Same issuer, audience, claims and signature as the provider's tokens;
 * the sign-in flow itself is tested against the provider separately.
 */
export async function mintAccessToken(
  stack: { dataDir: string; issuer: string },
  claims: { sub?: string; email: string; practice_id?: string; role?: string },
): Promise<{ sub: string; token: string }> {
  const jwks = JSON.parse(await readFile(join(stack.dataDir, 'identity', 'jwks.json'), 'utf8')) as {
    keys: JWK[];
  };
  const jwk = jwks.keys[0] as JWK;
  const sub = claims.sub ?? randomUUID();
  const { sub: _sub, ...rest } = claims;
  const token = await new SignJWT({
    ...rest,
    client_id: 'clinic-console',
    token_use: 'access',
    scope: 'openid email profile',
  })
    .setProtectedHeader({ alg: 'RS256', kid: jwk.kid ?? '', typ: 'at+jwt' })
    .setIssuer(stack.issuer)
    .setAudience('clinic-console')
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(await importJWK(jwk, 'RS256'));
  return { sub, token };
}
