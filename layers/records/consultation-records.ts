import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { MEDIA_REGIONS } from '../meetings/regions';
import { PLATFORM_PARTITION } from '../storage/tables';
import * as z from '../validation/z';
import { practicePartition } from './record-keys';
import { sortKeyOf } from './record-kinds';

/**
 * One video consultation per invite, in the practice's partition of the records table
 * (`sk = CONSULTATION#<inviteId>`; the consultation id is the invite id). It holds where the patient got to on
 * the join page, the code attempts, the device check's yes/no answers, usage metadata (R14: browser family
 * and version, operating system, network type, call length; never an IP address), the meeting's ids and the
 * consultation state machine's state. Nothing that names the patient: their name stays on the invite.
 *
 * Every change is a read, a decision in plain code, and a write conditional on the version read (no
 * transactions, which dynalite lacks); a writer that lost the race decides again on what won.
 */

export const JOIN_STEPS = ['code-entry', 'device-check', 'waiting'] as const;
export type JoinStep = (typeof JOIN_STEPS)[number];
/** The steps a patient can leave at: the page's, then the meeting's (the state machine's `PatientStep`). */
export const JOIN_STEPS_AND_CALL = ['code-entry', 'device-check', 'waiting', 'admitted', 'in-call'] as const;

/** What the consultation's own timeline records (the console shows it beside the invite's). */
export const CONSULTATION_EVENTS = [
  'link-opened',
  'code-wrong',
  'locked',
  'code-accepted',
  'device-check',
  'waiting',
  'admitted',
  'joined',
  'reconnecting',
  'rejoined',
  'dissent',
  'ended',
  'opted-out',
  'region-changed',
] as const;
export type ConsultationEventName = (typeof CONSULTATION_EVENTS)[number];

export const ConsultationEntry = z.object({
  event: z.enum(CONSULTATION_EVENTS),
  at: z.iso.datetime(),
  /** A code (a step, a reason, a region), never free text. */
  detail: z.optional(z.string()),
});
export type ConsultationEntry = z.infer<typeof ConsultationEntry>;

export const DeviceCheckSummarySchema = z.object({
  browserSupported: z.boolean(),
  camera: z.boolean(),
  microphone: z.boolean(),
  microphoneLevel: z.boolean(),
  network: z.enum(['good', 'unreachable', 'not-checked']),
});
export type DeviceCheckSummary = z.infer<typeof DeviceCheckSummarySchema>;

export const UsageMetadataSchema = z.object({
  browser: z.string().check(z.maxLength(40)),
  browserVersion: z.string().check(z.maxLength(20)),
  os: z.string().check(z.maxLength(40)),
  networkType: z.optional(z.string().check(z.maxLength(20))),
});
export type UsageMetadata = z.infer<typeof UsageMetadataSchema>;

const MeetingRecord = z.object({
  meetingId: z.string(),
  mediaRegion: z.enum(MEDIA_REGIONS),
  clinicianAttendeeId: z.string(),
  patientAttendeeId: z.string(),
  /** The clinician's JoinInfo, encrypted under the practice key (CONSULTATION_JOIN_FIELD). */
  clinicianJoin: z.string(),
  /** The patient's, until it is handed to them once. */
  patientJoin: z.optional(z.string()),
  patientJoinIssuedAt: z.optional(z.string()),
  createdAt: z.string(),
});

export const StoredConsultation = z.object({
  inviteId: z.string(),
  createdAt: z.string(),
  version: z.number(),
  /** DynamoDB TTL (epoch seconds). */
  expiresAt: z.number(),
  step: z.enum(JOIN_STEPS),
  linkOpenedAt: z.optional(z.string()),
  code: z.object({ wrong: z.number(), lockedAt: z.optional(z.string()) }),
  consentedAt: z.optional(z.string()),
  /** SHA-256 of the join session the patient's browser holds after the right code (base64url). */
  sessionHash: z.optional(z.string()),
  waitingSince: z.optional(z.string()),
  deviceCheck: z.optional(z.object({ at: z.string(), summary: DeviceCheckSummarySchema })),
  usage: z.optional(UsageMetadataSchema),
  /** The clinician's choice for this consultation; the practice default applies until then. */
  mediaRegion: z.optional(z.enum(MEDIA_REGIONS)),
  meeting: z.optional(MeetingRecord),
  /** The consultation state machine's state (functions/consultations/consultation-state.ts), as JSON. */
  state: z.optional(z.string()),
  /** When an unanswered drop ends the consultation (ISO), while the patient is reconnecting. */
  graceDueAt: z.optional(z.string()),
  host: z.optional(z.object({ sub: z.string(), name: z.string() })),
  call: z.optional(
    z.object({
      startedAt: z.optional(z.string()),
      endedAt: z.optional(z.string()),
      durationSeconds: z.optional(z.number()),
    }),
  ),
  /** The patient's dissent (R10): when, at which step, how. Once. */
  dissent: z.optional(z.object({ at: z.string(), step: z.string(), reason: z.string() })),
  /**
   * The page was closed (sendBeacon) at this step: dissent unless the same join session is back within
   * `PAGE_RETURN_MS` (a reload comes back within a second; a closed tab does not).
   */
  pageLeft: z.optional(z.object({ at: z.string(), step: z.enum(JOIN_STEPS_AND_CALL) })),
  /** Ended for good (by anyone, for any reason): the link and the code never work again. */
  closedAt: z.optional(z.string()),
  closedReason: z.optional(z.string()),
  optedOutAt: z.optional(z.string()),
  events: z.array(ConsultationEntry),
});
export type StoredConsultation = z.infer<typeof StoredConsultation>;

export type ConsultationChange = Partial<Omit<StoredConsultation, 'inviteId' | 'version' | 'createdAt'>> & {
  /** Entries added to `events`. */
  add?: readonly ConsultationEntry[];
};

const MAX_EVENTS = 100;
const MAX_ATTEMPTS = 8;

export class ConsultationConflictError extends Error {
  override readonly name = 'ConsultationConflictError';
}

const ID = /^[A-Za-z0-9-]{8,64}$/;

/** The practice's consultations, through its scoped client. */
export class PracticeConsultations {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    readonly practiceId: string,
  ) {}

  async get(inviteId: string): Promise<StoredConsultation | undefined> {
    if (!ID.test(inviteId)) return undefined;
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(inviteId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const stored = StoredConsultation.parse(Item);
    return stored.expiresAt * 1000 <= Date.now() ? undefined : stored;
  }

  /** The consultation of an invite, made on first use (a conditional put: two first uses make one). */
  async getOrCreate(inviteId: string, now: Date, keepUntil: Date): Promise<StoredConsultation> {
    const existing = await this.get(inviteId);
    if (existing) return existing;
    const fresh: StoredConsultation = {
      inviteId,
      createdAt: now.toISOString(),
      version: 1,
      expiresAt: Math.floor(keepUntil.getTime() / 1000),
      step: 'code-entry',
      code: { wrong: 0 },
      events: [],
    };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...this.key(inviteId), ...fresh },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return fresh;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const winner = await this.get(inviteId);
      if (!winner) throw error;
      return winner;
    }
  }

  /**
   * Changes one consultation: `decide` sees the current record and returns the change (or none) and a result.
   * The write is conditional on the version seen; on a lost race `decide` runs again on the winner's record.
   */
  async mutate<T>(
    inviteId: string,
    decide: (current: StoredConsultation) => { change?: ConsultationChange; result: T },
  ): Promise<{ consultation: StoredConsultation; result: T; changed: boolean } | undefined> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.get(inviteId);
      if (!current) return undefined;
      const { change, result } = decide(current);
      if (!change || Object.keys(change).length === 0)
        return { consultation: current, result, changed: false };
      const { add, ...set } = change;
      const next: StoredConsultation = StoredConsultation.parse({
        ...current,
        ...set,
        version: current.version + 1,
        events: [...current.events, ...(add ?? [])].slice(-MAX_EVENTS),
      });
      // `undefined` in a change removes the attribute.
      const item: Record<string, unknown> = { ...this.key(inviteId), ...next };
      for (const [key, value] of Object.entries(set)) if (value === undefined) delete item[key];
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: item,
            ConditionExpression: 'version = :version',
            ExpressionAttributeValues: { ':version': current.version },
          }),
        );
        return { consultation: StoredConsultation.parse(item), result, changed: true };
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    throw new ConsultationConflictError('The consultation kept changing while it was being updated.');
  }

  /** Every consultation still kept, newest first (a practice has a few dozen a day). */
  async list(limit = 200): Promise<StoredConsultation[]> {
    const items: StoredConsultation[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: {
            ':pk': practicePartition(this.practiceId),
            ':prefix': sortKeyOf('consultation', ''),
          },
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        const stored = StoredConsultation.parse(item);
        if (stored.expiresAt * 1000 > Date.now()) items.push(stored);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    return items.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, limit);
  }

  private key(inviteId: string) {
    if (!ID.test(inviteId)) throw new TypeError('Not a consultation id.');
    return { pk: practicePartition(this.practiceId), sk: sortKeyOf('consultation', inviteId) };
  }
}

/** The wording the patient agreed to, versioned: a change of wording is a new version. */
export const CONSENT_WORDING = {
  version: 'video-consent-v1',
  text: (practice: string) =>
    `By entering the code you agree to a video consultation with ${practice}. You can leave at any time.`,
} as const;

export const StoredConsent = z.object({
  inviteId: z.string(),
  at: z.iso.datetime(),
  wordingVersion: z.string(),
  /** Browser family and version and the operating system; never the raw user agent or an IP address. */
  userAgent: z.string().check(z.maxLength(120)),
});
export type StoredConsent = z.infer<typeof StoredConsent>;

/** Consent, write-once: `attribute_not_exists`, so a second acceptance changes nothing. */
export class PracticeConsents {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    readonly practiceId: string,
  ) {}

  /** True if this call recorded it; false if consent was already on record (which is left as it was). */
  async record(consent: StoredConsent): Promise<boolean> {
    const item = StoredConsent.parse(consent);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...this.key(item.inviteId), ...item },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async get(inviteId: string): Promise<StoredConsent | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(inviteId), ConsistentRead: true }),
    );
    return Item ? StoredConsent.parse(Item) : undefined;
  }

  private key(inviteId: string) {
    if (!ID.test(inviteId)) throw new TypeError('Not an invite id.');
    return { pk: practicePartition(this.practiceId), sk: sortKeyOf('consent', inviteId) };
  }
}

export const VideoSettingsSchema = z.object({
  defaultMediaRegion: z.enum(MEDIA_REGIONS),
  updatedAt: z.optional(z.string()),
  updatedBy: z.optional(z.string()),
});
export type VideoSettings = z.infer<typeof VideoSettingsSchema>;

/** The practice's video settings; London until an admin changes it. */
export class PracticeVideoSettings {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    readonly practiceId: string,
  ) {}

  async get(): Promise<VideoSettings> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: this.key() }));
    if (!Item) return { defaultMediaRegion: 'eu-west-2' };
    return VideoSettingsSchema.parse(Item);
  }

  async put(settings: VideoSettings): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...this.key(), ...VideoSettingsSchema.parse(settings) },
      }),
    );
  }

  private key() {
    return { pk: practicePartition(this.practiceId), sk: sortKeyOf('videoSettings') };
  }
}

const MeetingPointerSchema = z.object({ practiceId: z.string(), consultationId: z.string() });
export type MeetingPointer = z.infer<typeof MeetingPointerSchema>;

export interface GraceDue extends MeetingPointer {
  dueAt: string;
  sk: string;
}

/**
 * What the meeting-event and grace-sweep functions need before they know the practice: pointers in the
 * PLATFORM partition of the records table, ids only.
 *
 * - `MEETING#<meetingId>` → practice and consultation: Chime's events name the meeting, not the practice.
 * - `CONSULTGRACE#<ISO time>#<practiceId>#<consultationId>`: a patient's dropped connection whose grace
 *   period ends then; the sweep reads what is due with one key-range query a minute.
 */
export class ConsultationPointers {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async putMeeting(meetingId: string, pointer: MeetingPointer, keepUntil: Date): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: PLATFORM_PARTITION,
          sk: `MEETING#${checkId(meetingId)}`,
          ...MeetingPointerSchema.parse(pointer),
          expiresAt: Math.floor(keepUntil.getTime() / 1000),
        },
      }),
    );
  }

  async getMeeting(meetingId: string): Promise<MeetingPointer | undefined> {
    if (!ID.test(meetingId)) return undefined;
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: PLATFORM_PARTITION, sk: `MEETING#${meetingId}` },
        ConsistentRead: true,
      }),
    );
    return Item ? MeetingPointerSchema.parse(Item) : undefined;
  }

  async putGraceDue(dueAt: Date, pointer: MeetingPointer): Promise<void> {
    const iso = dueAt.toISOString();
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: PLATFORM_PARTITION,
          sk: `CONSULTGRACE#${iso}#${checkId(pointer.practiceId)}#${checkId(pointer.consultationId)}`,
          ...MeetingPointerSchema.parse(pointer),
          dueAt: iso,
          expiresAt: Math.floor(dueAt.getTime() / 1000) + 86_400,
        },
      }),
    );
  }

  async listGraceDue(now: Date, limit = 100): Promise<GraceDue[]> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': PLATFORM_PARTITION,
          ':from': 'CONSULTGRACE#',
          ':to': `CONSULTGRACE#${now.toISOString()}~`,
        },
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return (Items ?? []).map((item) => ({
      ...MeetingPointerSchema.parse(item),
      dueAt: String(item.dueAt),
      sk: String(item.sk),
    }));
  }

  async deleteGraceDue(due: Pick<GraceDue, 'sk'>): Promise<void> {
    if (!due.sk.startsWith('CONSULTGRACE#')) throw new TypeError('Not a grace item.');
    await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: { pk: PLATFORM_PARTITION, sk: due.sk } }),
    );
  }
}

function checkId(id: string): string {
  if (!/^[A-Za-z0-9_-]{2,64}$/.test(id)) throw new TypeError('Not an id.');
  return id;
}
