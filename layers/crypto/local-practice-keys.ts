import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyringNode } from '@aws-crypto/material-management-node';
import { RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/raw-aes-keyring-node';
import { logger } from '../observability/powertools';
import type { AssumedRoleCaller, KmsEventName } from '../trail/kms-record';
import { LocalKeyTrail, localTrailDir } from '../trail/local-key-trail';
import { open, seal } from './envelope';
import { PracticeKeyUnavailableError } from './errors';
import {
  createPrivateFile,
  ensurePrivateDir,
  FileKeyMaterialStore,
  isNotFound,
  type KeyMaterialStore,
  shredFile,
} from './key-material-store';
import { DATA_KEY_BYTES, dataKeyContext, keyUnavailable, PracticeDataKeys } from './practice-data-key';
import { assertPracticeId } from './practice-id';
import type { PracticeKeys } from './practice-keys';

export const LOCAL_KEY_NAMESPACE = 'clinic-connect-local';
const KEY_BYTES = 32;

export interface LocalPracticeKeysOptions {
  /** The git-ignored data directory (`.data/` for `npm start`, a temp dir in tests). */
  dataDir: string;
  /** Where the wrapped data keys live; defaults to files next to the keys. */
  store?: KeyMaterialStore;
  keyCacheMs?: number;
  now?: () => number;
  /**
   * Where each use of a practice key is recorded, as CloudTrail records KMS calls: the local trail under the
   * data directory by default, `false` for none.
   */
  trail?: LocalKeyTrail | false;
  /** Who the trail says used the keys: the local practice data role, unless an operator command says. */
  caller?: AssumedRoleCaller;
}

/**
 * Local adapter: one 256-bit AES key per practice at `${dataDir}/keys/<practiceId>.key` (directory 0700, file
 * 0600), standing in for its KMS key: it wraps the practice's data key (an ESDK message under the raw AES
 * keyring, context {practiceId, purpose}), read from the key file on each unwrap, so deleting the file shreds.
 * Field values have the same format, key hierarchy and encryption context as in AWS.
 *
 * Like KMS, it leaves a record of every use of a practice's key in the trail (layers/trail/local-key-trail.ts):
 * CreateKey at provision, GenerateDataKey when the data key is made, Decrypt at each unwrap (once per practice
 * per cache window, as in AWS), ScheduleKeyDeletion at the crypto-shred.
 */
export class LocalPracticeKeys implements PracticeKeys {
  private readonly keysDir: string;
  private readonly dataKeys: PracticeDataKeys;
  private readonly store: KeyMaterialStore;
  private readonly trail: LocalKeyTrail | undefined;
  private readonly caller: AssumedRoleCaller | undefined;

  constructor(options: LocalPracticeKeysOptions) {
    this.keysDir = join(options.dataDir, 'keys');
    this.trail =
      options.trail === false
        ? undefined
        : (options.trail ?? new LocalKeyTrail(localTrailDir(options.dataDir)));
    this.caller = options.caller;
    const store = options.store ?? new FileKeyMaterialStore(join(this.keysDir, 'wrapped'));
    this.store = store;
    this.dataKeys = new PracticeDataKeys({
      store,
      wrapperFor: (practiceId) => this.wrapperFor(practiceId),
      ...(options.keyCacheMs === undefined ? {} : { ttlMs: options.keyCacheMs }),
      ...(options.now ? { now: options.now } : {}),
    });
  }

  async provision(practiceId: string, _practiceName: string) {
    const path = this.keyPath(practiceId);
    await ensurePrivateDir(this.keysDir);
    const key = randomBytes(KEY_BYTES);
    let created: boolean;
    try {
      created = await createPrivateFile(path, key);
      if (!created) (await this.readKey(practiceId)).fill(0); // an existing key must still be well-formed
    } finally {
      key.fill(0);
    }
    if (created) await this.record('CreateKey', practiceId);
    return { keyId: `${LOCAL_KEY_NAMESPACE}/${practiceId}` };
  }

  dataKey(practiceId: string) {
    return this.dataKeys.get(practiceId);
  }

  forget(practiceId: string): void {
    this.dataKeys.forget(practiceId);
  }

  private async wrapperFor(practiceId: string) {
    const keyring = await this.keyFileKeyring(practiceId);
    const context = dataKeyContext(practiceId);
    return {
      generate: async () => {
        const plaintext = randomBytes(DATA_KEY_BYTES);
        const wrapped = Buffer.from(await seal(keyring, context, plaintext)).toString('base64');
        await this.record('GenerateDataKey', practiceId);
        return { plaintext, wrapped };
      },
      unwrap: async (wrapped: string) => {
        try {
          const plaintext = await open(keyring, context, Buffer.from(wrapped, 'base64'), 'the data key');
          const copy = new Uint8Array(plaintext);
          plaintext.fill(0);
          await this.record('Decrypt', practiceId);
          return copy;
        } catch (error) {
          await this.record('Decrypt', practiceId, 'InvalidCiphertextException');
          throw keyUnavailable(practiceId, 'it was not wrapped under this practice’s key file', error);
        }
      },
    };
  }

  private async keyFileKeyring(practiceId: string): Promise<KeyringNode> {
    const unencryptedMasterKey = await this.readKey(practiceId);
    try {
      return new RawAesKeyringNode({
        keyName: practiceId,
        keyNamespace: LOCAL_KEY_NAMESPACE,
        unencryptedMasterKey,
        wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
      });
    } finally {
      unencryptedMasterKey.fill(0); // the keyring keeps its own copy
    }
  }

  async destroy(practiceId: string) {
    const path = this.keyPath(practiceId);
    this.dataKeys.forget(practiceId);
    await shredFile(path);
    await this.store.deleteAll(practiceId);
    await this.record('ScheduleKeyDeletion', practiceId);
  }

  /** A record of one use in the local trail. Like CloudTrail, it never makes the call itself fail. */
  private async record(eventName: KmsEventName, practiceId: string, errorCode?: string) {
    if (!this.trail) return;
    try {
      await this.trail.recordKeyUse({
        eventName,
        practiceId,
        ...(this.caller ? { caller: this.caller } : {}),
        ...(errorCode ? { errorCode } : {}),
      });
    } catch (error) {
      logger.warn('local trail not written', { practiceId, eventName, errorName: (error as Error)?.name });
    }
  }

  private keyPath(practiceId: string) {
    assertPracticeId(practiceId);
    return join(this.keysDir, `${practiceId}.key`);
  }

  private async readKey(practiceId: string): Promise<Uint8Array> {
    const path = this.keyPath(practiceId);
    let key: Buffer;
    try {
      const info = await stat(path);
      // Like ssh with its keys: refuse a key file that others can read rather than use it.
      if ((info.mode & 0o077) !== 0) {
        throw new PracticeKeyUnavailableError(
          `The key file of practice ${practiceId} is readable by other users; refusing to use it (chmod 600).`,
        );
      }
      key = await readFile(path);
    } catch (error) {
      if (isNotFound(error)) {
        throw new PracticeKeyUnavailableError(
          `Practice ${practiceId} has no key: it was never provisioned, or it was offboarded (crypto-shredded).`,
        );
      }
      throw error;
    }
    if (key.byteLength !== KEY_BYTES) {
      key.fill(0);
      throw new PracticeKeyUnavailableError(`The key file of practice ${practiceId} is malformed.`);
    }
    const copy = new Uint8Array(key);
    key.fill(0);
    return copy;
  }
}
