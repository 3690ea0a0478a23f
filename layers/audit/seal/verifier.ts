import {
  type AuditDigest,
  compareEvents,
  digestBytes,
  digestHash,
  eventHash,
  GENESIS,
  isoTime,
  SignedAuditDigest,
} from './digest';
import type { DigestStore } from './digest-store';
import type { EventSource } from './event-source';
import { DEFAULT_LATE_WINDOW_MS } from './sealer';
import type { DigestKeyring } from './signing';

export interface VerifyPracticeOptions {
  practiceId: string;
  events: EventSource;
  digests: DigestStore;
  /** The public keys to trust; nothing else is needed (no signing permission, no private key). */
  keys: DigestKeyring;
  /** Check only events with `from <= at < to` (and the digests around them). */
  from?: string;
  to?: string;
  /** Must be the sealer's: an unsealed event this recent is pending, not inserted. */
  lateWindowMs?: number;
  /** With `maxLagMs`: a last digest ending before `now - maxLagMs` is a break (sealing stopped or the tail is gone). */
  now?: Date;
  maxLagMs?: number;
}

/**
 * - `changed`: the stored event's hash differs from the one sealed (any attribute, even an added one).
 * - `missing`: sealed, but no longer in the store.
 * - `inserted`: in the store, in a sealed range, but in no digest (or a second item with a sealed id).
 * - `reordered`: unchanged, but the store returns it out of the sealed order (its sort key was rewritten).
 */
export type EventBreakKind = 'changed' | 'missing' | 'inserted' | 'reordered';

export interface EventBreak {
  kind: EventBreakKind;
  eventId: string;
  at: string;
  /** The digest that sealed it (null for `inserted`). */
  sequence: number | null;
  detail: string;
}

export type DigestBreakReason =
  /** Not a digest at all (cannot be parsed), so it cannot be checked. */
  | 'malformed'
  /** Names a key the verifier does not trust: signed by another key. */
  | 'unknown-key'
  /** The signature does not verify with the key it names: the digest was changed after signing. */
  | 'bad-signature'
  /** Sequence numbers skip: digests were removed. */
  | 'sequence-gap'
  /** Two digests claim one sequence number. */
  | 'duplicate-sequence'
  /** Consecutive digests whose ranges do not meet. */
  | 'time-gap'
  /** A valid digest that does not name its predecessor's signature, or hash: the predecessor was changed or replaced. */
  | 'previous-signature-mismatch'
  | 'previous-hash-mismatch'
  /** The first digest does not start the chain (range from the genesis, no predecessor). */
  | 'not-a-chain-start'
  /** A digest of another practice in this practice's chain. */
  | 'other-practice'
  /** The last digest is older than allowed (see `maxLagMs`). */
  | 'stale';

export interface DigestBreak {
  kind: 'digest-signature-invalid' | 'digest-chain-broken';
  /** The digest where the break shows (for a gap, the first digest after it); null if unreadable. */
  sequence: number | null;
  reason: DigestBreakReason;
  detail: string;
  /**
   * Stored events whose time falls where no valid digest vouches for them (the range of a removed or invalid
   * digest): they cannot be checked, and are named here rather than as `inserted`.
   */
  unverifiedEventIds: string[];
}

export type IntegrityBreak = EventBreak | DigestBreak;

export interface VerifyReport {
  practiceId: string;
  from: string | null;
  to: string | null;
  intact: boolean;
  digestsChecked: number;
  /** Events sealed by the valid digests (within the range). */
  eventsSealed: number;
  /** Stored events compared with the digests. */
  eventsChecked: number;
  /** Stored events newer than the last digest, or recent enough to be sealed late by the next run. */
  eventsNotYetSealed: number;
  /** The end of the last valid digest: events before it are sealed. */
  sealedThrough: string | null;
  breaks: IntegrityBreak[];
}

interface Checked {
  sequence: number | null;
  digest?: AuditDigest;
  signature?: string;
  trusted: boolean;
  break?: DigestBreak;
}

/**
 * Checks a practice's audit trail against its digests with only the public keys: every digest's signature, the
 * chain (consecutive sequence numbers, contiguous ranges, each digest naming its predecessor's signature and
 * hash), and every stored event against the digest that sealed it. Reports every break it finds, naming events
 * by id; it never stops at the first.
 */
export async function verifyPractice(options: VerifyPracticeOptions): Promise<VerifyReport> {
  const { practiceId, events, digests, keys } = options;
  const from = options.from === undefined ? undefined : isoTime(options.from);
  const to = options.to === undefined ? undefined : isoTime(options.to);
  const lateWindowMs = options.lateWindowMs ?? DEFAULT_LATE_WINDOW_MS;
  const shift = (time: string, ms: number) => isoTime(new Date(new Date(time).getTime() + ms));

  // Late events are sealed by a digest starting up to one late window after their time.
  const listed: unknown[] = [];
  for await (const signed of digests.list(practiceId, {
    endAfter: from,
    startBefore: to === undefined ? undefined : shift(to, lateWindowMs),
  })) {
    listed.push(signed);
  }
  const chain = listed.map((raw) => check(raw, practiceId, keys));
  const first = chain[0];
  let predecessor: Checked | undefined;
  if (from !== undefined && first?.sequence !== null && first?.sequence !== undefined && first.sequence > 1) {
    const found = await digests.get(practiceId, first.sequence - 1);
    if (found !== undefined) predecessor = check(found, practiceId, keys);
  }

  const breaks: IntegrityBreak[] = [];
  const walked = walkChain(predecessor ? [predecessor, ...chain] : chain, predecessor, from !== undefined);
  const digestBreaks = walked.breaks;
  const windows = walked.windows;
  // A range ending early lists only the digests up to it, so staleness is judged on the whole chain only.
  if (options.now !== undefined && options.maxLagMs !== undefined && to === undefined) {
    const last = [...chain].reverse().find((entry) => entry.digest);
    const due = isoTime(new Date(options.now.getTime() - options.maxLagMs));
    const end = last?.digest?.digestEndTime ?? GENESIS;
    if (end < due) {
      digestBreaks.push({
        kind: 'digest-chain-broken',
        sequence: last?.sequence ?? null,
        reason: 'stale',
        detail: `The last digest ends at ${end}; sealing should have reached ${due}.`,
        unverifiedEventIds: [],
      });
    }
  }
  breaks.push(...digestBreaks);

  const trusted = chain.filter((entry) => entry.trusted && entry.digest) as (Checked & {
    digest: AuditDigest;
  })[];
  const sealedThrough = trusted.at(-1)?.digest.digestEndTime ?? null;
  const parsed = chain.filter((entry) => entry.digest);
  const horizon = parsed.at(-1)?.digest?.digestEndTime;
  const pendingFrom = horizon === undefined ? undefined : shift(horizon, -lateWindowMs);

  const inRange = (at: string) => (from === undefined || at >= from) && (to === undefined || at < to);
  const sealed = new Map<string, { at: string; hash: string; sequence: number }>();
  for (const { digest } of trusted) {
    for (const entry of digest.events) {
      if (inRange(entry.at) && !sealed.has(entry.eventId)) {
        sealed.set(entry.eventId, { at: entry.at, hash: entry.hash, sequence: digest.sequence });
      }
    }
  }
  const rank = new Map(
    [...sealed.entries()]
      .map(([eventId, entry]) => ({ eventId, at: entry.at }))
      .sort(compareEvents)
      .map((entry, index) => [entry.eventId, index] as const),
  );

  const eventBreaks: EventBreak[] = [];
  const seen = new Set<string>();
  const order: { eventId: string; rank: number }[] = [];
  let eventsChecked = 0;
  let eventsNotYetSealed = 0;
  for await (const event of events.list(practiceId, { from, to })) {
    const eventId = typeof event.eventId === 'string' ? event.eventId : String(event.eventId);
    const at = typeof event.at === 'string' ? event.at : String(event.at);
    const entry = sealed.get(eventId);
    if (seen.has(eventId)) {
      eventsChecked++;
      eventBreaks.push({
        kind: 'inserted',
        eventId,
        at,
        sequence: null,
        detail: 'A second stored item with the id of an event already read.',
      });
      continue;
    }
    seen.add(eventId);
    if (entry) {
      eventsChecked++;
      if (hashOf(event) !== entry.hash) {
        eventBreaks.push({
          kind: 'changed',
          eventId,
          at,
          sequence: entry.sequence,
          detail: `Its content differs from what digest ${entry.sequence} sealed.`,
        });
      } else {
        order.push({ eventId, rank: rank.get(eventId) as number });
      }
      continue;
    }
    const window = windows.find(
      (candidate) => at >= candidate.from && (candidate.to === null || at < candidate.to),
    );
    if (window) {
      eventsChecked++;
      window.brk.unverifiedEventIds.push(eventId);
    } else if (pendingFrom === undefined || at >= pendingFrom) {
      eventsNotYetSealed++;
    } else {
      eventsChecked++;
      eventBreaks.push({
        kind: 'inserted',
        eventId,
        at,
        sequence: null,
        detail: 'In a sealed range, but no digest holds it.',
      });
    }
  }

  const inOrder = longestIncreasing(order.map((item) => item.rank));
  order.forEach((item, index) => {
    if (inOrder.has(index)) return;
    const entry = sealed.get(item.eventId) as { at: string; sequence: number };
    eventBreaks.push({
      kind: 'reordered',
      eventId: item.eventId,
      at: entry.at,
      sequence: entry.sequence,
      detail: 'Unchanged, but stored out of the sealed order.',
    });
  });
  for (const [eventId, entry] of sealed) {
    if (seen.has(eventId)) continue;
    eventBreaks.push({
      kind: 'missing',
      eventId,
      at: entry.at,
      sequence: entry.sequence,
      detail: `Sealed by digest ${entry.sequence}, no longer stored.`,
    });
  }
  breaks.push(...eventBreaks);

  return {
    practiceId,
    from: from ?? null,
    to: to ?? null,
    intact: breaks.length === 0,
    digestsChecked: chain.length,
    eventsSealed: sealed.size,
    eventsChecked,
    eventsNotYetSealed,
    sealedThrough,
    breaks,
  };
}

function hashOf(event: Parameters<typeof eventHash>[0]): string | undefined {
  try {
    return eventHash(event);
  } catch {
    return undefined; // not JSON any more: certainly not what was sealed
  }
}

function check(raw: unknown, practiceId: string, keys: DigestKeyring): Checked {
  const claimed = (raw as { digest?: { sequence?: unknown } } | undefined)?.digest?.sequence;
  const sequence = typeof claimed === 'number' && Number.isSafeInteger(claimed) ? claimed : null;
  const parsed = SignedAuditDigest.safeParse(raw);
  const invalid = (reason: DigestBreakReason, detail: string, digest?: AuditDigest): Checked => ({
    sequence,
    digest,
    signature: parsed.success ? parsed.data.signature : undefined,
    trusted: false,
    break: {
      kind: reason === 'other-practice' ? 'digest-chain-broken' : 'digest-signature-invalid',
      sequence,
      reason,
      detail,
      unverifiedEventIds: [],
    },
  });
  if (!parsed.success) return invalid('malformed', 'Not a well-formed audit digest.');
  const { digest, signature } = parsed.data;
  if (digest.practiceId !== practiceId) {
    return invalid('other-practice', `A digest of practice ${digest.practiceId}.`, digest);
  }
  const verifier = keys.get(digest.signingKeyId);
  if (!verifier) {
    return invalid('unknown-key', `Signed with ${digest.signingKeyId}, which is not a trusted key.`, digest);
  }
  if (!verifier.verify(digestBytes(digest), Buffer.from(signature, 'hex'))) {
    return invalid('bad-signature', `The signature does not verify with ${digest.signingKeyId}.`, digest);
  }
  return { sequence, digest, signature, trusted: true };
}

/**
 * The break in the link from the last readable digest before `entry` to `entry`, if any. The head of the chain
 * (no predecessor) must be digest 1, starting at the genesis with no previous digest.
 */
function linkBreak(previous: Checked | undefined, entry: Checked, chain: Checked[], ranged: boolean) {
  const chainBreak = (reason: DigestBreakReason, detail: string): DigestBreak => ({
    kind: 'digest-chain-broken',
    sequence: entry.sequence,
    reason,
    detail,
    unverifiedEventIds: [],
  });
  const b = entry.digest;
  if (!b) return undefined; // unreadable: its own break says so; the next readable digest links over it
  if (!previous?.digest) {
    if (b.sequence > 1) {
      const detail = ranged
        ? `Digest ${b.sequence - 1}, before the range, is missing.`
        : b.sequence === 2
          ? 'Digest 1 is missing.'
          : `Digests 1 to ${b.sequence - 1} are missing.`;
      return chainBreak('sequence-gap', detail);
    }
    if (entry.trusted && (b.digestStartTime !== GENESIS || b.previousDigestSignature !== null)) {
      return chainBreak('not-a-chain-start', 'Digest 1 does not start a chain.');
    }
    return undefined;
  }
  const a = previous.digest;
  if (b.sequence === a.sequence)
    return chainBreak('duplicate-sequence', `Two digests claim sequence ${b.sequence}.`);
  if (b.sequence < a.sequence)
    return chainBreak('sequence-gap', `Digest ${b.sequence} comes after ${a.sequence}.`);
  if (b.sequence > a.sequence + 1) {
    // Sequence numbers held by unreadable digests are not missing: those have breaks of their own.
    const unreadable = new Set(chain.filter((c) => !c.digest).map((c) => c.sequence));
    const absent: number[] = [];
    for (let sequence = a.sequence + 1; sequence < b.sequence; sequence++) {
      if (!unreadable.has(sequence)) absent.push(sequence);
    }
    if (absent.length > 0) {
      const which = absent.length > 1 ? `Digests ${absent.join(', ')} are` : `Digest ${absent[0]} is`;
      return chainBreak('sequence-gap', `${which} missing between ${a.sequence} and ${b.sequence}.`);
    }
    return undefined;
  }
  if (b.digestStartTime !== a.digestEndTime) {
    return chainBreak(
      'time-gap',
      `Digest ${b.sequence} starts at ${b.digestStartTime}; digest ${a.sequence} ended at ${a.digestEndTime}.`,
    );
  }
  // A valid successor's word on its predecessor is evidence of its own: a predecessor changed or re-signed after
  // the successor sealed it fails here as well as on its signature. An invalid successor's word counts for nothing.
  if (!entry.trusted) return undefined;
  if (b.previousDigestSignature !== previous.signature) {
    return chainBreak(
      'previous-signature-mismatch',
      `Digest ${b.sequence} names another signature than digest ${a.sequence} has: ${a.sequence} was replaced.`,
    );
  }
  if (b.previousDigestHashValue !== digestHash(a)) {
    return chainBreak(
      'previous-hash-mismatch',
      `Digest ${b.sequence} names another hash than digest ${a.sequence} has: ${a.sequence} was replaced.`,
    );
  }
  return undefined;
}

interface Window {
  from: string;
  to: string | null;
  brk: DigestBreak;
}

/**
 * Every digest break in chain order, and the windows where no valid digest vouches for events: from the end of
 * the last valid digest before a stretch of invalid or missing digests to the start of the next valid one (to
 * the last claimed end, at the tail).
 */
function walkChain(chain: Checked[], predecessor: Checked | undefined, ranged: boolean) {
  const breaks: DigestBreak[] = [];
  const windows: Window[] = [];
  let previous: Checked | undefined;
  let trustedEnd: string = GENESIS;
  let open: DigestBreak | undefined;
  for (const entry of chain) {
    // The predecessor is only there to check the link into the range; its own link is not checked.
    const link = entry === predecessor ? undefined : linkBreak(previous, entry, chain, ranged);
    if (link) breaks.push(link);
    if (entry.break) breaks.push(entry.break);
    if (entry.digest) previous = entry;
    // A replaced predecessor leaves its own range unvouched for, which the next valid digest does not change.
    if (link && link.reason !== 'previous-signature-mismatch' && link.reason !== 'previous-hash-mismatch') {
      open ??= link;
    }
    if (!entry.trusted) {
      open ??= entry.break;
      continue;
    }
    const digest = entry.digest as AuditDigest;
    if (open) windows.push({ from: trustedEnd, to: digest.digestStartTime, brk: open });
    open = undefined;
    trustedEnd = digest.digestEndTime;
  }
  if (open) {
    const claimedEnd = previous?.digest?.digestEndTime;
    windows.push({
      from: trustedEnd,
      to: claimedEnd && claimedEnd > trustedEnd ? claimedEnd : null,
      brk: open,
    });
  }
  return { breaks, windows };
}

/** Indices of one longest strictly increasing subsequence (patience sorting, O(n log n)). */
export function longestIncreasing(values: readonly number[]): Set<number> {
  const tails: number[] = [];
  const previous = new Array<number>(values.length).fill(-1);
  values.forEach((value, index) => {
    let low = 0;
    let high = tails.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((values[tails[middle] as number] as number) < value) low = middle + 1;
      else high = middle;
    }
    if (low > 0) previous[index] = tails[low - 1] as number;
    tails[low] = index;
  });
  const kept = new Set<number>();
  for (let index = tails.at(-1) ?? -1; index !== -1; index = previous[index] as number) kept.add(index);
  return kept;
}
