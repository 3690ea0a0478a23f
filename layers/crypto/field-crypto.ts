import {
  type EncryptionContext,
  getLocalCryptographicMaterialsCache,
  type NodeAlgorithmSuite,
  NodeCachingMaterialsManager,
  type NodeMaterialsManager,
} from '@aws-crypto/client-node';
import type { TableId } from '../storage/tables';
import { type Materials, open, seal } from './envelope';
import { DecryptionFailedError, PracticeKeyUnavailableError } from './errors';
import { assertPracticeId } from './practice-id';
import { DEFAULT_KEY_CACHE_MS, type PracticeKeys } from './practice-keys';

/**
 * Which stored field a value belongs to. `table` is the LOGICAL table id, not the physical name: the physical
 * name differs per stage and after a restore from backup, and the context must still match then.
 */
export interface FieldRef {
  table: TableId;
  attribute: string;
}

export interface CachingOptions {
  /**
   * How long data keys are reused, and how long this container trusts a practice's key before asking KMS
   * again. Also the upper bound on how long a warm container can still read a practice after it was
   * crypto-shredded elsewhere. Default 5 minutes: the budget is one KMS call per practice per few minutes.
   */
  maxAgeMs?: number;
  /**
   * Values encrypted under one cached data key before a fresh one is fetched. The committing suite derives a
   * fresh key per message (HKDF over a random 256-bit message id), so reuse does not weaken AES-GCM; the limit
   * bounds how many values one leaked data key could expose. 1,000 is above what one attribute of one practice
   * sees in 5 minutes in one container, so it rarely costs an extra KMS call.
   */
  maxMessagesEncrypted?: number;
  /** Plaintext bytes under one cached data key: 1,000 values of up to 1 KiB. */
  maxBytesEncrypted?: number;
  /** Entries per practice cache: one per (table, attribute) written plus one per distinct data key read. */
  capacity?: number;
}

export interface FieldCryptoOptions {
  /** `false` turns the caching materials manager off: every value is one KMS call (for measurement only). */
  caching?: CachingOptions | false;
  now?: () => number;
}

const ATTRIBUTE = /^[A-Za-z][A-Za-z0-9_.#-]{0,63}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Encrypts patient-identifying attribute values before they reach DynamoDB, with the AWS Encryption SDK under
 * the practice's own key. Each value is one ESDK message (stored as base64) whose encryption context is
 * exactly {practiceId, table, attribute}; on read the context is compared with the expected one and anything
 * else fails closed. The same code runs in AWS (KMS keyring) and locally (raw AES keyring).
 */
export class FieldCrypto {
  private readonly managers = new Map<string, { materials: Promise<Materials>; expiresAt: number }>();
  private readonly caching: Required<CachingOptions> | false;
  private readonly now: () => number;

  constructor(
    private readonly keys: PracticeKeys,
    options: FieldCryptoOptions = {},
  ) {
    this.caching =
      options.caching === false
        ? false
        : {
            maxAgeMs: DEFAULT_KEY_CACHE_MS,
            maxMessagesEncrypted: 1_000,
            maxBytesEncrypted: 1_000 * 1_024,
            capacity: 100,
            ...options.caching,
          };
    this.now = options.now ?? Date.now;
  }

  async encrypt(practiceId: string, field: FieldRef, plaintext: string): Promise<string> {
    const context = fieldContext(practiceId, field);
    const bytes = Buffer.from(plaintext, 'utf8');
    if (bytes.toString('utf8') !== plaintext) {
      throw new TypeError(`${describe(practiceId, field)} is not well-formed Unicode (lone surrogate).`);
    }
    const materials = await this.materialsFor(practiceId);
    try {
      return Buffer.from(await seal(materials, context, bytes)).toString('base64');
    } finally {
      bytes.fill(0);
    }
  }

  async decrypt(practiceId: string, field: FieldRef, ciphertext: string): Promise<string> {
    const context = fieldContext(practiceId, field);
    const what = describe(practiceId, field);
    if (!BASE64.test(ciphertext) || ciphertext.length % 4 !== 0) {
      throw new DecryptionFailedError(`Cannot decrypt ${what}: the stored value is not an encrypted value.`);
    }
    let materials: Materials;
    try {
      materials = await this.materialsFor(practiceId);
    } catch (error) {
      if (!(error instanceof PracticeKeyUnavailableError)) throw error;
      throw new DecryptionFailedError(`Cannot decrypt ${what}: ${error.message}`, { cause: error });
    }
    const plaintext = await open(materials, context, Buffer.from(ciphertext, 'base64'), what);
    try {
      return plaintext.toString('utf8');
    } finally {
      plaintext.fill(0);
    }
  }

  /**
   * Drops what this container holds for a practice (its cached keyring and data keys). Call after
   * `PracticeKeys.destroy` in the same process; other containers drop theirs within `maxAgeMs`.
   */
  forget(practiceId: string): void {
    this.managers.delete(practiceId);
  }

  /**
   * One caching materials manager per practice, with its OWN cache: entries of two practices never share a
   * cache, and forgetting a practice drops its entries with it. Rebuilt after `maxAgeMs`, so a key destroyed
   * elsewhere (or a local key file deleted) stops working here within that time.
   */
  private materialsFor(practiceId: string): Promise<Materials> {
    const current = this.managers.get(practiceId);
    if (current && current.expiresAt > this.now()) return current.materials;
    const caching = this.caching;
    // The promise is cached, not its result: concurrent first requests share one manager (and one cache).
    const materials = this.keys.keyringFor(practiceId).then((keyring) =>
      caching
        ? singleFlight(
            new NodeCachingMaterialsManager({
              backingMaterials: keyring,
              cache: getLocalCryptographicMaterialsCache<NodeAlgorithmSuite>(caching.capacity),
              maxAge: caching.maxAgeMs,
              maxMessagesEncrypted: caching.maxMessagesEncrypted,
              maxBytesEncrypted: caching.maxBytesEncrypted,
            }),
          )
        : keyring,
    );
    const entry = { materials, expiresAt: this.now() + (caching ? caching.maxAgeMs : DEFAULT_KEY_CACHE_MS) };
    this.managers.set(practiceId, entry);
    // A failure (no key, store unreachable) is not remembered: the next request asks again.
    materials.catch(() => {
      if (this.managers.get(practiceId) === entry) this.managers.delete(practiceId);
    });
    return materials;
  }
}

export function fieldContext(practiceId: string, field: FieldRef) {
  assertPracticeId(practiceId);
  if (!ATTRIBUTE.test(field.attribute)) throw new TypeError('Not an attribute name.');
  if (!/^[a-z][a-z0-9-]{0,30}$/.test(field.table)) throw new TypeError('Not a table id.');
  return { practiceId, table: field.table, attribute: field.attribute };
}

function describe(practiceId: string, field: FieldRef) {
  return `${field.table}.${field.attribute} of practice ${practiceId}`;
}

/**
 * The caching materials manager does not coalesce concurrent misses: 50 values of one field encrypted with
 * `Promise.all` on a cold cache would make 50 KMS calls. This wrapper lets the first request for a given cache
 * key go to KMS and makes concurrent requests for the same key wait for it, then ask the (now warm) cache.
 * Waiters get their own copy of the materials from the cache (the ESDK zeroes materials after use, so they are
 * never shared). If the first request fails, the waiters try for themselves.
 */
function singleFlight(inner: NodeMaterialsManager): NodeMaterialsManager {
  const inFlight = new Map<string, Promise<unknown>>();
  const flight = async <T>(key: string, run: () => Promise<T>): Promise<T> => {
    const pending = inFlight.get(key);
    if (pending) {
      await pending.catch(() => undefined);
      return run();
    }
    const leader = run();
    inFlight.set(key, leader);
    try {
      return await leader;
    } finally {
      inFlight.delete(key);
    }
  };
  return {
    getEncryptionMaterials: (request) =>
      flight(`e:${request.suite?.id}:${canonical(request.encryptionContext)}`, () =>
        inner.getEncryptionMaterials(request),
      ),
    decryptMaterials: (request) => {
      const keys = request.encryptedDataKeys.map(
        (edk) =>
          `${edk.providerId}/${edk.providerInfo}/${Buffer.from(edk.encryptedDataKey).toString('base64')}`,
      );
      return flight(`d:${request.suite.id}:${canonical(request.encryptionContext)}:${keys.join(',')}`, () =>
        inner.decryptMaterials(request),
      );
    },
  };
}

function canonical(context: EncryptionContext): string {
  return JSON.stringify(Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
