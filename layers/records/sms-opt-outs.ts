import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { FieldCrypto } from '../crypto/field-crypto';
import * as z from '../validation/z';
import { practicePartition } from './record-keys';
import { SMS_OPT_OUT_MOBILE_FIELD, sortKeyOf } from './record-kinds';

/**
 * A patient's wish not to be texted by this practice (R8), in the practice's partition of the records table,
 * keyed by the blind index of the number (`SMSOPTOUT#<index>`): the key says nothing of the number, and the
 * number itself is kept only encrypted, for the practice's export. Per practice: a patient who asks one
 * practice to stop has not asked another. Opting in again deletes it (the audit trail keeps both).
 */
export const SmsOptOut = z.object({
  mobileIndex: z.string(),
  mobile: z.string(),
  optedOutAt: z.string(),
  /** `staff`: recorded in the console on the patient's request; `patient`: from the join page (next issue). */
  source: z.enum(['staff', 'patient']),
  recordedBy: z.optional(z.object({ sub: z.string(), name: z.string() })),
});
export type SmsOptOut = z.infer<typeof SmsOptOut>;

export const MOBILE_INDEX_NAMESPACE = 'mobile';

export class PracticeSmsOptOuts {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    readonly practiceId: string,
    private readonly crypto?: FieldCrypto,
  ) {}

  async get(mobileIndex: string): Promise<SmsOptOut | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(mobileIndex), ConsistentRead: true }),
    );
    return Item ? SmsOptOut.parse(Item) : undefined;
  }

  /** Records the opt-out; false when the number was opted out already (nothing changes then). */
  async record(optOut: Omit<SmsOptOut, 'mobile'> & { mobile: string }): Promise<boolean> {
    if (!this.crypto) throw new TypeError('Opt-outs are recorded with the practice keys.');
    const mobile = await this.crypto.encrypt(this.practiceId, SMS_OPT_OUT_MOBILE_FIELD, optOut.mobile);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...this.key(optOut.mobileIndex), ...SmsOptOut.parse({ ...optOut, mobile }) },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Takes the opt-out away; false when there was none. */
  async remove(mobileIndex: string): Promise<boolean> {
    const { Attributes } = await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: this.key(mobileIndex), ReturnValues: 'ALL_OLD' }),
    );
    return Attributes !== undefined;
  }

  private key(mobileIndex: string) {
    if (!/^[A-Za-z0-9_-]{43}$/u.test(mobileIndex)) throw new TypeError('Not a blind index.');
    return { pk: practicePartition(this.practiceId), sk: sortKeyOf('smsOptOut', mobileIndex) };
  }
}
