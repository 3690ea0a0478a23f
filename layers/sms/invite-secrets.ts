import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

/**
 * The invite's two secrets and what is stored instead of them.
 *
 * - The link token: 16 bytes (128 bits) from the CSPRNG, base64url, 22 characters, so the link stays short
 *   enough to leave room in a 2-segment SMS. Stored only as HMAC-SHA256 under a key the caller holds
 *   (e.g. the practice's index key): the join page finds the invite by that hash, and a reader of the
 *   table cannot turn it back into a working link.
 * - The code: 6 digits, uniform (crypto.randomInt rejects biased draws). A million codes are searched in
 *   moments, so a plain or salted hash would protect nothing: it is stored as HMAC-SHA256 under a secret
 *   key, over a fresh random salt and the invite id (a stored hash cannot be moved to another invite), and
 *   compared in constant time.
 *
 * Keys are at least 32 bytes; they come from the caller and are never generated or kept here.
 */

export const TOKEN_BYTES = 16;
/** base64url of 16 bytes, unpadded. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{22}$/u;
export const CODE_PATTERN = /^\d{6}$/u;
const MIN_KEY_BYTES = 32;
const SALT_BYTES = 16;
const CODE_HASH_VERSION = 'v1';

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.byteLength < MIN_KEY_BYTES) {
    throw new TypeError(`The key must be at least ${MIN_KEY_BYTES} bytes.`);
  }
}

/** A fresh link token. */
export function newInviteToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** A fresh six-digit code, leading zeros kept. */
export function newInviteCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** The token's lookup hash (base64url, 43 characters): the stored key for finding the invite. */
export function inviteTokenHash(token: string, key: Uint8Array): string {
  checkKey(key);
  if (!TOKEN_PATTERN.test(token)) throw new TypeError('Not an invite token.');
  return createHmac('sha256', key).update('invite-token\u0000').update(token).digest('base64url');
}

function codeMac(code: string, salt: Buffer, inviteId: string, key: Uint8Array): Buffer {
  return createHmac('sha256', key)
    .update('invite-code\u0000')
    .update(salt)
    .update(inviteId)
    .update('\u0000')
    .update(code)
    .digest();
}

/** `v1.<salt>.<mac>`, both base64url: what the invite stores for its code. */
export function hashInviteCode(code: string, inviteId: string, key: Uint8Array): string {
  checkKey(key);
  if (!CODE_PATTERN.test(code)) throw new TypeError('An invite code is six digits.');
  if (inviteId === '' || inviteId.includes('\u0000')) throw new TypeError('Not an invite id.');
  const salt = randomBytes(SALT_BYTES);
  return `${CODE_HASH_VERSION}.${salt.toString('base64url')}.${codeMac(code, salt, inviteId, key).toString('base64url')}`;
}

/**
 * Whether an entered code matches the stored hash. Spaces the patient typed are ignored; anything else
 * that is not six digits simply does not match. Never throws on what the patient typed.
 */
export function verifyInviteCode(
  entered: string,
  stored: string,
  inviteId: string,
  key: Uint8Array,
): boolean {
  checkKey(key);
  const code = entered.replace(/\s/gu, '');
  const [version, saltText, macText, ...rest] = stored.split('.');
  if (version !== CODE_HASH_VERSION || !saltText || !macText || rest.length > 0) {
    throw new TypeError('Not a stored invite code hash.');
  }
  const salt = Buffer.from(saltText, 'base64url');
  const expected = Buffer.from(macText, 'base64url');
  // The same work whether or not the input is well formed, so timing says nothing about why it failed.
  const actual = codeMac(CODE_PATTERN.test(code) ? code : 'invalid', salt, inviteId, key);
  return actual.length === expected.length && timingSafeEqual(actual, expected) && CODE_PATTERN.test(code);
}
