import {
  type AuditDigest,
  AuditDigest as AuditDigestSchema,
  type AuditEventRecord,
  compareEvents,
  DIGEST_FORMAT,
  DigestConflictError,
  digestBytes,
  digestHash,
  eventHash,
  GENESIS,
  HASH_ALGORITHM,
  isoTime,
  SIGNATURE_ALGORITHM,
  type SignedAuditDigest,
} from './digest';
import type { DigestStore } from './digest-store';
import type { EventSource } from './event-source';
import type { DigestSigner } from './signing';

/**
 * How long after its `at` an event is first sealed. An event's `at` is taken before its write completes, and
 * Lambda clocks differ a little: waiting half a minute means nearly every event is in the store by the time
 * the range it falls in is sealed.
 */
export const DEFAULT_SETTLE_MS = 30_000;

/**
 * How far back each run also looks for events that arrived after the range they fall in was sealed. Longer
 * than Lambda's 15-minute maximum duration, which bounds how long an event's `at` can precede its write here.
 * Such an event is sealed by the next digest, with its own `at` (earlier than that digest's start, as
 * CloudTrail's `oldestEventTime` is earlier than `digestStartTime` for a late log file), so it is never
 * dropped; one that arrives later still is reported by the verifier as `inserted`.
 */
export const DEFAULT_LATE_WINDOW_MS = 20 * 60_000;

/**
 * The most events one digest seals (besides late ones): a digest is one DynamoDB item, at most 400 KB, and each
 * sealed event takes about 150 bytes of it. A practice seals a handful every five minutes; a backlog (a first
 * run over an existing trail, a sealer that was stopped) is sealed in several digests, each ending where its
 * last event's time ends, and `SealResult.more` says there is more to seal now.
 */
export const DEFAULT_MAX_EVENTS = 2_000;

export interface SealPracticeOptions {
  practiceId: string;
  events: EventSource;
  digests: DigestStore;
  signer: DigestSigner;
  now?: Date;
  settleMs?: number;
  lateWindowMs?: number;
  maxEvents?: number;
}

export type SealResult =
  /**
   * A digest was written; `late` of its events belong to earlier ranges (see DEFAULT_LATE_WINDOW_MS); `more`:
   * it stopped at `maxEvents`, and events after its end are due already.
   */
  | { status: 'sealed'; digest: AuditDigest; late: number; more: boolean }
  /** Nothing to seal yet: the last digest already ends at (or after) `now - settle`. */
  | { status: 'not-due'; sealedThrough: string }
  /** Another sealer wrote this sequence number first; its digest stands, and this run wrote nothing. */
  | { status: 'superseded'; sequence: number };

/** The latest digest cannot be read as one: sealing stops rather than chain onto something unknown. */
export class DigestChainError extends Error {
  override readonly name: string = 'DigestChainError';
}

/**
 * Seals a practice's events since its last digest in one new digest (CloudTrail-style: written even when it
 * seals nothing, so a stopped sealer shows as a gap, not as a quiet period).
 *
 * The range sealed is [previous digest's end, now - settle), by event time `at`. Safe to run at any time, twice
 * or concurrently: the latest stored digest is the only cursor, so a crash before `put` leaves nothing behind and
 * the next run seals the same events; a crash after it leaves a complete digest the next run continues from; and
 * of two concurrent runs one gets the sequence number and the other is `superseded`. An event is never sealed
 * twice: events in the range are after every earlier digest's end, and late ones are skipped when any digest of
 * the late window already holds their id.
 */
export async function sealPractice(options: SealPracticeOptions): Promise<SealResult> {
  const { practiceId, events, digests, signer } = options;
  const now = options.now ?? new Date();
  const lateWindowMs = options.lateWindowMs ?? DEFAULT_LATE_WINDOW_MS;
  const end = isoTime(new Date(now.getTime() - (options.settleMs ?? DEFAULT_SETTLE_MS)));

  const maxEvents = options.maxEvents ?? DEFAULT_MAX_EVENTS;
  const previous = await latestDigest(digests, practiceId);
  const start = previous ? previous.digest.digestEndTime : GENESIS;
  if (end <= start) return { status: 'not-due', sealedThrough: start };
  let digestEnd = end;
  let more = false;

  const lookFrom = previous ? isoTime(new Date(new Date(start).getTime() - lateWindowMs)) : undefined;
  const inRange: AuditEventRecord[] = [];
  const lateCandidates: AuditEventRecord[] = [];
  const seen = new Set<string>();
  for await (const event of events.list(practiceId, { from: lookFrom, to: end })) {
    // A second item with an id already seen this run is not sealed again: the verifier reports it as inserted.
    if (typeof event.eventId !== 'string' || typeof event.at !== 'string' || seen.has(event.eventId))
      continue;
    seen.add(event.eventId);
    if (event.at >= start) {
      // Full: this digest ends where the first event it cannot take begins (events arrive in time order).
      if (inRange.length >= maxEvents && event.at > (inRange.at(-1) as AuditEventRecord).at) {
        digestEnd = event.at;
        more = true;
        break;
      }
      inRange.push(event);
    } else lateCandidates.push(event);
  }
  const late = lateCandidates.length > 0 ? await unsealed(digests, practiceId, lateCandidates, lookFrom) : [];
  const sealed = [...late, ...inRange].sort(compareEvents);

  const digest: AuditDigest = {
    format: DIGEST_FORMAT,
    practiceId,
    sequence: previous ? previous.digest.sequence + 1 : 1,
    digestStartTime: start,
    digestEndTime: digestEnd,
    oldestEventTime: sealed[0]?.at ?? null,
    newestEventTime: sealed.at(-1)?.at ?? null,
    previousDigestSignature: previous?.signature ?? null,
    previousDigestHashValue: previous ? digestHash(previous.digest) : null,
    previousDigestHashAlgorithm: previous ? HASH_ALGORITHM : null,
    signingKeyId: signer.keyId,
    signatureAlgorithm: SIGNATURE_ALGORITHM,
    eventHashAlgorithm: HASH_ALGORITHM,
    createdAt: now.toISOString(),
    events: sealed.map((event) => ({ eventId: event.eventId, at: event.at, hash: eventHash(event) })),
  };
  const signature = await signer.sign(digestBytes(digest));
  try {
    await digests.put({ digest, signature: Buffer.from(signature).toString('hex') });
  } catch (error) {
    if (error instanceof DigestConflictError) return { status: 'superseded', sequence: digest.sequence };
    throw error;
  }
  return { status: 'sealed', digest, late: late.length, more };
}

async function latestDigest(
  digests: DigestStore,
  practiceId: string,
): Promise<SignedAuditDigest | undefined> {
  const latest = await digests.latest(practiceId);
  if (latest === undefined) return undefined;
  const parsed = AuditDigestSchema.safeParse(latest.digest);
  if (!parsed.success || parsed.data.practiceId !== practiceId || typeof latest.signature !== 'string') {
    throw new DigestChainError(`The latest audit digest of ${practiceId} is unreadable; sealing stopped.`);
  }
  return { digest: parsed.data, signature: latest.signature };
}

/** The late candidates that no digest of the late window holds yet. */
async function unsealed(
  digests: DigestStore,
  practiceId: string,
  candidates: AuditEventRecord[],
  lookFrom: string | undefined,
): Promise<AuditEventRecord[]> {
  const sealedIds = new Set<string>();
  // Any digest ending after the window began may hold a late event of the window (a late event's digest ends
  // after its `at`), so all of those are read; that is at most a few dozen small digests.
  for await (const signed of digests.list(practiceId, { endAfter: lookFrom })) {
    for (const entry of signed.digest?.events ?? []) sealedIds.add(entry.eventId);
  }
  return candidates.filter((event) => !sealedIds.has(event.eventId));
}
