import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { FieldCrypto } from '../crypto/field-crypto';
import * as z from '../validation/z';
import { practicePartition } from './record-keys';
import { HELD_MESSAGE_FIELD, RECORD_KINDS, sortKeyOf } from './record-kinds';
import { UUID_PATTERN } from './time-ids';

/**
 * The clinical lead's review queue (R7): an invite whose text the scanner flagged is not sent; it waits here
 * (`HELDMESSAGE#<inviteId>`) with who wrote it, when, the text (encrypted) and why it was flagged, until a
 * clinical lead releases or rejects it. The decision is on the invite and in the audit trail; the queue entry
 * goes.
 */
export const HeldMessage = z.object({
  inviteId: z.string(),
  heldAt: z.string(),
  createdBy: z.object({ sub: z.string(), name: z.string(), role: z.optional(z.string()) }),
  reasons: z.array(z.object({ category: z.string(), description: z.string() })),
  message: z.string(),
  /** DynamoDB TTL (epoch seconds): as long as its invitation is kept. */
  expiresAt: z.number(),
});
export type HeldMessage = z.infer<typeof HeldMessage>;

export class PracticeHeldMessages {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    readonly practiceId: string,
    private readonly crypto?: FieldCrypto,
  ) {}

  private fields(): FieldCrypto {
    if (!this.crypto) throw new TypeError('Held messages are read and written with the practice keys.');
    return this.crypto;
  }

  async put(held: Omit<HeldMessage, 'message'> & { message: string }): Promise<void> {
    const message = await this.fields().encrypt(this.practiceId, HELD_MESSAGE_FIELD, held.message);
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...this.key(held.inviteId), ...HeldMessage.parse({ ...held, message }) },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  /** Every held message, oldest first, with its text decrypted. */
  async list(): Promise<(HeldMessage & { text: string })[]> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: {
          ':pk': practicePartition(this.practiceId),
          ':prefix': RECORD_KINDS.heldMessage.sortKey,
        },
        ConsistentRead: true,
      }),
    );
    const now = Date.now();
    const held = (Items ?? [])
      .map((item) => HeldMessage.parse(item))
      .filter((entry) => entry.expiresAt * 1000 > now);
    held.sort((a, b) => a.heldAt.localeCompare(b.heldAt));
    return Promise.all(
      held.map(async (entry) => ({
        ...entry,
        text: await this.fields().decrypt(this.practiceId, HELD_MESSAGE_FIELD, entry.message),
      })),
    );
  }

  async remove(inviteId: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: this.key(inviteId) }));
  }

  private key(inviteId: string) {
    if (!UUID_PATTERN.test(inviteId)) throw new TypeError('Not an invite id.');
    return { pk: practicePartition(this.practiceId), sk: sortKeyOf('heldMessage', inviteId) };
  }
}
