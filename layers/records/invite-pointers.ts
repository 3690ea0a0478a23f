import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { PLATFORM_PARTITION } from '../storage/tables';
import * as z from '../validation/z';

/**
 * What functions that do not yet know the practice need to find an invite: pointers in the PLATFORM
 * partition of the records table, written and read with the function's own credentials. Each holds ids
 * only (practice id, invite id), nothing about the patient, and expires (TTL) when it can no longer be used:
 *
 * - `INVITETOKEN#<token hash>`: the public join route (`/j/<token>`, next issue) computes the keyed hash of
 *   the token in the link (`InviteLinkKey`, one platform-wide HMAC key: KMS in AWS) and finds the practice
 *   and invite, then reads the invite through that practice's scoped credentials. The pointer is deleted when
 *   the invite is cancelled, replaced or expires, so an old link finds nothing.
 * - `SMSMESSAGE#<provider message id>`: the delivery-status function maps an SNS receipt to its invite.
 * - `INVITEDUE#<ISO time>#<practiceId>#<inviteId>#<what>`: the sweep's work list (links to expire, receipts
 *   to give up on after 72 hours), one key-range query per tick.
 *
 * Offboarding deletes the practice's partitions; its pointers then lead nowhere and expire within days.
 */

const Pointer = z.object({ practiceId: z.string(), inviteId: z.string() });
export type InvitePointer = z.infer<typeof Pointer>;

export const DUE_KINDS = ['link-expiry', 'receipt-timeout'] as const;
export type DueKind = (typeof DUE_KINDS)[number];

export interface DueItem extends InvitePointer {
  dueAt: string;
  kind: DueKind;
  sk: string;
}

const DueItemSchema = z.object({
  sk: z.string(),
  practiceId: z.string(),
  inviteId: z.string(),
  dueAt: z.string(),
  kind: z.enum(DUE_KINDS),
});

const DAY_SECONDS = 86_400;
const seconds = (at: Date) => Math.floor(at.getTime() / 1000);

export class InvitePointers {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putToken(tokenHash: string, pointer: InvitePointer, linkExpiresAt: Date): Promise<void> {
    await this.put(`INVITETOKEN#${checkHash(tokenHash)}`, pointer, seconds(linkExpiresAt) + DAY_SECONDS);
  }
  getToken(tokenHash: string): Promise<InvitePointer | undefined> {
    return this.get(`INVITETOKEN#${checkHash(tokenHash)}`);
  }
  async deleteToken(tokenHash: string): Promise<void> {
    await this.delete(`INVITETOKEN#${checkHash(tokenHash)}`);
  }

  async putMessage(providerMessageId: string, pointer: InvitePointer, keepUntil: Date): Promise<void> {
    await this.put(`SMSMESSAGE#${checkMessageId(providerMessageId)}`, pointer, seconds(keepUntil));
  }
  getMessage(providerMessageId: string): Promise<InvitePointer | undefined> {
    return this.get(`SMSMESSAGE#${checkMessageId(providerMessageId)}`);
  }

  async putDue(item: Omit<DueItem, 'sk'>): Promise<void> {
    const sk = `INVITEDUE#${item.dueAt}#${item.practiceId}#${item.inviteId}#${item.kind}`;
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: PLATFORM_PARTITION,
          sk,
          practiceId: item.practiceId,
          inviteId: item.inviteId,
          dueAt: item.dueAt,
          kind: item.kind,
          expiresAt: seconds(new Date(item.dueAt)) + 7 * DAY_SECONDS,
        },
      }),
    );
  }

  /** What is due by `now`, oldest first. */
  async listDue(now: Date, limit: number): Promise<DueItem[]> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': PLATFORM_PARTITION,
          ':from': 'INVITEDUE#',
          ':to': `INVITEDUE#${now.toISOString()}~`,
        },
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return (Items ?? []).map((item) => DueItemSchema.parse(item));
  }

  async deleteDue(item: Pick<DueItem, 'sk'>): Promise<void> {
    if (!item.sk.startsWith('INVITEDUE#')) throw new TypeError('Not a due item.');
    await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: { pk: PLATFORM_PARTITION, sk: item.sk } }),
    );
  }

  private async put(sk: string, pointer: InvitePointer, expiresAt: number): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: PLATFORM_PARTITION, sk, ...Pointer.parse(pointer), expiresAt },
      }),
    );
  }

  private async get(sk: string): Promise<InvitePointer | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: PLATFORM_PARTITION, sk },
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    if (typeof Item.expiresAt === 'number' && Item.expiresAt * 1000 <= Date.now()) return undefined;
    return Pointer.parse(Item);
  }

  private async delete(sk: string): Promise<void> {
    await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: { pk: PLATFORM_PARTITION, sk } }),
    );
  }
}

function checkHash(hash: string): string {
  if (!/^[A-Za-z0-9_-]{43}$/u.test(hash)) throw new TypeError('Not a token hash.');
  return hash;
}

function checkMessageId(id: string): string {
  if (!/^[A-Za-z0-9-]{1,100}$/u.test(id)) throw new TypeError('Not a provider message id.');
  return id;
}
