import { randomBytes } from 'node:crypto';
import type { KeyringNode } from '@aws-crypto/client-node';
import { open, seal } from './envelope';
import type { KeyMaterialStore } from './key-material-store';

/**
 * Port: each practice's own key. In AWS a customer-managed KMS key per practice (`KmsPracticeKeys`); locally
 * a 256-bit AES key file per practice (`LocalPracticeKeys`). Handlers and `FieldCrypto` see only this.
 */
export interface PracticeKeys {
  /** Creates the practice's key at onboarding. Idempotent: a second call returns the same key. */
  provision(practiceId: string, practiceName: string): Promise<{ keyId: string }>;
  /**
   * The keyring that wraps this practice's data keys. Throws `PracticeKeyUnavailableError` when the practice
   * has no key (never provisioned, or destroyed).
   */
  keyringFor(practiceId: string): Promise<KeyringNode>;
  /** 32 bytes, this practice's only: keys the blind indexes (HMAC) of its encrypted values. */
  blindIndexKey(practiceId: string): Promise<Uint8Array>;
  /**
   * Crypto-shred at offboarding: afterwards nothing encrypted for the practice, including copies restored from
   * backups, can be decrypted. Idempotent.
   */
  destroy(practiceId: string): Promise<void>;
}

/** How long this container trusts what it unwrapped before asking the key again (see `FieldCrypto`). */
export const DEFAULT_KEY_CACHE_MS = 5 * 60_000;

export const BLIND_INDEX_KEY_BYTES = 32;
const BLIND_INDEX_RECORD = 'blind-index-key';

/**
 * The blind-index key of each practice: 32 random bytes made on first use, stored in the `KeyMaterialStore`
 * only as an Encryption SDK message under the practice's own keyring (context {practiceId, purpose}), and
 * kept unwrapped in memory for `ttlMs`. Both adapters use it, so the index key is shredded with the practice
 * key: once that is gone the stored copy (and every backup of it) is noise.
 *
 * Created lazily rather than in `provision` so that the onboarding role needs only key administration rights,
 * and the data roles (which may use the key) make it; a conditional put settles a race between two containers.
 */
export class BlindIndexKeys {
  private readonly cache = new Map<string, { key: Uint8Array; expiresAt: number }>();

  constructor(
    private readonly store: KeyMaterialStore,
    private readonly keyringFor: (practiceId: string) => Promise<KeyringNode>,
    private readonly ttlMs = DEFAULT_KEY_CACHE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  async get(practiceId: string): Promise<Uint8Array> {
    const cached = this.cache.get(practiceId);
    if (cached && cached.expiresAt > this.now()) return Uint8Array.from(cached.key);
    const keyring = await this.keyringFor(practiceId);
    const context = { practiceId, purpose: 'blind-index' };
    let stored = await this.store.get(practiceId, BLIND_INDEX_RECORD);
    if (stored === undefined) {
      const fresh = randomBytes(BLIND_INDEX_KEY_BYTES);
      const sealed = Buffer.from(await seal(keyring, context, fresh)).toString('base64');
      fresh.fill(0);
      stored = await this.store.putIfAbsent(practiceId, BLIND_INDEX_RECORD, sealed);
    }
    const key = await open(keyring, context, Buffer.from(stored, 'base64'), 'the blind-index key');
    if (key.byteLength !== BLIND_INDEX_KEY_BYTES)
      throw new TypeError('The stored blind-index key is malformed.');
    const copy = Uint8Array.from(key);
    key.fill(0);
    this.cache.set(practiceId, { key: copy, expiresAt: this.now() + this.ttlMs });
    return Uint8Array.from(copy);
  }

  forget(practiceId: string): void {
    this.cache.get(practiceId)?.key.fill(0);
    this.cache.delete(practiceId);
  }
}
