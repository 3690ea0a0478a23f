import {
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  paginateListObjectsV2,
  type S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { assertPracticeId } from '../../crypto/practice-id';
import { canonicalJson } from './canonical-json';
import { DigestConflictError, type SignedAuditDigest } from './digest';
import type { DigestRange, DigestStore } from './digest-store';

const NAME = /\/(\d{12})\.json$/;

/**
 * The digests' copies in an S3 bucket with Object Lock in compliance mode (its default retention applies to
 * every object written): `<prefix>/<practiceId>/<sequence, 12 digits>.json`, the same JSON as the local file
 * store writes. Nobody, the account root included, can delete or overwrite a locked version before its
 * retention ends, so these copies outlive any change to the table's digests; `npm run audit:verify -- --copies`
 * checks the trail against them.
 *
 * Writes are conditional (`If-None-Match: *`): a copy that exists is never replaced (a retried write finds
 * it), and a different digest under a taken sequence number is a conflict.
 */
export class S3DigestStore implements DigestStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix = 'audit-digests',
  ) {}

  async latest(practiceId: string) {
    const sequences = await this.sequences(practiceId);
    const last = sequences.at(-1);
    return last === undefined ? undefined : this.get(practiceId, last);
  }

  async get(practiceId: string, sequence: number) {
    try {
      const { Body } = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.key(practiceId, sequence) }),
      );
      return JSON.parse((await Body?.transformToString('utf-8')) ?? 'null') as SignedAuditDigest;
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }

  async *list(practiceId: string, range: DigestRange = {}) {
    for (const sequence of await this.sequences(practiceId)) {
      const signed = await this.get(practiceId, sequence);
      if (!signed) continue;
      const start = signed.digest?.digestStartTime;
      const end = signed.digest?.digestEndTime;
      if (range.endAfter !== undefined && typeof end === 'string' && !(end > range.endAfter)) continue;
      if (range.startBefore !== undefined && typeof start === 'string' && !(start < range.startBefore))
        continue;
      yield signed;
    }
  }

  async put(signed: SignedAuditDigest) {
    const { practiceId, sequence } = signed.digest;
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key(practiceId, sequence),
          Body: `${JSON.stringify(signed, null, 2)}\n`,
          ContentType: 'application/json',
          IfNoneMatch: '*',
        }),
      );
    } catch (error) {
      if (!(error instanceof S3ServiceException) || error.$metadata.httpStatusCode !== 412) throw error;
      const existing = await this.get(practiceId, sequence);
      if (existing && canonicalJson(existing) === canonicalJson(signed)) return;
      throw new DigestConflictError(practiceId, sequence);
    }
  }

  private async sequences(practiceId: string): Promise<number[]> {
    const found: number[] = [];
    const pages = paginateListObjectsV2(
      { client: this.client },
      { Bucket: this.bucket, Prefix: `${this.practicePrefix(practiceId)}/` },
    );
    for await (const page of pages) {
      for (const object of page.Contents ?? []) {
        const digits = NAME.exec(object.Key ?? '')?.[1];
        if (digits) found.push(Number(digits));
      }
    }
    return found.sort((a, b) => a - b);
  }

  private practicePrefix(practiceId: string) {
    assertPracticeId(practiceId);
    return `${this.prefix}/${practiceId}`;
  }

  private key(practiceId: string, sequence: number) {
    if (!Number.isSafeInteger(sequence) || sequence < 1) throw new TypeError('Not a digest sequence number.');
    return `${this.practicePrefix(practiceId)}/${String(sequence).padStart(12, '0')}.json`;
  }
}
