import { hkdfSync } from 'node:crypto';
import type { KeyringNode } from '@aws-crypto/material-management-node';
import { RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/raw-aes-keyring-node';
import { PracticeCryptoError, PracticeKeyUnavailableError } from './errors';
import type { KeyMaterialStore } from './key-material-store';
import { assertPracticeId } from './practice-id';
import { BLIND_INDEX_KEY_BYTES, DEFAULT_KEY_CACHE_MS, type PracticeDataKey } from './practice-keys';

export const DATA_KEY_BYTES = 32;

/**
 * The version of the practice data key that new values are written under. Versions exist so that rotation can
 * be added without a format change: it would make version n+1 (a new record, a new keyring name), write with
 * it, keep reading n by the name in each message until everything has been re-encrypted, then drop n.
 */
export const DATA_KEY_VERSION = 1;

/** The ESDK provider id of the field-encryption keyring (the raw AES keyring's namespace). */
export const FIELD_KEY_NAMESPACE = 'clinic-connect';

/**
 * The encryption context the practice's own key wraps its data key under. KMS sees exactly this, so the data
 * role's `kms:EncryptionContext:practiceId` condition and the key policy's apply to the data key as they did
 * to every value before: practice B's session cannot unwrap A's data key, whatever it asks.
 */
export function dataKeyContext(practiceId: string) {
  return { practiceId, purpose: 'practice-data-key' };
}

/** The `KeyMaterialStore` record holding the wrapped data key of one version. */
export function dataKeyRecord(version: number): string {
  return `practice-data-key-v${version}`;
}

/**
 * The ESDK key name of one practice's field-encryption key. It ends in a fixed word because the raw AES
 * keyring matches names by prefix on decrypt: `…/v1/fields` can never be a prefix of another practice's or
 * version's name (practice ids contain no `/`).
 */
export function fieldKeyName(practiceId: string, version: number): string {
  return `practice/${practiceId}/v${version}/fields`;
}

/**
 * What one unwrapped practice data key gives this container: the field-encryption keyring and the blind-index
 * key, each derived from the data key with HKDF-SHA256 under its own `info` (which names the purpose, the
 * version and the practice), so neither key says anything about the other or about the data key. The data key
 * itself is zeroed once both are derived.
 */
export class UnwrappedDataKey implements PracticeDataKey {
  readonly fieldKeyring: KeyringNode;
  private readonly indexKey: Uint8Array;
  private readonly codeKey: Uint8Array;
  private disposed = false;

  constructor(
    readonly practiceId: string,
    readonly version: number,
    dataKey: Uint8Array,
  ) {
    if (dataKey.byteLength !== DATA_KEY_BYTES) {
      throw new PracticeKeyUnavailableError(`The data key of practice ${practiceId} is malformed.`);
    }
    const fieldKey = derive(dataKey, 'field-encryption', practiceId, version, 32);
    try {
      this.fieldKeyring = new RawAesKeyringNode({
        keyNamespace: FIELD_KEY_NAMESPACE,
        keyName: fieldKeyName(practiceId, version),
        unencryptedMasterKey: fieldKey,
        wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
      });
    } finally {
      fieldKey.fill(0); // the keyring holds its own copy (a KeyObject)
    }
    this.indexKey = derive(dataKey, 'blind-index', practiceId, version, BLIND_INDEX_KEY_BYTES);
    this.codeKey = derive(dataKey, 'invite-code', practiceId, version, 32);
  }

  blindIndexKey(): Uint8Array {
    if (this.disposed) {
      throw new PracticeKeyUnavailableError(`The keys of practice ${this.practiceId} were forgotten.`);
    }
    return Uint8Array.from(this.indexKey);
  }

  inviteCodeKey(): Uint8Array {
    if (this.disposed) {
      throw new PracticeKeyUnavailableError(`The keys of practice ${this.practiceId} were forgotten.`);
    }
    return Uint8Array.from(this.codeKey);
  }

  dispose(): void {
    this.disposed = true;
    this.indexKey.fill(0);
    this.codeKey.fill(0);
  }
}

function derive(dataKey: Uint8Array, purpose: string, practiceId: string, version: number, bytes: number) {
  // No salt: the input is 32 uniformly random bytes, which is what HKDF's salt exists to make up for.
  const info = `clinic-connect/${purpose}/v${version}/${practiceId}`;
  return new Uint8Array(hkdfSync('sha256', dataKey, new Uint8Array(0), info, bytes));
}

/**
 * What the practice's own key does for its data key, bound to one practice: in AWS its KMS key (one
 * GenerateDataKey when the data key is made, one Decrypt per unwrap), locally its key file through the raw AES
 * keyring. Both wrap under `dataKeyContext(practiceId)`. Failures meaning "this key cannot give you the data
 * key" (destroyed, disabled, refused, the record is not this key's) are `PracticeKeyUnavailableError`;
 * transient ones (throttling, network) pass through unchanged.
 */
export interface PracticeKeyWrapper {
  /** A fresh data key, and the same wrapped for the store. */
  generate(): Promise<{ plaintext: Uint8Array; wrapped: string }>;
  unwrap(wrapped: string): Promise<Uint8Array>;
}

export interface PracticeDataKeysOptions {
  store: KeyMaterialStore;
  /** Resolves the practice's own key; throws `PracticeKeyUnavailableError` when it has none. */
  wrapperFor: (practiceId: string) => Promise<PracticeKeyWrapper>;
  /**
   * How long this container keeps a practice's unwrapped data key, which is also how long a warm container
   * can still read a practice after it was crypto-shredded elsewhere.
   */
  ttlMs?: number;
  now?: () => number;
}

/**
 * The data key of each practice: 32 random bytes made on first use, kept in the `KeyMaterialStore` only
 * wrapped under the practice's own key, and unwrapped at most once per practice per `ttlMs` in this container.
 * That unwrap is the only call to the practice key: every value of every field, whoever wrote it, and the
 * blind index are then local work, so reading 10,000 values written by 100 other containers costs one call.
 *
 * Made lazily rather than at onboarding so that the onboarding role needs only key administration rights and
 * the data roles (which may use the key) make it. Two containers making it at once settle with `putIfAbsent`:
 * the loser unwraps the winner's (its one extra call, once per practice ever).
 */
export class PracticeDataKeys {
  private readonly cache = new Map<string, { key: Promise<UnwrappedDataKey>; expiresAt: number }>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(private readonly options: PracticeDataKeysOptions) {
    this.ttlMs = options.ttlMs ?? DEFAULT_KEY_CACHE_MS;
    this.now = options.now ?? Date.now;
  }

  async get(practiceId: string): Promise<PracticeDataKey> {
    assertPracticeId(practiceId);
    const cached = this.cache.get(practiceId);
    if (cached && cached.expiresAt > this.now()) return cached.key;
    // The promise is cached, not its result: concurrent misses share one unwrap.
    const entry = { key: this.load(practiceId), expiresAt: this.now() + this.ttlMs };
    this.cache.set(practiceId, entry);
    // A failure (no key, store unreachable, throttled) is not remembered: the next request asks again.
    entry.key.catch(() => {
      if (this.cache.get(practiceId) === entry) this.cache.delete(practiceId);
    });
    return entry.key;
  }

  /**
   * Drops this container's copy. An expired entry is only replaced, never zeroed, since a request may still be
   * using it; a forgotten one is zeroed, because forgetting follows a crypto-shred.
   */
  forget(practiceId: string): void {
    const cached = this.cache.get(practiceId);
    this.cache.delete(practiceId);
    cached?.key.then(
      (key) => key.dispose(),
      () => undefined,
    );
  }

  private async load(practiceId: string): Promise<UnwrappedDataKey> {
    const record = dataKeyRecord(DATA_KEY_VERSION);
    const [wrapper, stored] = await Promise.all([
      this.options.wrapperFor(practiceId),
      this.options.store.get(practiceId, record),
    ]);
    let plaintext: Uint8Array;
    if (stored === undefined) {
      const fresh = await wrapper.generate();
      const winner = await this.options.store.putIfAbsent(practiceId, record, fresh.wrapped);
      if (winner === fresh.wrapped) {
        plaintext = fresh.plaintext;
      } else {
        fresh.plaintext.fill(0);
        plaintext = await wrapper.unwrap(winner);
      }
    } else {
      plaintext = await wrapper.unwrap(stored);
    }
    try {
      return new UnwrappedDataKey(practiceId, DATA_KEY_VERSION, plaintext);
    } finally {
      plaintext.fill(0);
    }
  }
}

/** Turns "the practice key refused" into `PracticeKeyUnavailableError`, naming what refused (never a value). */
export function keyUnavailable(practiceId: string, reason: string, cause: unknown) {
  if (cause instanceof PracticeKeyUnavailableError) return cause;
  const detail = cause instanceof PracticeCryptoError ? cause.message : (cause as Error)?.name;
  return new PracticeKeyUnavailableError(
    `The data key of practice ${practiceId} is unavailable: ${reason}${detail ? ` (${detail})` : ''}.`,
    { cause },
  );
}
