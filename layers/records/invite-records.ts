import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { FieldCrypto } from '../crypto/field-crypto';
import { TIMELINE_VIEW_EVENTS } from '../universal/invite-status';
import * as z from '../validation/z';
import { practicePartition } from './record-keys';
import { INVITE_MESSAGE_FIELD, INVITE_MOBILE_FIELD, INVITE_PATIENT_FIELD, sortKeyOf } from './record-kinds';
import { UUID_PATTERN, uuidv7Floor } from './time-ids';

/**
 * One practice's invitations in the records table (`pk = PRACTICE#<id>`, `sk = INVITE#<inviteId>`, the id a
 * UUIDv7 so that the sort key orders them by creation). What identifies the patient is encrypted under the
 * practice key (their name and mobile ending, the mobile, the clinician's text); the link's token and the
 * code are never stored, only keyed hashes of them. Every change goes through `mutate`: read, work out the
 * change in plain code, write it conditional on the version read, and try again if someone else wrote first
 * (no transactions, which dynalite lacks; concurrent senders, receipts and cancellations settle by version).
 */

/** Where the invitation itself is (its SMS has a status of its own, `delivery`). */
export const INVITE_STATES = ['held', 'open', 'cancelled', 'replaced', 'rejected', 'expired'] as const;
export type InviteState = (typeof INVITE_STATES)[number];

// The same steps the console shows (one list, in the module the browser also imports): the text's, then the
// patient's journey on the join page and in the video (functions/join, functions/consultations).
export const TIMELINE_EVENTS = TIMELINE_VIEW_EVENTS;
export type TimelineEvent = (typeof TIMELINE_EVENTS)[number];

export const TimelineEntry = z.object({
  event: z.enum(TIMELINE_EVENTS),
  at: z.string(),
  /** Who did it (staff name), when a person did. */
  by: z.optional(z.string()),
  /** A code such as a failure reason; never free text from the provider. */
  detail: z.optional(z.string()),
});
export type TimelineEntry = z.infer<typeof TimelineEntry>;

export const DeliveryStatusSchema = z.union([
  z.object({
    state: z.enum(['created', 'queued', 'sending', 'sent', 'delivered', 'unknown', 'cancelled', 'expired']),
    at: z.string(),
  }),
  z.object({
    state: z.literal('failed'),
    at: z.string(),
    kind: z.enum(['permanent', 'temporary', 'technical']),
    reason: z.enum([
      'invalid-number',
      'blocked-number',
      'phone-blocks-texts',
      'opted-out',
      'carrier-blocked',
      'phone-unreachable',
      'carrier-unreachable',
      'unreachable',
      'price-limit',
      'message-rejected',
      'provider-error',
    ]),
  }),
]);

const Person = z.object({ sub: z.string(), name: z.string(), role: z.optional(z.string()) });

export const StoredInvite = z.object({
  inviteId: z.string(),
  lookupId: z.string(),
  createdAt: z.string(),
  createdBy: Person,
  /** The patient reference: the blind index of their NHS number (as the lookup's audit keeps it). */
  nhsNumberIndex: z.string(),
  /** The blind index of the mobile: opt-outs and the per-number limit match on it. */
  mobileIndex: z.string(),
  patient: z.string(),
  mobile: z.string(),
  message: z.optional(z.string()),
  segments: z.number(),
  state: z.enum(INVITE_STATES),
  delivery: DeliveryStatusSchema,
  /** When the link stops working (ISO); set once the invite is queued. */
  linkExpiresAt: z.optional(z.string()),
  tokenHash: z.optional(z.string()),
  codeHash: z.optional(z.string()),
  /** The current send: the queue message naming another is stale. */
  sendId: z.optional(z.string()),
  /** The sender attempt that holds the invite, until when (epoch ms). */
  claim: z.optional(z.object({ attemptId: z.string(), until: z.number() })),
  attempts: z.number(),
  lastError: z.optional(z.string()),
  providerMessageId: z.optional(z.string()),
  sentAt: z.optional(z.string()),
  priceUsd: z.optional(z.number()),
  parts: z.optional(z.number()),
  timeline: z.array(TimelineEntry),
  /** A re-send of this invite (shown as such). */
  resendOf: z.optional(z.string()),
  /** The invite this one replaces once its text is queued (the lookup's previous one, or a re-sent one). */
  replaces: z.optional(z.string()),
  replacedBy: z.optional(z.string()),
  review: z.optional(
    z.object({
      categories: z.array(z.string()),
      decision: z.optional(z.enum(['released', 'rejected'])),
      decidedBy: z.optional(Person),
      decidedAt: z.optional(z.string()),
    }),
  ),
  version: z.number(),
  /** DynamoDB TTL (epoch seconds): the record is kept this long, then deleted. */
  expiresAt: z.number(),
});
export type StoredInvite = z.infer<typeof StoredInvite>;

/** What `mutate` may change: attributes to set (never keys), to remove, and timeline entries to add. */
export interface InviteChange {
  set?: Partial<Omit<StoredInvite, 'inviteId' | 'version' | 'timeline'>>;
  remove?: readonly (keyof StoredInvite)[];
  timeline?: readonly TimelineEntry[];
}

export interface NewInvite
  extends Omit<StoredInvite, 'patient' | 'mobile' | 'message' | 'version' | 'expiresAt' | 'timeline'> {
  patient: { name: string; mobileEnding: string };
  /** E.164. */
  mobile: string;
  message?: string;
  timeline: TimelineEntry[];
  /** When the record is deleted (retention). */
  deleteAt: Date;
}

const MAX_ATTEMPTS = 8;

export class InviteConflictError extends Error {
  override readonly name = 'InviteConflictError';
}

export class PracticeInvites {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    readonly practiceId: string,
    private readonly crypto?: FieldCrypto,
  ) {}

  private fields(): FieldCrypto {
    if (!this.crypto) throw new TypeError('These invites were opened without the practice keys.');
    return this.crypto;
  }

  async create(invite: NewInvite): Promise<StoredInvite> {
    const fields = this.fields();
    const [patient, mobile, message] = await Promise.all([
      fields.encrypt(this.practiceId, INVITE_PATIENT_FIELD, JSON.stringify(invite.patient)),
      fields.encrypt(this.practiceId, INVITE_MOBILE_FIELD, invite.mobile),
      invite.message ? fields.encrypt(this.practiceId, INVITE_MESSAGE_FIELD, invite.message) : undefined,
    ]);
    const { deleteAt, ...rest } = invite;
    const stored = StoredInvite.parse({
      ...rest,
      patient,
      mobile,
      ...(message ? { message } : {}),
      version: 1,
      expiresAt: Math.floor(deleteAt.getTime() / 1000),
    });
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...this.key(invite.inviteId), ...stored },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return stored;
  }

  /** A copy of another invite's encrypted values under a new id (a re-send): same practice, same fields. */
  async createFrom(
    source: StoredInvite,
    invite: Omit<StoredInvite, 'patient' | 'mobile' | 'message' | 'version'>,
  ): Promise<StoredInvite> {
    const stored = StoredInvite.parse({
      ...invite,
      patient: source.patient,
      mobile: source.mobile,
      ...(source.message ? { message: source.message } : {}),
      version: 1,
    });
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...this.key(invite.inviteId), ...stored },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return stored;
  }

  /** The invite as stored (encrypted values as they are); undefined when there is none or it was deleted. */
  async get(inviteId: string): Promise<StoredInvite | undefined> {
    if (!UUID_PATTERN.test(inviteId)) return undefined;
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(inviteId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const stored = StoredInvite.parse(Item);
    return stored.expiresAt * 1000 <= Date.now() ? undefined : stored;
  }

  /** Invites made between two times, newest first (their ids sort by creation time). */
  async listCreatedBetween(from: Date, to: Date, limit = 500): Promise<StoredInvite[]> {
    const items: StoredInvite[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': practicePartition(this.practiceId),
            ':from': sortKeyOf('invite', uuidv7Floor(from.getTime())),
            ':to': sortKeyOf('invite', uuidv7Floor(to.getTime())),
          },
          ScanIndexForward: false,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        const stored = StoredInvite.parse(item);
        if (stored.expiresAt * 1000 > Date.now()) items.push(stored);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    return items.slice(0, limit);
  }

  /**
   * Changes one invite: `decide` sees the current record and returns the change (or undefined: nothing to
   * do, and its `result` is returned as is). The write is conditional on the version it saw; if another
   * writer came first, `decide` runs again on what they wrote. Returns the record after the change.
   */
  async mutate<T>(
    inviteId: string,
    decide: (current: StoredInvite) => { change?: InviteChange; result: T },
  ): Promise<{ invite: StoredInvite; result: T; changed: boolean } | undefined> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.get(inviteId);
      if (!current) return undefined;
      const { change, result } = decide(current);
      if (!change || isEmpty(change)) return { invite: current, result, changed: false };
      const updated = await this.write(current, change);
      if (updated) return { invite: updated, result, changed: true };
    }
    throw new InviteConflictError('The invite kept changing while it was being updated.');
  }

  async decryptPatient(invite: StoredInvite): Promise<{ name: string; mobileEnding: string }> {
    const json = await this.fields().decrypt(this.practiceId, INVITE_PATIENT_FIELD, invite.patient);
    return z.object({ name: z.string(), mobileEnding: z.string() }).parse(JSON.parse(json));
  }

  decryptMobile(invite: StoredInvite): Promise<string> {
    return this.fields().decrypt(this.practiceId, INVITE_MOBILE_FIELD, invite.mobile);
  }

  async decryptMessage(invite: StoredInvite): Promise<string | undefined> {
    if (!invite.message) return undefined;
    return this.fields().decrypt(this.practiceId, INVITE_MESSAGE_FIELD, invite.message);
  }

  private async write(current: StoredInvite, change: InviteChange): Promise<StoredInvite | undefined> {
    const names: Record<string, string> = { '#version': 'version' };
    const values: Record<string, unknown> = { ':version': current.version, ':next': current.version + 1 };
    const sets = ['#version = :next'];
    let n = 0;
    for (const [attribute, value] of Object.entries(change.set ?? {})) {
      if (value === undefined) continue;
      n++;
      names[`#a${n}`] = attribute;
      values[`:v${n}`] = value;
      sets.push(`#a${n} = :v${n}`);
    }
    if (change.timeline && change.timeline.length > 0) {
      names['#timeline'] = 'timeline';
      values[':timeline'] = change.timeline.map((entry) => TimelineEntry.parse(entry));
      values[':empty'] = [];
      sets.push('#timeline = list_append(if_not_exists(#timeline, :empty), :timeline)');
    }
    const removes = (change.remove ?? []).map((attribute) => {
      n++;
      names[`#a${n}`] = attribute;
      return `#a${n}`;
    });
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(current.inviteId),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return StoredInvite.parse(Attributes);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  private key(inviteId: string) {
    if (!UUID_PATTERN.test(inviteId)) throw new TypeError('Not an invite id.');
    return { pk: practicePartition(this.practiceId), sk: sortKeyOf('invite', inviteId) };
  }
}

function isEmpty(change: InviteChange): boolean {
  return (
    Object.values(change.set ?? {}).every((value) => value === undefined) &&
    (change.remove ?? []).length === 0 &&
    (change.timeline ?? []).length === 0
  );
}
