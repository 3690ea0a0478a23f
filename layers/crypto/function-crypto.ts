import { KMSClient } from '@aws-sdk/client-kms';
import { BaseConfig } from '../config/base-config';
import { loadConfig } from '../config/load-config';
import { practiceDocumentClient, practiceKmsClient } from '../isolation/scoped-clients';
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

const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;

/**
 * `LOCAL_KEYS_DIR` is set only by the local stack (the git-ignored data dir holding one AES key per practice).
 * In AWS the keys are KMS keys, used through the practice data role (`PRACTICE_DATA_ROLE_ARN`).
 */
export const CryptoConfig = z.extend(BaseConfig, {
  TABLE_DIRECTORY: z.string().check(z.minLength(1, 'is required')),
  LOCAL_KEYS_DIR: z.optional(z.string().check(z.minLength(1))),
  PRACTICE_DATA_ROLE_ARN: z.optional(z.string().check(z.regex(ROLE_ARN, 'must be an IAM role ARN'))),
});
export type CryptoConfig = z.infer<typeof CryptoConfig>;

/**
 * Key records (the key ARN, the wrapped blind-index key) live in the practice's own partition of the
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
  const role = config.PRACTICE_DATA_ROLE_ARN ? ROLE_ARN.exec(config.PRACTICE_DATA_ROLE_ARN) : null;
  if (!role || !config.PRACTICE_DATA_ROLE_ARN) {
    throw new TypeError(
      'Invalid configuration. PRACTICE_DATA_ROLE_ARN: is required in AWS (practice keys are used through it)',
    );
  }
  return new KmsPracticeKeys({
    stage: config.STAGE,
    partition: role[1] as string,
    accountId: role[2] as string,
    dataRoleArns: [config.PRACTICE_DATA_ROLE_ARN],
    // Handlers only use keys; their roles cannot create or delete them, so this client is never granted.
    adminClient: new KMSClient({ region: config.AWS_REGION }),
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
