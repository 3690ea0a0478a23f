import { constants, createPublicKey, type KeyObject, verify } from 'node:crypto';
import {
  type DigestFile,
  DigestFile as DigestFileSchema,
  digestKey,
  digestKeyDate,
  digestKeyPattern,
  digestPrefix,
  digestStringToSign,
  extractDigestKeyDate,
  isBackfillDigestKey,
  LogFileEntry,
  parseKeyDate,
  sha256Hex,
  type TrailLocation,
} from './format';
import { gunzipFirstMember } from './gzip';
import type { TrailObjectReader } from './objects';
import type { TrailPublicKey, TrailPublicKeys } from './public-keys';

export interface TrailValidatorOptions {
  objects: TrailObjectReader;
  publicKeys: TrailPublicKeys;
  /** `arn:<partition>:cloudtrail:<home region>:<account>:trail/<name>`: names the home region, account and trail. */
  trailArn: string;
  bucket: string;
  prefix?: string;
  /** The region whose files are validated (the CLI's `--region`); defaults to the trail's home region. */
  sourceRegion?: string;
  /** The member account of an organization trail (the CLI's `--account-id`), with `organizationId`. */
  accountId?: string;
  organizationId?: string;
}

export type TrailFindingKind =
  | 'digest-not-found'
  | 'digest-invalid-format'
  | 'digest-moved'
  | 'digest-public-key-not-found'
  | 'digest-public-key-unreadable'
  | 'digest-signature-invalid'
  /** Beyond the CLI: the digest is not the one its successor's `previousDigestSignature` names. */
  | 'digest-previous-signature-mismatch'
  /** Beyond the CLI: the digest's bytes do not hash to its successor's `previousDigestHashValue`. */
  | 'digest-previous-hash-mismatch'
  | 'digest-invalid'
  /** Not an error: the chain restarts (logging or validation was off for a while). */
  | 'gap'
  | 'log-not-found'
  | 'log-hash-mismatch'
  | 'log-invalid-format'
  | 'log-trailing-data';

export interface TrailFinding {
  kind: TrailFindingKind;
  backfill: boolean;
  bucket: string;
  key: string;
  /** The line `aws cloudtrail validate-logs` prints for it (tab-separated), where it prints one. */
  message: string;
}

export interface DigestResult {
  backfill: boolean;
  bucket: string;
  key: string;
  status: 'valid' | 'invalid' | 'not-found';
  digestStartTime?: string;
  digestEndTime?: string;
  logFiles?: number;
}

export interface LogResult {
  bucket: string;
  key: string;
  status: 'valid' | 'invalid' | 'not-found';
  digestKey: string;
}

export interface TrailValidationReport {
  trailArn: string;
  start: string;
  end: string;
  /** The part of the range that valid digests cover (the CLI's "Results found for … to …"). */
  foundStart: string | null;
  foundEnd: string | null;
  digests: { valid: number; invalid: number };
  backfillDigests: { valid: number; invalid: number };
  /** `invalid` includes `notFound`, as the CLI counts them. */
  logs: { valid: number; invalid: number; notFound: number };
  /** Newest first, as walked; every digest reached, valid or not. */
  digestResults: DigestResult[];
  logResults: LogResult[];
  /** Every error (and each gap notice), in the order found. */
  findings: TrailFinding[];
  /** What the CLI's exit status says: no invalid digest and no invalid or missing log file. */
  ok: boolean;
  /**
   * Set when `validate` was told to stop (a time limit) before it reached the start of the range: the newest
   * part was validated, and nothing before `uncheckedBefore`. Not a finding; the CLI can check the rest.
   */
  incomplete?: { uncheckedBefore: string };
}

export class TrailValidationError extends Error {
  override readonly name: string = 'TrailValidationError';
}

/** A digest failed to validate; the message is the CLI's line for it. */
class DigestError extends Error {
  constructor(
    readonly kind: TrailFindingKind,
    message: string,
  ) {
    super(message);
  }
}

class DigestNotFound extends Error {}

interface LoadedDigest {
  digest: DigestFile;
  signature: string;
  inflated: Uint8Array;
}

interface Expected {
  signature: string | null | undefined;
  hash: string | null | undefined;
}

const HOUR = 3_600_000;
const DISPLAY = (date: Date) => `${date.toISOString().slice(0, 19)}Z`;
const TRAIL_ARN = /^arn:.+:cloudtrail:.+:\d{12}:trail\/.+/;

/**
 * `aws cloudtrail validate-logs`, in TypeScript, over ports. It walks the trail's digest files newest to oldest
 * as the CLI's DigestTraverser does: from the last digest in the range, to each digest's predecessor by
 * `previousDigestS3Bucket/Object`, and where the chain breaks (a missing or invalid digest, or a starting
 * digest) on to the next older digest listed. Each digest must be where it says it is, carry a signature in its
 * metadata, name a public key ListPublicKeys knows, and verify (RSA, PKCS #1 v1.5, SHA-256) over
 * `digestStringToSign`; each valid digest's log files must exist, inflate as one gzip member, and hash (SHA-256
 * of the inflated bytes) to their `hashValue`. Then the same for backfill digests.
 *
 * One check goes beyond the CLI, which follows the chain by object key only: a digest reached from its
 * successor must also have the signature and hash the successor names (`previousDigestSignature`,
 * `previousDigestHashValue`), so a digest replaced by another validly signed one is found too.
 */
export class TrailValidator {
  private readonly location: TrailLocation;
  private readonly trailArn: string;
  private readonly homeRegion: string;
  private readonly digestCache = new Map<string, { standard: string[]; backfill: string[] }>();

  constructor(private readonly options: TrailValidatorOptions) {
    if (!TRAIL_ARN.test(options.trailArn))
      throw new TypeError(`Invalid trail ARN provided: ${options.trailArn}`);
    const parts = options.trailArn.split(':');
    this.trailArn = options.trailArn;
    this.homeRegion = parts[3] as string;
    this.location = {
      bucket: options.bucket,
      prefix: options.prefix,
      accountId: options.accountId ?? (parts[4] as string),
      region: options.sourceRegion ?? this.homeRegion,
      homeRegion: this.homeRegion,
      trailName: options.trailArn.split('/').at(-1) as string,
      organizationId: options.organizationId,
    };
  }

  async validate(
    range: { start: Date; end?: Date },
    options: { stop?: () => boolean } = {},
  ): Promise<TrailValidationReport> {
    const start = wholeSeconds(range.start);
    const end = wholeSeconds(range.end ?? new Date());
    if (start > end)
      throw new RangeError('Invalid time range specified: start-time must occur before end-time');
    const report: TrailValidationReport = {
      trailArn: this.trailArn,
      start: DISPLAY(start),
      end: DISPLAY(end),
      foundStart: null,
      foundEnd: null,
      digests: { valid: 0, invalid: 0 },
      backfillDigests: { valid: 0, invalid: 0 },
      logs: { valid: 0, invalid: 0, notFound: 0 },
      digestResults: [],
      logResults: [],
      findings: [],
      ok: true,
    };
    await this.traverse(report, start, end, false, options.stop);
    if (!report.incomplete) await this.traverse(report, start, end, true, options.stop);
    report.ok = report.digests.invalid + report.backfillDigests.invalid === 0 && report.logs.invalid === 0;
    return report;
  }

  private async traverse(
    report: TrailValidationReport,
    start: Date,
    end: Date,
    backfill: boolean,
    stop?: () => boolean,
  ) {
    let bucket = this.location.bucket;
    let digests = [...(await this.digestKeys(bucket, start, end, backfill))];
    const publicKeys = backfill
      ? new Map<string, TrailPublicKey>()
      : await this.publicKeys(start, addMs(end, 2 * HOUR));
    const counts = backfill ? report.backfillDigests : report.digests;
    const label = backfill ? '(backfill) ' : '';

    let [key, endDate] = lastDigest(digests);
    let lastStart = endDate as Date;
    let expected: Expected | undefined;
    const next = (
      from: string,
      notice?: { kind: TrailFindingKind; message: string; conditional?: boolean },
    ) => {
      const [nextKey, nextEnd] = lastDigest(digests, from);
      if (notice && (!notice.conditional || nextKey)) {
        const message =
          notice.kind === 'gap' && nextEnd
            ? `${label}No log files were delivered by CloudTrail between ${DISPLAY(nextEnd)} and ${DISPLAY(lastStart)}`
            : `${label}${notice.message}`;
        report.findings.push({ kind: notice.kind, backfill, bucket, key: from, message });
      }
      return [nextKey, nextEnd] as const;
    };

    while (key && start <= lastStart) {
      if (stop?.()) {
        report.incomplete = { uncheckedBefore: DISPLAY(lastStart) };
        return;
      }
      const current: string = key;
      try {
        const loaded = await this.loadAndValidate(publicKeys, bucket, current, backfill, expected);
        const { digest } = loaded;
        endDate = new Date(digest.digestEndTime);
        lastStart = new Date(digest.digestStartTime);
        counts.valid++;
        this.trackFound(report, digest, start, end);
        const logFiles = Array.isArray(digest.logFiles) ? digest.logFiles : [];
        report.digestResults.push({
          backfill,
          bucket,
          key: current,
          status: 'valid',
          digestStartTime: digest.digestStartTime,
          digestEndTime: digest.digestEndTime,
          logFiles: logFiles.length,
        });
        for (const log of logFiles) await this.validateLog(report, log, current);

        const previousBucket = digest.previousDigestS3Bucket ?? undefined;
        const previousKey = digest.previousDigestS3Object ?? undefined;
        if (previousBucket === undefined || previousKey === undefined) {
          expected = undefined;
          [key, endDate] = next(current, { kind: 'gap', message: '', conditional: true });
        } else {
          expected = { signature: digest.previousDigestSignature, hash: digest.previousDigestHashValue };
          key = previousKey;
          if (previousBucket !== bucket) {
            bucket = previousBucket;
            digests = [...(await this.digestKeys(bucket, start, endDate, backfill))];
          }
        }
      } catch (error) {
        expected = undefined;
        counts.invalid++;
        if (error instanceof DigestNotFound) {
          report.digestResults.push({ backfill, bucket, key: current, status: 'not-found' });
          [key, endDate] = next(current, {
            kind: 'digest-not-found',
            message: `Digest file\ts3://${bucket}/${current}\tINVALID: not found`,
          });
        } else if (error instanceof DigestError) {
          report.digestResults.push({ backfill, bucket, key: current, status: 'invalid' });
          [key, endDate] = next(current, { kind: error.kind, message: error.message });
        } else if (error instanceof TrailValidationError) {
          throw error;
        } else {
          report.digestResults.push({ backfill, bucket, key: current, status: 'invalid' });
          [key, endDate] = next(current, {
            kind: 'digest-invalid',
            message: `Digest file\ts3://${bucket}/${current}\tINVALID: ${(error as Error).message}`,
          });
        }
      }
    }
  }

  private async loadAndValidate(
    publicKeys: Map<string, TrailPublicKey>,
    bucket: string,
    key: string,
    backfill: boolean,
    expected: Expected | undefined,
  ): Promise<LoadedDigest> {
    const where = `Digest file\ts3://${bucket}/${key}\tINVALID:`;
    const object = await this.read(bucket, key);
    if (!object) throw new DigestNotFound();
    let inflated: Uint8Array;
    let json: unknown;
    try {
      inflated = gunzipFirstMember(object.body).data;
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(inflated));
    } catch {
      throw new DigestError('digest-invalid-format', `${where} invalid format`);
    }
    const signature = object.metadata.signature;
    if (signature === undefined || object.metadata['signature-algorithm'] === undefined) {
      throw new DigestError('digest-signature-invalid', `${where} signature verification failed`);
    }
    const backfillTimestamp = object.metadata['backfill-generation-timestamp'];
    if (isBackfillDigestKey(key) && backfillTimestamp === undefined) {
      throw new DigestError('digest-invalid-format', `${where} invalid format`);
    }
    const parsed = DigestFileSchema.safeParse(json);
    if (!parsed.success) throw new DigestError('digest-invalid-format', `${where} invalid format`);
    const digest = parsed.data;
    if (digest.digestS3Bucket !== bucket || digest.digestS3Object !== key) {
      throw new DigestError('digest-moved', `${where} has been moved from its original location`);
    }
    const fingerprint = digest.digestPublicKeyFingerprint;
    if (!publicKeys.has(fingerprint) && backfill) {
      const generated = new Date(backfillTimestamp as string);
      for (const [found, value] of await this.publicKeys(addMs(generated, -HOUR), addMs(generated, HOUR))) {
        publicKeys.set(found, value);
      }
    }
    const publicKey = publicKeys.get(fingerprint);
    if (!publicKey) {
      throw new DigestError(
        'digest-public-key-not-found',
        `${where} public key not found in region ${this.homeRegion} for fingerprint ${fingerprint}`,
      );
    }
    const rsaKey = rsaPublicKey(publicKey.value);
    if (!rsaKey) {
      throw new DigestError(
        'digest-public-key-unreadable',
        `${where} Unable to load PKCS #1 key with fingerprint ${fingerprint}`,
      );
    }
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(signature)) throw new Error('the signature is not hexadecimal');
    const valid = verify(
      'sha256',
      Buffer.from(digestStringToSign(digest, inflated), 'utf8'),
      { key: rsaKey, padding: constants.RSA_PKCS1_PADDING },
      Buffer.from(signature, 'hex'),
    );
    if (!valid) throw new DigestError('digest-signature-invalid', `${where} signature verification failed`);
    if (expected) {
      if (expected.signature !== signature) {
        throw new DigestError(
          'digest-previous-signature-mismatch',
          `${where} its signature is not the previousDigestSignature of the digest after it`,
        );
      }
      if (typeof expected.hash === 'string' && expected.hash !== sha256Hex(inflated)) {
        throw new DigestError(
          'digest-previous-hash-mismatch',
          `${where} its hash is not the previousDigestHashValue of the digest after it`,
        );
      }
    }
    return { digest, signature, inflated };
  }

  private async validateLog(report: TrailValidationReport, entry: unknown, digestKey: string) {
    const parsed = LogFileEntry.safeParse(entry);
    const bucket = parsed.success
      ? parsed.data.s3Bucket
      : String((entry as { s3Bucket?: unknown })?.s3Bucket);
    const key = parsed.success ? parsed.data.s3Object : String((entry as { s3Object?: unknown })?.s3Object);
    const where = `Log file\ts3://${bucket}/${key}\t`;
    const fail = (kind: TrailFindingKind, message: string, status: LogResult['status'] = 'invalid') => {
      report.logs.invalid++;
      if (status === 'not-found') report.logs.notFound++;
      report.logResults.push({ bucket, key, status, digestKey });
      report.findings.push({
        kind,
        backfill: isBackfillDigestKey(digestKey),
        bucket,
        key,
        message: `${where}${message}`,
      });
    };
    if (!parsed.success) return fail('log-invalid-format', 'INVALID: invalid format');
    const object = await this.read(bucket, key);
    if (!object) return fail('log-not-found', 'INVALID: not found', 'not-found');
    let inflated: { data: Buffer; trailing: boolean };
    try {
      inflated = gunzipFirstMember(object.body);
    } catch {
      return fail('log-invalid-format', 'INVALID: invalid format');
    }
    if (inflated.trailing)
      return fail('log-trailing-data', 'INVALID: unexpected data after end of compressed stream');
    if (sha256Hex(inflated.data) !== parsed.data.hashValue) {
      return fail('log-hash-mismatch', "INVALID: hash value doesn't match");
    }
    report.logs.valid++;
    report.logResults.push({ bucket, key, status: 'valid', digestKey });
  }

  /** Standard or backfill digest keys in [start, end + 1 h], oldest first (the CLI's `load_all_digest_keys_in_range`). */
  private async digestKeys(bucket: string, start: Date, end: Date, backfill: boolean): Promise<string[]> {
    const cacheKey = `${bucket}\n${start.toISOString()}\n${end.toISOString()}`;
    let cached = this.digestCache.get(cacheKey);
    if (!cached) {
      cached = { standard: [], backfill: [] };
      const location = { ...this.location, bucket };
      // The marker is the key a digest ending a minute before the start would have, so the start is inclusive.
      const marker = digestKey(location, addMs(start, -60_000));
      const pattern = digestKeyPattern(location);
      const targetStart = digestKeyDate(start);
      // An hour past the end, for log files that spilled over into the next digest.
      const targetEnd = digestKeyDate(addMs(end, HOUR));
      for await (const key of this.list(bucket, digestPrefix(location), marker)) {
        if (!pattern.test(key)) continue;
        const date = extractDigestKeyDate(key);
        if (date > targetEnd) break;
        if (date < targetStart) continue;
        (isBackfillDigestKey(key) ? cached.backfill : cached.standard).push(key);
      }
      this.digestCache.set(cacheKey, cached);
    }
    return backfill ? cached.backfill : cached.standard;
  }

  private async publicKeys(start: Date, end: Date): Promise<Map<string, TrailPublicKey>> {
    const keys = await this.options.publicKeys.list(start, end);
    if (keys.length === 0) {
      throw new TrailValidationError(`No public keys found between ${DISPLAY(start)} and ${DISPLAY(end)}`);
    }
    return new Map(keys.map((key) => [key.fingerprint, key]));
  }

  private trackFound(report: TrailValidationReport, digest: DigestFile, start: Date, end: Date) {
    const digestStart = new Date(digest.digestStartTime);
    const earliest = digestStart > start ? digestStart : start;
    if (report.foundStart === null || earliest < new Date(report.foundStart))
      report.foundStart = DISPLAY(earliest);
    const digestEnd = new Date(digest.digestEndTime);
    const latest = digestEnd < end ? digestEnd : end;
    if (report.foundEnd === null || latest > new Date(report.foundEnd)) report.foundEnd = DISPLAY(latest);
  }

  // Reader failures other than "no such key" (access denied, network) end the run, as they end the CLI's.
  private async read(bucket: string, key: string) {
    try {
      return await this.options.objects.get(bucket, key);
    } catch (error) {
      throw new TrailValidationError(`Could not read s3://${bucket}/${key}: ${(error as Error).message}`);
    }
  }

  private async *list(bucket: string, prefix: string, startAfter: string) {
    try {
      yield* this.options.objects.list(bucket, prefix, startAfter);
    } catch (error) {
      throw new TrailValidationError(`Could not list s3://${bucket}/${prefix}: ${(error as Error).message}`);
    }
  }
}

/**
 * The last digest key, or the last one dated before `before` (the CLI's `_get_last_digest`), taken off the
 * list so the walk never returns to it.
 */
function lastDigest(digests: string[], before?: string): [string | undefined, Date | undefined] {
  if (before === undefined) {
    const key = digests.pop();
    return key === undefined ? [undefined, undefined] : [key, parseKeyDate(extractDigestKeyDate(key))];
  }
  const beforeDate = parseKeyDate(extractDigestKeyDate(before));
  while (digests.length > 0) {
    const key = digests.pop() as string;
    const date = parseKeyDate(extractDigestKeyDate(key));
    if (date && beforeDate && date < beforeDate) return [key, date];
  }
  return [undefined, undefined];
}

/** PKCS #1 as ListPublicKeys documents it; SPKI as one of the User Guide's examples has it. */
function rsaPublicKey(der: Uint8Array): KeyObject | undefined {
  for (const type of ['pkcs1', 'spki'] as const) {
    try {
      const key = createPublicKey({ key: Buffer.from(der), format: 'der', type });
      if (key.asymmetricKeyType === 'rsa') return key;
    } catch {
      // try the next form
    }
  }
  return undefined;
}

function wholeSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

function addMs(date: Date, ms: number): Date {
  return new Date(date.getTime() + ms);
}
