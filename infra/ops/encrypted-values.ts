/**
 * Finds the values in a stored item that are AWS Encryption SDK messages written by layers/crypto, and reads
 * the encryption context each one carries in its header, without any key. The restore drill uses this to pick
 * values to decrypt and to know which field each one claims to be (the context is authenticated: a decrypt
 * with the wrong expected context fails).
 *
 * Message format version 2 (the committing suites): version 0x02, a 2-byte suite id, a 32-byte message id,
 * a 2-byte length of the serialized context, then a 2-byte pair count and, per pair, a 2-byte key length, the
 * key, a 2-byte value length and the value (UTF-8).
 */

/** 0x0478: ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY, the suite layers/crypto/envelope.ts uses. */
const VERSION_2 = 0x02;
const COMMITTING_SUITE = 0x0478;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface EncryptedValue {
  /** Where in the item: `patient`, `details.nhsNumberCiphertext`, ... */
  path: string;
  ciphertext: string;
  context: Record<string, string>;
}

/** The encryption context of a base64 ESDK message, or undefined when the value is not one. */
export function encryptionContextOf(value: string): Record<string, string> | undefined {
  if (value.length < 64 || value.length % 4 !== 0 || !BASE64.test(value)) return undefined;
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length < 37 || bytes[0] !== VERSION_2 || bytes.readUInt16BE(1) !== COMMITTING_SUITE)
    return undefined;
  let offset = 35;
  const contextLength = bytes.readUInt16BE(offset);
  offset += 2;
  const end = offset + contextLength;
  if (end > bytes.length) return undefined;
  const context: Record<string, string> = {};
  if (contextLength === 0) return context;
  const pairs = bytes.readUInt16BE(offset);
  offset += 2;
  for (let pair = 0; pair < pairs; pair += 1) {
    const key = readField(bytes, offset, end);
    if (!key) return undefined;
    const val = readField(bytes, key.next, end);
    if (!val) return undefined;
    context[key.text] = val.text;
    offset = val.next;
  }
  return offset === end ? context : undefined;
}

function readField(bytes: Buffer, offset: number, end: number): { text: string; next: number } | undefined {
  if (offset + 2 > end) return undefined;
  const length = bytes.readUInt16BE(offset);
  const start = offset + 2;
  if (start + length > end) return undefined;
  return { text: bytes.subarray(start, start + length).toString('utf8'), next: start + length };
}

/** Every encrypted value in an item (a DocumentClient item: maps and lists are walked). */
export function encryptedValuesOf(item: Record<string, unknown>): EncryptedValue[] {
  const found: EncryptedValue[] = [];
  const walk = (value: unknown, path: string) => {
    if (typeof value === 'string') {
      const context = encryptionContextOf(value);
      if (context) found.push({ path, ciphertext: value, context });
    } else if (Array.isArray(value)) {
      for (const [index, entry] of value.entries()) walk(entry, `${path}[${index}]`);
    } else if (
      value &&
      typeof value === 'object' &&
      !(value instanceof Uint8Array) &&
      !(value instanceof Set)
    ) {
      for (const [key, entry] of Object.entries(value)) walk(entry, path ? `${path}.${key}` : key);
    }
  };
  walk(item, '');
  return found;
}
