import type { KeyringNode } from '@aws-crypto/material-management-node';

/**
 * Port: each practice's own key and the data key it wraps. In AWS a customer-managed KMS key per practice
 * (`KmsPracticeKeys`); locally a 256-bit AES key file per practice (`LocalPracticeKeys`). Both keep the
 * practice's data key wrapped in a `KeyMaterialStore` and unwrap it once per practice per cache window
 * (`PracticeDataKeys`). Handlers, `FieldCrypto` and `PracticeBlindIndex` see only this.
 */
export interface PracticeKeys {
  /** Creates the practice's key at onboarding. Idempotent: a second call returns the same key. */
  provision(practiceId: string, practiceName: string): Promise<{ keyId: string }>;
  /**
   * The practice's data key, unwrapped: made on first use, then at most one call to the practice's key per
   * practice per cache window in this container (concurrent callers share it). Throws
   * `PracticeKeyUnavailableError` when the practice has no usable key (never provisioned, or destroyed).
   */
  dataKey(practiceId: string): Promise<PracticeDataKey>;
  /**
   * Drops this container's unwrapped copy. `destroy` does it itself; call this after a `destroy` made through
   * another instance in the same process. Other containers drop theirs within the cache window.
   */
  forget(practiceId: string): void;
  /**
   * Crypto-shred at offboarding: afterwards nothing encrypted for the practice, including copies restored from
   * backups, can be decrypted. Also deletes the stored wrapped data key and forgets this container's copy.
   * Idempotent.
   */
  destroy(practiceId: string): Promise<void>;
}

/** What one practice's unwrapped data key gives: derived keys, never the data key itself. */
export interface PracticeDataKey {
  readonly practiceId: string;
  readonly version: number;
  /** Wraps each message's data key (ESDK raw AES keyring); local work, no call to the practice key. */
  readonly fieldKeyring: KeyringNode;
  /** 32 bytes, this practice's only: keys the blind indexes (HMAC) of its values. A copy: zero it after use. */
  blindIndexKey(): Uint8Array;
  /** 32 bytes, this practice's only: keys the hashes of its invite codes (HMAC). A copy: zero it after use. */
  inviteCodeKey(): Uint8Array;
}

/** How long this container trusts what it unwrapped before asking the practice key again. */
export const DEFAULT_KEY_CACHE_MS = 5 * 60_000;

export const BLIND_INDEX_KEY_BYTES = 32;
