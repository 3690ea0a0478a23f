import type { KeyringNode } from '@aws-crypto/material-management-node';
import type { TableId } from '../storage/tables';
import { open, seal } from './envelope';
import { DecryptionFailedError, PracticeKeyUnavailableError } from './errors';
import { assertPracticeId } from './practice-id';
import type { PracticeKeys } from './practice-keys';

/**
 * Which stored field a value belongs to. `table` is the LOGICAL table id, not the physical name: the physical
 * name differs per stage and after a restore from backup, and the context must still match then. `queue`:
 * a value that only travels on a queue (the invite SMS on its way to the sender) and is never stored.
 */
export interface FieldRef {
  table: TableId | 'queue';
  attribute: string;
}

const ATTRIBUTE = /^[A-Za-z][A-Za-z0-9_.#-]{0,63}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Encrypts patient-identifying attribute values before they reach DynamoDB, with the AWS Encryption SDK under
 * the practice's field key (derived from its data key, `PracticeKeys.dataKey`). Each value is one ESDK message
 * (stored as base64) whose encryption context is exactly {practiceId, table, attribute}; on read the context
 * is compared with the expected one and anything else fails closed. Each message still gets its own random
 * data key; wrapping it under the field key is local AES-GCM, so no value costs a call to KMS, whichever
 * container wrote it. The same code and message format run in AWS and locally.
 */
export class FieldCrypto {
  constructor(private readonly keys: PracticeKeys) {}

  async encrypt(practiceId: string, field: FieldRef, plaintext: string): Promise<string> {
    const context = fieldContext(practiceId, field);
    const bytes = Buffer.from(plaintext, 'utf8');
    if (bytes.toString('utf8') !== plaintext) {
      throw new TypeError(`${describe(practiceId, field)} is not well-formed Unicode (lone surrogate).`);
    }
    try {
      const keyring = await this.keyringFor(practiceId);
      return Buffer.from(await seal(keyring, context, bytes)).toString('base64');
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
    let keyring: KeyringNode;
    try {
      keyring = await this.keyringFor(practiceId);
    } catch (error) {
      if (!(error instanceof PracticeKeyUnavailableError)) throw error;
      throw new DecryptionFailedError(`Cannot decrypt ${what}: ${error.message}`, { cause: error });
    }
    const plaintext = await open(keyring, context, Buffer.from(ciphertext, 'base64'), what);
    try {
      return plaintext.toString('utf8');
    } finally {
      plaintext.fill(0);
    }
  }

  /**
   * Drops what this container holds for a practice (its unwrapped data key, shared with the blind index).
   * Call after `PracticeKeys.destroy` made through another instance; other containers drop theirs within the
   * cache window.
   */
  forget(practiceId: string): void {
    this.keys.forget(practiceId);
  }

  private async keyringFor(practiceId: string): Promise<KeyringNode> {
    return (await this.keys.dataKey(practiceId)).fieldKeyring;
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
