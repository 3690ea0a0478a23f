/**
 * Errors of the per-practice encryption layer. Messages name the practice, table and attribute (identifiers),
 * never a value, a key or any patient data, so they are safe to log and to return to a caller's error mapper.
 */
export class PracticeCryptoError extends Error {
  override readonly name: string = 'PracticeCryptoError';
}

/** The practice has no usable key: never provisioned, or crypto-shredded when it was offboarded. */
export class PracticeKeyUnavailableError extends PracticeCryptoError {
  override readonly name: string = 'PracticeKeyUnavailableError';
}

/**
 * The value could not be decrypted with this practice's key: it was encrypted for another practice, the key
 * was destroyed (crypto-shred), or the stored bytes are damaged or tampered with. Fail closed: never fall back.
 */
export class DecryptionFailedError extends PracticeCryptoError {
  override readonly name: string = 'DecryptionFailedError';
}

/**
 * The value decrypted, but its authenticated encryption context is not the one this read expected: it was
 * moved from another practice's item or from another field (a swap or replay). The plaintext is discarded.
 */
export class EncryptionContextMismatchError extends DecryptionFailedError {
  override readonly name: string = 'EncryptionContextMismatchError';
}
