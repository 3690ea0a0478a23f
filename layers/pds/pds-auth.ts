import { createPrivateKey, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import * as z from '../validation/z';
import { PdsAccessError, PdsUnavailableError } from './pds-errors';

/**
 * Access tokens for PDS, by the NHS England API platform's "application-restricted RESTful APIs - signed JWT
 * authentication" pattern (OAuth 2.0 client credentials with a private-key JWT client assertion):
 *
 *   POST {tokenUrl}   (https://{int.|}api.service.nhs.uk/oauth2/token)
 *   Content-Type: application/x-www-form-urlencoded
 *   grant_type=client_credentials
 *   &client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer
 *   &client_assertion=<JWT: header {alg: RS512, typ: JWT, kid}, claims {iss = sub = API key, aud = tokenUrl,
 *                       jti = fresh UUID, exp ≤ 5 minutes ahead}>
 *
 *   200 {"access_token": "...", "expires_in": "599", "token_type": "Bearer"}   (expires_in is a string)
 *   400/401/403 {"error": "...", "error_description": "...", "message_id": "..."}
 *
 * The token is then sent as `Authorization: Bearer <token>`. It is cached until shortly before it expires, and
 * concurrent callers share one token request.
 */

export interface PdsAuth {
  accessToken(): Promise<string>;
  /** Forgets the cached token (PDS answered 401 with it); the next `accessToken()` fetches a new one. */
  invalidate(): void;
}

export interface PdsCredentials {
  /** The API key of our application on the NHS API platform: `iss` and `sub` of the client assertion. */
  apiKey: string;
  /** The RSA private key (PEM, PKCS#8 or PKCS#1) whose public half is registered with the platform. */
  privateKeyPem: string;
  /** The `kid` under which the public key is registered. */
  kid: string;
}

export interface SignedJwtAuthOptions {
  tokenUrl: string;
  credentials: () => Promise<PdsCredentials>;
  fetch?: typeof fetch;
  /** Milliseconds since the epoch. */
  now?: () => number;
  /** For the token request. Default 3000 ms. */
  timeoutMs?: number;
}

/** The platform rejects `exp` more than 5 minutes ahead; 4 leaves room for our clock running ahead of theirs. */
const ASSERTION_LIFETIME_S = 240;
/** A cached token is replaced this long before it expires (or at half its life, if that is sooner). */
const REFRESH_MARGIN_MS = 60_000;
const DEFAULT_TIMEOUT_MS = 3000;

const TokenResponse = z.looseObject({
  access_token: z.string().check(z.minLength(1)),
  // The platform sends a string ("599"); a number is accepted too.
  expires_in: z.union([z.string().check(z.regex(/^\d+$/u)), z.number()]),
  token_type: z.optional(z.string()),
});

const TokenError = z.looseObject({
  error: z.optional(z.string()),
  error_description: z.optional(z.string()),
});

interface CachedToken {
  value: string;
  refreshAt: number;
}

export class SignedJwtAuth implements PdsAuth {
  private readonly tokenUrl: string;
  private readonly credentials: () => Promise<PdsCredentials>;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private cached: CachedToken | undefined;
  private pending: Promise<string> | undefined;

  constructor(options: SignedJwtAuthOptions) {
    new URL(options.tokenUrl); // fails at cold start on a malformed URL
    // Kept exactly as configured: the platform compares `aud` with its token URL character for character.
    this.tokenUrl = options.tokenUrl;
    this.credentials = options.credentials;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  accessToken(): Promise<string> {
    const cached = this.cached;
    if (cached && this.now() < cached.refreshAt) return Promise.resolve(cached.value);
    if (!this.pending) {
      this.pending = this.requestToken().finally(() => {
        this.pending = undefined;
      });
    }
    return this.pending;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private async requestToken(): Promise<string> {
    const assertion = await this.signAssertion(await this.credentials());
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });

    let response: Response;
    let text: string;
    try {
      response = await this.fetch(this.tokenUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const name = error instanceof Error ? error.name : typeof error;
      throw new PdsUnavailableError(
        name === 'TimeoutError'
          ? `The PDS token endpoint did not answer within ${this.timeoutMs} ms.`
          : 'The PDS token endpoint could not be reached.',
        { cause: { name } },
      );
    }

    if (response.status === 200) {
      const parsed = TokenResponse.safeParse(parseJson(text));
      const lifetimeMs = parsed.success ? Number(parsed.data.expires_in) * 1000 : 0;
      if (!parsed.success || !(lifetimeMs > 0)) {
        throw new PdsUnavailableError('The PDS token endpoint answered 200 without a usable access token.');
      }
      const issuedAt = this.now();
      const margin = Math.min(REFRESH_MARGIN_MS, lifetimeMs / 2);
      this.cached = { value: parsed.data.access_token, refreshAt: issuedAt + lifetimeMs - margin };
      return parsed.data.access_token;
    }

    const reason = describeTokenError(text);
    if (response.status === 429 || response.status >= 500) {
      throw new PdsUnavailableError(`The PDS token endpoint answered ${response.status}${reason}.`);
    }
    // 400 (a malformed or stale assertion), 401 (unknown key, bad signature, wrong aud/iss), 403 (no key
    // registered): no lookup can succeed until an operator fixes the credentials or the clock.
    throw new PdsAccessError(
      `The PDS token endpoint refused our client assertion (${response.status}${reason}).`,
    );
  }

  private async signAssertion(credentials: PdsCredentials): Promise<string> {
    let key: ReturnType<typeof createPrivateKey>;
    try {
      key = createPrivateKey(credentials.privateKeyPem);
    } catch {
      // Never quote the key or the underlying parser's message.
      throw new PdsAccessError('The PDS private key is not a readable PEM private key.');
    }
    const nowSeconds = Math.floor(this.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'RS512', typ: 'JWT', kid: credentials.kid })
      .setIssuer(credentials.apiKey)
      .setSubject(credentials.apiKey)
      .setAudience(this.tokenUrl)
      .setJti(randomUUID())
      .setExpirationTime(nowSeconds + ASSERTION_LIFETIME_S)
      .sign(key);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** `: invalid_request – <description>` from an error body, bounded; the platform's texts hold no PHI or secrets. */
function describeTokenError(text: string): string {
  const parsed = TokenError.safeParse(parseJson(text));
  if (!parsed.success || !parsed.data.error) return '';
  const description = parsed.data.error_description ? ` – ${parsed.data.error_description}` : '';
  return `: ${parsed.data.error}${description}`.slice(0, 300);
}
