import { BaseConfig } from '../config/base-config';
import { loadConfig } from '../config/load-config';
import { roleArnSetting } from '../config/role-arn';
import { practiceKmsClient } from '../isolation/practice-kms';
import { practiceDocumentClient } from '../isolation/scoped-clients';
import * as z from '../validation/z';
import { PracticeBlindIndex } from './blind-index';
import { DynamoKeyMaterialStore } from './dynamo-key-material-store';
import { FieldCrypto } from './field-crypto';
import type { KeyMaterialStore } from './key-material-store';
import { KmsPracticeKeys } from './kms-practice-keys';
import { LocalPracticeKeys } from './local-practice-keys';
import type { PracticeKeys } from './practice-keys';

/** What a handler encrypts with: field encryption and blind indexes under each practice's own key. */
export interface PracticeCrypto {
  keys: PracticeKeys;
  fields: FieldCrypto;
  blindIndex: PracticeBlindIndex;
}

export function practiceCrypto(keys: PracticeKeys): PracticeCrypto {
  return { keys, fields: new FieldCrypto(keys), blindIndex: new PracticeBlindIndex(keys) };
}

/**
 * `LOCAL_KEYS_DIR` is set only by the local stack (the git-ignored data dir holding one AES key per practice).
 * In AWS the keys are KMS keys, used through the practice data role (`PRACTICE_DATA_ROLE_ARN`).
 */
export const CryptoConfig = z.extend(BaseConfig, {
  TABLE_DIRECTORY: z.string().check(z.minLength(1, 'is required')),
  LOCAL_KEYS_DIR: z.optional(z.string().check(z.minLength(1))),
  PRACTICE_DATA_ROLE_ARN: z.optional(roleArnSetting()),
});
export type CryptoConfig = z.infer<typeof CryptoConfig>;

/**
 * Key records (the key ARN, the wrapped data key) live in the practice's own partition of the
 * directory table, so they are read with that practice's scoped credentials like any of its data.
 */
export class PracticeScopedKeyMaterialStore implements KeyMaterialStore {
  constructor(private readonly tableName: string) {}
  private store(practiceId: string) {
    return new DynamoKeyMaterialStore(practiceDocumentClient(practiceId), this.tableName);
  }
  get(practiceId: string, name: string) {
    return this.store(practiceId).get(practiceId, name);
  }
  putIfAbsent(practiceId: string, name: string, value: string) {
    return this.store(practiceId).putIfAbsent(practiceId, name, value);
  }
  put(practiceId: string, name: string, value: string) {
    return this.store(practiceId).put(practiceId, name, value);
  }
  deleteAll(practiceId: string) {
    return this.store(practiceId).deleteAll(practiceId);
  }
}

export function practiceKeysFromConfig(config: CryptoConfig): PracticeKeys {
  if (config.LOCAL_KEYS_DIR) {
    if (!config.DYNAMODB_ENDPOINT || config.STAGE !== 'local') {
      throw new TypeError('LOCAL_KEYS_DIR is for the local stack only (STAGE=local with DYNAMODB_ENDPOINT).');
    }
    return new LocalPracticeKeys({ dataDir: config.LOCAL_KEYS_DIR });
  }
  if (!config.PRACTICE_DATA_ROLE_ARN) {
    throw new TypeError(
      'Invalid configuration. PRACTICE_DATA_ROLE_ARN: is required in AWS (practice keys are used through it)',
    );
  }
  // Handlers only use keys; their roles cannot create or delete them, so the admin client is never granted.
  return KmsPracticeKeys.forDataRole({
    stage: config.STAGE,
    region: config.AWS_REGION,
    dataRoleArn: config.PRACTICE_DATA_ROLE_ARN,
    kmsClientFor: practiceKmsClient,
    store: new PracticeScopedKeyMaterialStore(config.TABLE_DIRECTORY),
  });
}

let defaultCrypto: PracticeCrypto | undefined;

/** This container's practice crypto, from its environment, built once (caches live as long as the container). */
export function functionCrypto(): PracticeCrypto {
  defaultCrypto ??= practiceCrypto(practiceKeysFromConfig(loadConfig(CryptoConfig)));
  return defaultCrypto;
}
