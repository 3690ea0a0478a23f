import { buildDecrypt } from '@aws-crypto/decrypt-node';
import { buildEncrypt } from '@aws-crypto/encrypt-node';
import {
  AlgorithmSuiteIdentifier,
  CommitmentPolicy,
  type KeyringNode,
} from '@aws-crypto/material-management-node';
import { DecryptionFailedError, EncryptionContextMismatchError, PracticeCryptoError } from './errors';

/**
 * The one place the AWS Encryption SDK is configured. Every message this platform writes:
 * - commits to its key (REQUIRE_ENCRYPT_REQUIRE_DECRYPT), so a ciphertext cannot be crafted to decrypt to two
 *   different plaintexts under two keys, and a non-committing message is refused on read;
 * - uses the committing suite WITHOUT an ECDSA signature. The signature only helps when readers and writers
 *   are different trust domains; here the same roles encrypt and decrypt, and signing made a value's
 *   encrypt+decrypt ~5x slower (p50 ~6 ms against ~1 ms: `test/bench/crypto-bench.ts`, `signedSuiteMs`);
 * - carries exactly one encrypted data key (wrapped by the keyring it was sealed with: a practice's field key,
 *   or locally its key file). A message with more is refused before any key is touched, which also bounds the
 *   work a hostile ciphertext can cause.
 */
export const ALGORITHM_SUITE = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;

// The sub-packages, not `@aws-crypto/client-node`: its index re-exports every keyring, the caching materials
// manager and the branch-key store (with its own DynamoDB client), and bundles them all into every function.
const CLIENT_OPTIONS = {
  commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT,
  maxEncryptedDataKeys: 1,
};
const { encrypt } = buildEncrypt(CLIENT_OPTIONS);
const { decrypt } = buildDecrypt(CLIENT_OPTIONS);

export type EncryptionContext = Readonly<Record<string, string>>;

/** Encrypts `plaintext` into one ESDK message bound to `context`. */
export async function seal(keyring: KeyringNode, context: EncryptionContext, plaintext: Uint8Array) {
  const { result } = await encrypt(keyring, plaintext, {
    encryptionContext: { ...context },
    suiteId: ALGORITHM_SUITE,
  });
  return result;
}

/**
 * Decrypts one ESDK message and checks that its authenticated encryption context is EXACTLY `expected`: same
 * keys, same values, nothing extra. `decrypt()` alone does not check any expected context, so without this a
 * value copied from another field (or, under a shared key, another practice) would decrypt silently.
 * `describe` names the value in error messages (identifiers only).
 */
export async function open(
  keyring: KeyringNode,
  expected: EncryptionContext,
  message: Uint8Array,
  describe: string,
): Promise<Buffer> {
  let decrypted: Awaited<ReturnType<typeof decrypt>>;
  try {
    decrypted = await decrypt(keyring, message);
  } catch (error) {
    if (error instanceof PracticeCryptoError) throw error;
    throw new DecryptionFailedError(
      `Cannot decrypt ${describe}: it was not encrypted under this practice's key, the key has been destroyed, ` +
        'or the stored value is damaged.',
      { cause: error },
    );
  }
  if (!sameContext(decrypted.messageHeader.encryptionContext, expected)) {
    decrypted.plaintext.fill(0);
    throw new EncryptionContextMismatchError(
      `Refusing ${describe}: this value belongs to another practice or field (its encryption context ` +
        `${describeContext(decrypted.messageHeader.encryptionContext)} is not the expected ${describeContext(expected)}).`,
    );
  }
  return decrypted.plaintext;
}

export function sameContext(actual: EncryptionContext, expected: EncryptionContext): boolean {
  const actualKeys = Object.keys(actual);
  const expectedKeys = Object.keys(expected);
  if (actualKeys.length !== expectedKeys.length) return false;
  return expectedKeys.every((key) => Object.hasOwn(actual, key) && actual[key] === expected[key]);
}

/** Context values are identifiers (practice id, table, attribute, purpose): safe to show. */
function describeContext(context: EncryptionContext): string {
  return JSON.stringify(Object.fromEntries(Object.entries(context).sort(([a], [b]) => a.localeCompare(b))));
}
