import { createHash } from 'node:crypto';
import * as z from '../validation/z';

/**
 * CloudTrail's log file and digest file formats, as `aws cloudtrail validate-logs` reads them
 * (awscli/customizations/cloudtrail/validation.py) and as the CloudTrail User Guide describes them
 * ("CloudTrail digest file structure", "Custom implementations of CloudTrail log file integrity validation",
 * "CloudTrail log file examples").
 */
export const DIGEST_SIGNATURE_ALGORITHM = 'SHA256withRSA';
export const HASH_ALGORITHM = 'SHA-256';

/** Where a trail writes: the bucket, an optional key prefix, and the parts of every key. */
export interface TrailLocation {
  bucket: string;
  prefix?: string;
  accountId: string;
  /** The region the files come from (for a multi-region trail, one of several). */
  region: string;
  trailName: string;
  /** The region the trail was created in; defaults to `region`. */
  homeRegion?: string;
  /** Organization trails put the organization id before the account. */
  organizationId?: string;
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** CloudTrail's times: UTC, whole seconds, `2015-08-17T15:01:31Z`. */
export function trailTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

function ymd(date: Date): string {
  return `${date.getUTCFullYear()}/${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())}`;
}

/** `20150817T150131Z`, the CLI's DATE_FORMAT `%Y%m%dT%H%M%SZ`, as in digest file names. */
export function digestKeyDate(date: Date): string {
  return trailTime(date).replace(/[-:]/g, '');
}

/** `20150817T1501Z`: log file names carry the minute of delivery. */
export function logKeyDate(date: Date): string {
  return digestKeyDate(date).slice(0, 13).concat('Z');
}

/** Parses `YYYYMMDDTHHMMSSZ` or `YYYYMMDDTHHMMZ`. */
export function parseKeyDate(text: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})?Z$/.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match;
  return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0)));
}

function awsLogsRoot(location: TrailLocation): string {
  const org = location.organizationId ? `${location.organizationId}/` : '';
  const root = `AWSLogs/${org}${location.accountId}`;
  return location.prefix ? `${location.prefix}/${root}` : root;
}

/** `[prefix/]AWSLogs/[org/]<account>/CloudTrail-Digest/<region>` (the CLI's `_create_digest_prefix`). */
export function digestPrefix(location: TrailLocation): string {
  return `${awsLogsRoot(location)}/CloudTrail-Digest/${location.region}`;
}

/**
 * `…/CloudTrail-Digest/<region>/<yyyy>/<mm>/<dd>/<account>_CloudTrail-Digest_<region>_<trail>_<home region>_<end>.json.gz`,
 * dated by the digest's end time (the CLI's `_create_digest_key`); backfill digests end `_backfill.json.gz`.
 */
export function digestKey(location: TrailLocation, endTime: Date, backfill = false): string {
  const home = location.homeRegion ?? location.region;
  const name = `${location.accountId}_CloudTrail-Digest_${location.region}_${location.trailName}_${home}_${digestKeyDate(endTime)}`;
  return `${digestPrefix(location)}/${ymd(endTime)}/${name}${backfill ? '_backfill' : ''}.json.gz`;
}

const reEscape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** The keys of this trail's digests, standard and backfill (the CLI's `_create_digest_key_regex`). */
export function digestKeyPattern(location: TrailLocation): RegExp {
  const home = location.homeRegion ?? location.region;
  const account = reEscape(location.accountId);
  return new RegExp(
    `^${reEscape(digestPrefix(location))}/\\d+/\\d+/\\d+/${account}_CloudTrail\\-Digest_${reEscape(location.region)}_` +
      `${reEscape(location.trailName)}_${reEscape(home)}_.+(?:_backfill)?\\.json\\.gz$`,
  );
}

export function isBackfillDigestKey(key: string): boolean {
  return key.endsWith('_backfill.json.gz');
}

/** The `YYYYMMDDTHHMMSSZ` of a digest key (the CLI's `extract_digest_key_date`: `[-24:-8]`, or `[-33:-17]`). */
export function extractDigestKeyDate(key: string): string {
  return isBackfillDigestKey(key) ? key.slice(-33, -17) : key.slice(-24, -8);
}

/** `[prefix/]AWSLogs/[org/]<account>/CloudTrail/<region>/`, and the day folder when a day is given. */
export function logFilePrefix(location: TrailLocation, day?: Date): string {
  const base = `${awsLogsRoot(location)}/CloudTrail/${location.region}/`;
  return day ? `${base}${ymd(day)}/` : base;
}

/**
 * `…/CloudTrail/<region>/<yyyy>/<mm>/<dd>/<account>_CloudTrail_<region>_<yyyymmddThhmmZ>_<16 chars>.json.gz`,
 * dated by delivery ("CloudTrail log file name format"; the unique string only prevents overwrites).
 */
export function logFileKey(location: TrailLocation, deliveredAt: Date, unique: string): string {
  if (!/^[A-Za-z0-9]{16}$/.test(unique))
    throw new TypeError('The unique part of a log file name is 16 letters or digits.');
  const name = `${location.accountId}_CloudTrail_${location.region}_${logKeyDate(deliveredAt)}_${unique}.json.gz`;
  return `${logFilePrefix(location, deliveredAt)}${name}`;
}

export const LOG_FILE_NAME = /_CloudTrail_[a-z0-9-]+_(\d{8}T\d{4}Z)_[A-Za-z0-9]{16}\.json\.gz$/;

export const LogFileEntry = z.object({
  s3Bucket: z.string(),
  s3Object: z.string(),
  /** Hex SHA-256 of the log file's UNCOMPRESSED content. */
  hashValue: z.string(),
  hashAlgorithm: z.optional(z.string()),
  newestEventTime: z.optional(z.nullable(z.string())),
  oldestEventTime: z.optional(z.nullable(z.string())),
});
export type LogFileEntry = z.infer<typeof LogFileEntry>;

/**
 * A digest file as the validator reads it: the fields the CLI requires before it checks anything
 * (`DigestTraverser.required_digest_keys`), the rest as CloudTrail writes them. Unknown fields are kept: the
 * hash is over the file's bytes, not over this parse.
 */
export const DigestFile = z.looseObject({
  awsAccountId: z.optional(z.string()),
  digestStartTime: z.string(),
  digestEndTime: z.string(),
  digestS3Bucket: z.string(),
  digestS3Object: z.string(),
  digestPublicKeyFingerprint: z.string(),
  digestSignatureAlgorithm: z.optional(z.string()),
  newestEventTime: z.optional(z.nullable(z.string())),
  oldestEventTime: z.optional(z.nullable(z.string())),
  previousDigestS3Bucket: z.optional(z.nullable(z.string())),
  previousDigestS3Object: z.optional(z.nullable(z.string())),
  previousDigestHashValue: z.optional(z.nullable(z.string())),
  previousDigestHashAlgorithm: z.optional(z.nullable(z.string())),
  /** Required, but null in a starting digest. */
  previousDigestSignature: z.nullable(z.string()),
  logFiles: z.optional(z.nullable(z.array(z.unknown()))),
});
export type DigestFile = z.infer<typeof DigestFile>;

/** What CloudTrail writes, field for field in its order (the writer's type). */
export interface CloudTrailDigestFile {
  awsAccountId: string;
  digestStartTime: string;
  digestEndTime: string;
  digestS3Bucket: string;
  digestS3Object: string;
  digestPublicKeyFingerprint: string;
  digestSignatureAlgorithm: typeof DIGEST_SIGNATURE_ALGORITHM;
  newestEventTime: string | null;
  oldestEventTime: string | null;
  previousDigestS3Bucket: string | null;
  previousDigestS3Object: string | null;
  previousDigestHashValue: string | null;
  previousDigestHashAlgorithm: typeof HASH_ALGORITHM | null;
  previousDigestSignature: string | null;
  logFiles: {
    s3Bucket: string;
    s3Object: string;
    hashValue: string;
    hashAlgorithm: typeof HASH_ALGORITHM;
    newestEventTime: string;
    oldestEventTime: string;
  }[];
}

/**
 * The data signed with RSA-SHA256 (the CLI's `_create_string_to_sign`): the digest's end time, its
 * `bucket/key`, the hex SHA-256 of the inflated digest file, and the previous digest's hex signature, or the
 * word `null` in a starting digest ("to match the Java implementation"), joined by newlines.
 */
export function digestStringToSign(
  digest: Pick<DigestFile, 'digestEndTime' | 'digestS3Bucket' | 'digestS3Object' | 'previousDigestSignature'>,
  inflated: Uint8Array,
): string {
  const hash = createHash('sha256').update(inflated).digest('hex');
  return [
    digest.digestEndTime,
    `${digest.digestS3Bucket}/${digest.digestS3Object}`,
    hash,
    digest.previousDigestSignature ?? 'null',
  ].join('\n');
}

/**
 * The fingerprint ListPublicKeys gives a key: the hex MD5 of its `Value` (the DER bytes). Checked against the
 * published examples (the aws-cli's list-public-keys example and the User Guide's three keys, one of them in
 * SPKI rather than PKCS #1 form: the MD5 is of whichever bytes `Value` holds).
 */
export function publicKeyFingerprint(value: Uint8Array): string {
  return createHash('md5').update(value).digest('hex');
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
