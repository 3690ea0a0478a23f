import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createPrivateFile, ensurePrivateDir, isNotFound } from '../../crypto/key-material-store';
import { assertPracticeId } from '../../crypto/practice-id';
import { canonicalJson } from './canonical-json';
import { DigestConflictError, type SignedAuditDigest } from './digest';

export interface DigestRange {
  /** Only digests whose `digestEndTime` is after this time. */
  endAfter?: string;
  /** Only digests whose `digestStartTime` is before this time. */
  startBefore?: string;
}

/**
 * Port: a practice's digests, by sequence number. Append-only: `put` never replaces a digest. Reads return what
 * is stored, which may have been tampered with; the verifier checks everything it is given.
 *
 * The AWS adapter (to come) writes each digest to DynamoDB (conditional on the sequence number being free: the
 * commit point) and to an S3 bucket with Object Lock in compliance mode, keyed by practice and sequence. It
 * should write DynamoDB first and then S3, and on each `put` also make sure the previous digest is in S3, so a
 * crash between the two writes is repaired by the next run. There is no other sealing state: the latest
 * digest is the sealer's cursor, so there is nothing to advance and nothing to get out of step.
 */
export interface DigestStore {
  latest(practiceId: string): Promise<SignedAuditDigest | undefined>;
  get(practiceId: string, sequence: number): Promise<SignedAuditDigest | undefined>;
  /** In ascending sequence order. */
  list(practiceId: string, range?: DigestRange): AsyncIterable<SignedAuditDigest>;
  /**
   * Stores a new digest. Storing the identical digest again is a no-op (a retried write); a different digest
   * with a sequence number already taken throws `DigestConflictError`.
   */
  put(signed: SignedAuditDigest): Promise<void>;
}

function inRange(signed: SignedAuditDigest, range: DigestRange): boolean {
  // Records are as stored: a damaged one without times is listed anyway, for the verifier to report.
  const start = signed.digest?.digestStartTime;
  const end = signed.digest?.digestEndTime;
  if (range.endAfter !== undefined && typeof end === 'string' && !(end > range.endAfter)) return false;
  if (range.startBefore !== undefined && typeof start === 'string' && !(start < range.startBefore))
    return false;
  return true;
}

/** In memory, for tests. Holds copies, so a caller cannot change a stored digest by keeping a reference. */
export class MemoryDigestStore implements DigestStore {
  private readonly practices = new Map<string, Map<number, SignedAuditDigest>>();

  constructor(initial: Iterable<SignedAuditDigest> = []) {
    // Seeding bypasses `put`'s checks on purpose: tests build tampered stores this way.
    for (const signed of initial)
      this.practice(signed.digest.practiceId).set(signed.digest.sequence, clone(signed));
  }

  async latest(practiceId: string) {
    const digests = this.practices.get(practiceId);
    if (!digests || digests.size === 0) return undefined;
    return clone(digests.get(Math.max(...digests.keys())) as SignedAuditDigest);
  }

  async get(practiceId: string, sequence: number) {
    const found = this.practices.get(practiceId)?.get(sequence);
    return found && clone(found);
  }

  async *list(practiceId: string, range: DigestRange = {}) {
    const digests = this.practices.get(practiceId);
    if (!digests) return;
    for (const sequence of [...digests.keys()].sort((a, b) => a - b)) {
      const signed = digests.get(sequence) as SignedAuditDigest;
      if (inRange(signed, range)) yield clone(signed);
    }
  }

  async put(signed: SignedAuditDigest) {
    const digests = this.practice(signed.digest.practiceId);
    const existing = digests.get(signed.digest.sequence);
    if (existing) {
      if (canonicalJson(existing) === canonicalJson(signed)) return;
      throw new DigestConflictError(signed.digest.practiceId, signed.digest.sequence);
    }
    digests.set(signed.digest.sequence, clone(signed));
  }

  /** Every stored digest of a practice, in sequence order (copies). */
  all(practiceId: string): SignedAuditDigest[] {
    const digests = this.practices.get(practiceId) ?? new Map();
    return [...digests.keys()].sort((a, b) => a - b).map((sequence) => clone(digests.get(sequence)));
  }

  private practice(practiceId: string) {
    let digests = this.practices.get(practiceId);
    if (!digests) {
      digests = new Map();
      this.practices.set(practiceId, digests);
    }
    return digests;
  }
}

const FILE = /^(\d{12})\.json$/;

/**
 * Local stand-in: `${dir}/<practiceId>/<sequence, 12 digits>.json`, directories 0700, files 0600, each created
 * exclusively, so a second sealer process racing for the same sequence number gets a conflict, not an
 * overwrite. The file names sort in sequence order.
 */
export class FileDigestStore implements DigestStore {
  constructor(private readonly dir: string) {}

  async latest(practiceId: string) {
    const sequences = await this.sequences(practiceId);
    const last = sequences.at(-1);
    return last === undefined ? undefined : this.get(practiceId, last);
  }

  async get(practiceId: string, sequence: number) {
    try {
      return JSON.parse(await readFile(this.path(practiceId, sequence), 'utf8')) as SignedAuditDigest;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async *list(practiceId: string, range: DigestRange = {}) {
    for (const sequence of await this.sequences(practiceId)) {
      const signed = await this.get(practiceId, sequence);
      if (signed && inRange(signed, range)) yield signed;
    }
  }

  async put(signed: SignedAuditDigest) {
    const { practiceId, sequence } = signed.digest;
    const practiceDir = this.practiceDir(practiceId);
    await ensurePrivateDir(practiceDir);
    const text = `${JSON.stringify(signed, null, 2)}\n`;
    if (await createPrivateFile(this.path(practiceId, sequence), text)) return;
    const existing = await this.get(practiceId, sequence);
    if (existing && canonicalJson(existing) === canonicalJson(signed)) return;
    throw new DigestConflictError(practiceId, sequence);
  }

  private async sequences(practiceId: string): Promise<number[]> {
    let names: string[];
    try {
      names = await readdir(this.practiceDir(practiceId));
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
    return names
      .map((name) => FILE.exec(name)?.[1])
      .filter((digits): digits is string => digits !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  }

  private practiceDir(practiceId: string) {
    assertPracticeId(practiceId);
    return join(this.dir, practiceId);
  }

  private path(practiceId: string, sequence: number) {
    if (!Number.isSafeInteger(sequence) || sequence < 1) throw new TypeError('Not a digest sequence number.');
    return join(this.practiceDir(practiceId), `${String(sequence).padStart(12, '0')}.json`);
  }
}

function clone<T>(value: T): T {
  return structuredClone(value);
}
