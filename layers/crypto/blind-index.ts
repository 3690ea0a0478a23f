import { createHmac } from 'node:crypto';
import { BLIND_INDEX_KEY_BYTES, type PracticeKeys } from './practice-keys';

const NAMESPACE = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;

/** Default: Unicode NFC, surrounding whitespace trimmed, inner runs of whitespace as one space, lower case. */
export function normaliseText(value: string): string {
  return value.normalize('NFC').trim().replace(/\s+/gu, ' ').toLowerCase();
}

/**
 * Per-namespace normalisation, so that two spellings of one value index alike. NHS numbers are written
 * `943 476 5919`, `943-476-5919` or `9434765919`: only the digits count. Other namespaces use `normaliseText`.
 */
export const BLIND_INDEX_NORMALISERS: Readonly<Record<string, (value: string) => string>> = {
  nhsNumber: (value) => value.replace(/[\s-]/gu, ''),
};

/**
 * A keyed blind index: HMAC-SHA256 under the practice's 32-byte index key (HKDF from its data key) over `namespace`, a NUL separator
 * (namespaces cannot contain one) and the normalised value; base64url, 43 characters.
 *
 * Equality lookups on encrypted values ("has this NHS number been seen?") compare these instead of plaintext.
 * The same value gives different indexes in different practices (different keys) and in different namespaces
 * (an NHS number never matches a phone number that happens to have the same digits).
 *
 * Not truncated: lookups must be exact (a false match would link two patients' records), and the tag reveals
 * nothing beyond the equality the index exists to reveal, only to holders of that practice's index key.
 * Truncating to hide equality (k-anonymity) would need candidate decryption on every hit; not worth it here.
 */
export function blindIndex(key: Uint8Array, namespace: string, value: string): string {
  if (key.byteLength !== BLIND_INDEX_KEY_BYTES) throw new TypeError('A blind-index key is 32 bytes.');
  if (!NAMESPACE.test(namespace)) throw new TypeError('Not a blind-index namespace.');
  const normalise = Object.hasOwn(BLIND_INDEX_NORMALISERS, namespace)
    ? (BLIND_INDEX_NORMALISERS[namespace] as (value: string) => string)
    : normaliseText;
  const normalised = Buffer.from(normalise(value), 'utf8');
  if (normalised.toString('utf8') !== normalise(value)) throw new TypeError('Not well-formed Unicode.');
  return createHmac('sha256', key).update(namespace).update('\u0000').update(normalised).digest('base64url');
}

/**
 * The blind index of a value in one practice, with that practice's index key. The key is derived from the
 * practice's data key, which field encryption unwraps anyway: an index costs no call to the practice key.
 */
export class PracticeBlindIndex {
  constructor(private readonly keys: PracticeKeys) {}

  async of(practiceId: string, namespace: string, value: string): Promise<string> {
    const key = (await this.keys.dataKey(practiceId)).blindIndexKey();
    try {
      return blindIndex(key, namespace, value);
    } finally {
      key.fill(0);
    }
  }
}
