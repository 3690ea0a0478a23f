import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { FieldCrypto } from '../crypto/field-crypto';
import * as z from '../validation/z';
import { practicePartition } from './record-keys';
import { LOOKUP_PATIENT_FIELD, sortKeyOf } from './record-kinds';

/** What a lookup keeps for the invite step: everything PDS said that a later step needs, nothing else. */
export const LookupPatient = z.strictObject({
  nhsNumber: z.string().check(z.regex(/^\d{10}$/)),
  birthDate: z.string(),
  givenNames: z.array(z.string()),
  familyName: z.string(),
  displayName: z.string(),
  gender: z.enum(['male', 'female', 'other', 'unknown']),
  mobile: z.nullable(z.string()),
  gpOdsCode: z.nullable(z.string()),
});
export type LookupPatient = z.infer<typeof LookupPatient>;

export interface LookupRecord {
  lookupId: string;
  createdAt: string;
  /** The staff member who looked the patient up (their sub). */
  createdBy: string;
  expiresAt: Date;
  patient: LookupPatient;
  /** Blind index of the NHS number: "was this patient looked up?" without decrypting. */
  nhsNumberIndex: string;
}

export { LOOKUP_PATIENT_FIELD };

const StoredLookup = z.object({
  lookupId: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  expiresAt: z.number(),
  nhsNumberIndex: z.string(),
  patient: z.string(),
});

/**
 * One practice's lookups in the records table (`pk = PRACTICE#<id>`, `sk = LOOKUP#<lookupId>`). The patient's
 * details are encrypted under the practice key before they are written; the item expires (TTL), and reads
 * ignore an expired item that DynamoDB has not yet deleted.
 */
export class PracticeLookups {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    readonly practiceId: string,
    private readonly crypto: FieldCrypto,
  ) {}

  newLookupId(): string {
    return randomUUID();
  }

  async create(record: LookupRecord): Promise<void> {
    const patient = LookupPatient.parse(record.patient);
    const ciphertext = await this.crypto.encrypt(
      this.practiceId,
      LOOKUP_PATIENT_FIELD,
      JSON.stringify(patient),
    );
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...this.key(record.lookupId),
          lookupId: record.lookupId,
          createdAt: record.createdAt,
          createdBy: record.createdBy,
          expiresAt: Math.floor(record.expiresAt.getTime() / 1000),
          nhsNumberIndex: record.nhsNumberIndex,
          patient: ciphertext,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  /** The lookup, decrypted; undefined when there is none or it has expired. */
  async get(lookupId: string, now: Date = new Date()): Promise<LookupRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(lookupId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const stored = StoredLookup.parse(Item);
    if (stored.expiresAt * 1000 <= now.getTime()) return undefined;
    const plaintext = await this.crypto.decrypt(this.practiceId, LOOKUP_PATIENT_FIELD, stored.patient);
    return {
      lookupId: stored.lookupId,
      createdAt: stored.createdAt,
      createdBy: stored.createdBy,
      expiresAt: new Date(stored.expiresAt * 1000),
      nhsNumberIndex: stored.nhsNumberIndex,
      patient: LookupPatient.parse(JSON.parse(plaintext)),
    };
  }

  /**
   * Makes `inviteId` the lookup's current invitation and returns the one it had before, if any: a new
   * invitation for the same lookup replaces the previous one. Undefined too when the lookup is gone.
   */
  async setCurrentInvite(lookupId: string, inviteId: string): Promise<string | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(lookupId),
          UpdateExpression: 'SET currentInviteId = :invite',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':invite': inviteId },
          ReturnValues: 'UPDATED_OLD',
        }),
      );
      const previous = Attributes?.currentInviteId;
      return typeof previous === 'string' ? previous : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /** Takes back a lookup whose audit event could not be written (the lookup must not exist unaudited). */
  async remove(lookupId: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: this.key(lookupId) }));
  }

  private key(lookupId: string) {
    if (!/^[0-9a-f-]{36}$/.test(lookupId)) throw new TypeError('Not a lookup id.');
    return { pk: practicePartition(this.practiceId), sk: sortKeyOf('lookup', lookupId) };
  }
}
