import { type Countable, countByDay, type DynamoAuditTotals } from '../../layers/audit/day-totals';
import type { SignedAuditDigest } from '../../layers/audit/seal/digest';
import type { DigestStore } from '../../layers/audit/seal/digest-store';
import type { EventRange, EventSource } from '../../layers/audit/seal/event-source';
import {
  DEFAULT_LATE_WINDOW_MS,
  DEFAULT_SETTLE_MS,
  type SealResult,
  sealPractice,
} from '../../layers/audit/seal/sealer';
import type { DigestSigner } from '../../layers/audit/seal/signing';
import { addDays, ukDay, ukDayStart } from '../../layers/universal/uk-days';

/** What sealing one practice needs: its events, its digests (table + write-once copies), its totals. */
export interface PracticeSealing {
  practiceId: string;
  events: EventSource;
  digests: DigestStore;
  totals: Pick<DynamoAuditTotals, 'putDigestCounts' | 'hasDigestCounts' | 'lastRolledUpDay' | 'rollUp'>;
  signer: DigestSigner;
  now?: Date;
  settleMs?: number;
  lateWindowMs?: number;
  maxEvents?: number;
}

export interface PracticeSealOutcome {
  practiceId: string;
  /** Digests written by this run (0 when nothing was due or another sealer got there first). */
  digests: number;
  events: number;
  late: number;
  /** The end of the practice's newest digest after this run. */
  sealedThrough: string | null;
  /** Days whose totals this run summed up. */
  daysRolledUp: number;
  /** The latest digest's totals were missing (a crash after its write) and were written again. */
  repaired: boolean;
}

type Counted = Countable & { eventId: string };

/** An event source that remembers, of what it lists, what the totals need (not the details). */
class CountingSource implements EventSource {
  readonly seen = new Map<string, Counted>();
  constructor(private readonly inner: EventSource) {}
  async *list(practiceId: string, range?: EventRange) {
    for await (const record of this.inner.list(practiceId, range)) {
      if (typeof record.eventId === 'string' && !this.seen.has(record.eventId)) {
        const { eventId, at, type, actor, subject } = record;
        this.seen.set(eventId, { eventId, at, type, actor, subject });
      }
      yield record;
    }
  }
}

const shift = (iso: string, ms: number) => new Date(new Date(iso).getTime() + ms).toISOString();

/** The events a digest sealed, read back from the store (to recount a digest whose totals are missing). */
async function sealedRecords(
  events: EventSource,
  practiceId: string,
  signed: SignedAuditDigest,
  lateWindowMs: number,
): Promise<Counted[]> {
  const wanted = new Set(signed.digest.events.map((entry) => entry.eventId));
  const found: Counted[] = [];
  const from = shift(signed.digest.digestStartTime, -lateWindowMs);
  for await (const record of events.list(practiceId, { from, to: signed.digest.digestEndTime })) {
    if (wanted.delete(record.eventId)) found.push(record);
  }
  return found;
}

/**
 * One scheduled run for one practice: repair the latest digest's totals if a crash left them unwritten, seal
 * everything due (several digests when there is a backlog), record what each sealed per day, and sum the
 * days no later digest can add to. Idempotent and safe beside a concurrent run (see `sealPractice`).
 */
export async function sealPracticeTrail(options: PracticeSealing): Promise<PracticeSealOutcome> {
  const { practiceId, events, digests, totals, signer } = options;
  const lateWindowMs = options.lateWindowMs ?? DEFAULT_LATE_WINDOW_MS;
  const outcome: PracticeSealOutcome = {
    practiceId,
    digests: 0,
    events: 0,
    late: 0,
    sealedThrough: null,
    daysRolledUp: 0,
    repaired: false,
  };

  await ensureLatestCounted(options, lateWindowMs, outcome);

  let result: SealResult;
  for (;;) {
    const source = new CountingSource(events);
    result = await sealPractice({
      practiceId,
      events: source,
      digests,
      signer,
      lateWindowMs,
      ...(options.now ? { now: options.now } : {}),
      ...(options.settleMs !== undefined ? { settleMs: options.settleMs } : {}),
      ...(options.maxEvents !== undefined ? { maxEvents: options.maxEvents } : {}),
    });
    if (result.status !== 'sealed') break;
    const { digest } = result;
    const records = digest.events.map((entry) => source.seen.get(entry.eventId) as Counted);
    if (records.length > 0) await totals.putDigestCounts(practiceId, digest.sequence, countByDay(records));
    outcome.digests++;
    outcome.events += digest.events.length;
    outcome.late += result.late;
    outcome.sealedThrough = digest.digestEndTime;
    if (!result.more) break;
  }
  if (result.status === 'not-due') outcome.sealedThrough = result.sealedThrough;

  // A day is complete once sealing has passed its end by the late window: no digest can add to it. Which
  // digest is newest is read again, its totals made sure of (another sealer may have written it meanwhile and
  // not yet its totals): every older digest's are there (whoever wrote a digest made sure of the one before).
  const newest = await ensureLatestCounted(options, lateWindowMs, outcome);
  const sealedThrough = newest?.digest?.digestEndTime;
  if (typeof sealedThrough === 'string') {
    const complete = (day: string) => shift(ukDayStart(addDays(day, 1)), lateWindowMs) <= sealedThrough;
    const last = await totals.lastRolledUpDay(practiceId);
    const first = last ? addDays(last, 1) : await firstEventDay(events, practiceId);
    for (let day = first; day !== undefined && complete(day); day = addDays(day, 1)) {
      await totals.rollUp(practiceId, day);
      outcome.daysRolledUp++;
    }
  }
  return outcome;
}

/**
 * The newest digest, with its per-day totals written: if a run crashed (or a concurrent sealer is still
 * running) between writing it and its totals, they are counted again from its events and written (a no-op
 * when they are there after all).
 */
async function ensureLatestCounted(
  options: PracticeSealing,
  lateWindowMs: number,
  outcome: PracticeSealOutcome,
): Promise<SignedAuditDigest | undefined> {
  const { practiceId, digests, totals, events } = options;
  const latest = await digests.latest(practiceId);
  if (latest?.digest?.events?.length) {
    const days = [...new Set(latest.digest.events.map((entry) => ukDay(entry.at)))];
    if (!(await totals.hasDigestCounts(practiceId, latest.digest.sequence, days))) {
      const records = await sealedRecords(events, practiceId, latest, lateWindowMs);
      await totals.putDigestCounts(practiceId, latest.digest.sequence, countByDay(records));
      outcome.repaired = true;
    }
  }
  return latest;
}

/** The UK day of a practice's oldest stored event, where summing days starts. */
async function firstEventDay(events: EventSource, practiceId: string): Promise<string | undefined> {
  for await (const record of events.list(practiceId)) {
    if (typeof record.at === 'string') return ukDay(record.at);
  }
  return undefined;
}

export const SEALING_DEFAULTS = { settleMs: DEFAULT_SETTLE_MS, lateWindowMs: DEFAULT_LATE_WINDOW_MS };
