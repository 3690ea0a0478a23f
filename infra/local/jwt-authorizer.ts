import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';

export interface JwtAuthorizerConfig {
  issuer: string;
  /** API Gateway's JWT authorizer accepts a token whose `aud` or `client_id` is in this list. */
  audience: string[];
  jwksUri: string;
}

export type AuthorizerResult = { ok: true; claims: Record<string, string>; scopes: string[] } | { ok: false };

/**
 * Does locally what API Gateway's JWT authorizer does in AWS: verify signature (from the issuer's JWKS),
 * issuer, expiry and audience, then hand the claims to the function as strings. Claims that are arrays or
 * objects are flattened the way API Gateway flattens them ("[a b]" / JSON).
 */
export function createJwtAuthorizer(config: JwtAuthorizerConfig) {
  const jwks = createRemoteJWKSet(new URL(config.jwksUri), { cooldownDuration: 5_000 });

  return async function authorize(authorization: string | undefined): Promise<AuthorizerResult> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match?.[1]) return { ok: false };
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(match[1], jwks, { issuer: config.issuer, clockTolerance: 0 }));
    } catch {
      return { ok: false };
    }
    const audiences = [
      ...(Array.isArray(payload.aud) ? payload.aud : payload.aud ? [payload.aud] : []),
      ...(typeof payload.client_id === 'string' ? [payload.client_id] : []),
    ];
    if (!audiences.some((aud) => config.audience.includes(aud))) return { ok: false };
    const claims = Object.fromEntries(
      Object.entries(payload).map(([key, value]) => [key, flattenClaim(value)]),
    );
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
    return { ok: true, claims, scopes };
  };
}

function flattenClaim(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.join(' ')}]`;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}
