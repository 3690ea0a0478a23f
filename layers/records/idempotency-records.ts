import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from '../validation/z';
import { practicePartition } from './record-keys';
import { sortKeyOf } from './record-kinds';
import { UUID_PATTERN } from './time-ids';

/**
 * `Idempotency-Key` records (the IETF httpapi draft's header): one per member and key, in the practice's
 * partition (`IDEMPOTENCY#<sub>#<key>`), naming the invite the first request made and a hash of what it asked.
 * The first request claims the key with a conditional put, so of any number of concurrent duplicates exactly
 * one goes on to create and queue the invite; the others wait for it and answer with the same invite. A key
 * is kept a day (TTL; reads ignore an expired one).
 */
export const IdempotencyRecord = z.object({
  key: z.string(),
  sub: z.string(),
  /** Which route and body the key was first used with. */
  requestHash: z.string(),
  inviteId: z.string(),
  state: z.enum(['pending', 'done']),
  createdAt: z.string(),
  expiresAt: z.number(),
});
export type IdempotencyRecord = z.infer<typeof IdempotencyRecord>;

export const IDEMPOTENCY_KEY_SECONDS = 24 * 60 * 60;

export type IdempotencyClaim = { status: 'claimed' } | { status: 'existing'; record: IdempotencyRecord };

export class PracticeIdempotencyKeys {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    readonly practiceId: string,
  ) {}

  async claim(input: {
    sub: string;
    key: string;
    requestHash: string;
    inviteId: string;
    now: Date;
  }): Promise<IdempotencyClaim> {
    const record: IdempotencyRecord = {
      key: input.key,
      sub: input.sub,
      requestHash: input.requestHash,
      inviteId: input.inviteId,
      state: 'pending',
      createdAt: input.now.toISOString(),
      expiresAt: Math.floor(input.now.getTime() / 1000) + IDEMPOTENCY_KEY_SECONDS,
    };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...this.keyOf(input.sub, input.key), ...record },
          // An expired record (TTL not yet run) may be claimed afresh.
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
          ExpressionAttributeValues: { ':now': Math.floor(input.now.getTime() / 1000) },
        }),
      );
      return { status: 'claimed' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const existing = await this.get(input.sub, input.key, input.now);
    // Deleted between our put and our read (its request failed and let the key go): try once more.
    if (!existing) return this.claim(input);
    return { status: 'existing', record: existing };
  }

  async get(sub: string, key: string, now = new Date()): Promise<IdempotencyRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: this.keyOf(sub, key), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const record = IdempotencyRecord.parse(Item);
    return record.expiresAt * 1000 <= now.getTime() ? undefined : record;
  }

  async complete(sub: string, key: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: this.keyOf(sub, key),
        UpdateExpression: 'SET #state = :done',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':done': 'done' },
      }),
    );
  }

  /** Lets the key go again after its request was refused (a fixed request may then use the same key). */
  async release(sub: string, key: string, inviteId: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: this.keyOf(sub, key),
          ConditionExpression: 'inviteId = :inviteId AND #state = :pending',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':inviteId': inviteId, ':pending': 'pending' },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  private keyOf(sub: string, key: string) {
    if (!UUID_PATTERN.test(key)) throw new TypeError('Not an idempotency key.');
    if (!/^[A-Za-z0-9._:-]{1,128}$/u.test(sub)) throw new TypeError('Not a subject.');
    return { pk: practicePartition(this.practiceId), sk: sortKeyOf('idempotencyKey', sub, key) };
  }
}
