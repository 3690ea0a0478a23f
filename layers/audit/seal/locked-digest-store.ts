import { DigestConflictError, type SignedAuditDigest } from './digest';
import type { DigestRange, DigestStore } from './digest-store';

/**
 * The sealer's store: the table (the index the verifier and the report read, and the commit point: whoever puts
 * sequence n there first owns it) and a write-once copy of each digest (S3 Object Lock in AWS, files locally).
 * `put` writes the table, then the copy, and makes sure the previous digest's copy is there too, so a crash
 * between the two writes is repaired by the next run. Reads are the table's.
 */
export class LockedDigestStore implements DigestStore {
  constructor(
    private readonly table: DigestStore,
    private readonly copies: DigestStore,
  ) {}

  latest(practiceId: string) {
    return this.table.latest(practiceId);
  }

  get(practiceId: string, sequence: number) {
    return this.table.get(practiceId, sequence);
  }

  list(practiceId: string, range?: DigestRange) {
    return this.table.list(practiceId, range);
  }

  async put(signed: SignedAuditDigest) {
    await this.table.put(signed);
    const { practiceId, sequence } = signed.digest;
    if (sequence > 1) {
      const previous = await this.table.get(practiceId, sequence - 1);
      if (previous) await this.copy(previous);
    }
    await this.copy(signed);
  }

  private async copy(signed: SignedAuditDigest) {
    try {
      await this.copies.put(signed);
    } catch (error) {
      // A different copy under this sequence number: the table's digest was replaced after it was copied.
      // The copy stands (it cannot be changed); the verifier reports the table's as a break.
      if (!(error instanceof DigestConflictError)) throw error;
    }
  }
}
