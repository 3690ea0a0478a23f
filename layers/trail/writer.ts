import {
  constants,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomInt,
  sign,
} from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createPrivateFile, ensurePrivateDir } from '../crypto/key-material-store';
import {
  type CloudTrailDigestFile,
  DIGEST_SIGNATURE_ALGORITHM,
  digestKey,
  digestKeyPattern,
  digestPrefix,
  digestStringToSign,
  extractDigestKeyDate,
  HASH_ALGORITHM,
  isBackfillDigestKey,
  LOG_FILE_NAME,
  logFileKey,
  logFilePrefix,
  parseKeyDate,
  sha256Hex,
  type TrailLocation,
  trailTime,
} from './format';
import { gunzipFirstMember, gzip } from './gzip';
import type { TrailObjects } from './objects';
import { type TrailPublicKey, trailPublicKey } from './public-keys';
import type { CloudTrailRecord } from './records';

/**
 * A 2048-bit RSA key pair standing in for CloudTrail's regional signing key. `publicKey` is what
 * ListPublicKeys would return for it (PKCS #1 DER, MD5 fingerprint).
 */
export class TrailSigningKey {
  readonly publicKey: TrailPublicKey;

  private constructor(
    private readonly privateKey: KeyObject,
    validFrom: Date,
    validTo: Date,
  ) {
    const value = createPublicKey(privateKey).export({ format: 'der', type: 'pkcs1' });
    this.publicKey = trailPublicKey(new Uint8Array(value), validFrom, validTo);
  }

  static generate(validFrom = new Date(0), validTo = new Date(Date.UTC(9999, 0))): TrailSigningKey {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
    return new TrailSigningKey(privateKey, validFrom, validTo);
  }

  /** The local trail's key, kept in `${dir}/trail-signing.private.pem` (0600, directory 0700), made on first use. */
  static async open(dir: string): Promise<TrailSigningKey> {
    await ensurePrivateDir(dir);
    const path = join(dir, 'trail-signing.private.pem');
    const { privateKey: fresh } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicExponent: 0x10001,
    });
    await createPrivateFile(path, fresh.export({ format: 'pem', type: 'pkcs8' }));
    const privateKey = createPrivateKey({ key: await readFile(path, 'utf8'), format: 'pem' });
    if (privateKey.asymmetricKeyType !== 'rsa') throw new TypeError(`${path} is not an RSA private key.`);
    return new TrailSigningKey(privateKey, new Date(0), new Date(Date.UTC(9999, 0)));
  }

  /** RSA PKCS #1 v1.5 over SHA-256 of the string, in hex: the `x-amz-meta-signature` of a digest. */
  sign(stringToSign: string): string {
    return sign('sha256', Buffer.from(stringToSign, 'utf8'), {
      key: this.privateKey,
      padding: constants.RSA_PKCS1_PADDING,
    }).toString('hex');
  }
}

export interface LogFileRef {
  bucket: string;
  key: string;
  hashValue: string;
  deliveredAt: Date;
  oldestEventTime: string;
  newestEventTime: string;
}

interface PreviousDigest {
  bucket: string;
  key: string;
  signature: string;
  hashValue: string;
  endTime: Date;
}

export interface LocalTrailWriterOptions extends TrailLocation {
  objects: TrailObjects;
  key: TrailSigningKey;
  /** When validation was turned on: the start of the first digest. */
  startedAt?: Date;
  /** The 16 characters that make a log file name unique; random by default. */
  uniqueString?: () => string;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Writes a trail in CloudTrail's own format, for the local stack and for tests: log files (`{"Records":[…]}`,
 * gzipped) and digests (gzipped JSON, the signature and its algorithm in the object's metadata), at CloudTrail's
 * keys, so that `TrailValidator` (or `aws cloudtrail validate-logs`, given the files in a bucket and the public
 * key) validates them. Each digest covers the log files delivered since the previous digest ended, names the
 * previous digest and its hash and signature, and is written even when no log file was delivered.
 */
export class LocalTrailWriter {
  private readonly location: TrailLocation;
  private pending: LogFileRef[] = [];
  private previous: PreviousDigest | undefined;
  private digestStart: Date;

  constructor(private readonly options: LocalTrailWriterOptions) {
    const { objects: _objects, key: _key, startedAt, uniqueString: _unique, ...location } = options;
    this.location = location;
    this.digestStart = startedAt ?? new Date();
  }

  /**
   * A writer that carries on an existing trail after a restart: it chains to the newest digest in the bucket
   * and takes up the log files delivered since (those no digest of the last two lists).
   */
  static async resume(options: LocalTrailWriterOptions): Promise<LocalTrailWriter> {
    const writer = new LocalTrailWriter(options);
    const { objects, bucket } = options;
    const pattern = digestKeyPattern(writer.location);
    const digestKeys: string[] = [];
    for await (const key of objects.list(bucket, `${digestPrefix(writer.location)}/`)) {
      if (pattern.test(key) && !isBackfillDigestKey(key)) digestKeys.push(key);
    }
    digestKeys.sort((a, b) => (extractDigestKeyDate(a) < extractDigestKeyDate(b) ? -1 : 1));
    const [newest, before] = [digestKeys.at(-1), digestKeys.at(-2)];
    const listed = new Set<string>();
    for (const key of [newest, before]) {
      if (key === undefined) continue;
      const object = await objects.get(bucket, key);
      if (!object) continue;
      const inflated = gunzipFirstMember(object.body).data;
      const digest = JSON.parse(inflated.toString('utf8')) as CloudTrailDigestFile;
      for (const log of digest.logFiles) listed.add(log.s3Object);
      if (key === newest) {
        writer.previous = {
          bucket,
          key,
          signature: object.metadata.signature ?? '',
          hashValue: sha256Hex(inflated),
          endTime: new Date(digest.digestEndTime),
        };
        writer.digestStart = new Date(digest.digestEndTime);
      }
    }
    for await (const key of objects.list(bucket, logFilePrefix(writer.location))) {
      const match = LOG_FILE_NAME.exec(key);
      if (!match || listed.has(key)) continue;
      const deliveredAt = parseKeyDate(match[1] as string) as Date;
      // Minute-dated names: a log of the newest digest's last minute may be one it already lists (excluded above).
      if (writer.previous && deliveredAt.getTime() < writer.previous.endTime.getTime() - 60_000) continue;
      const object = await objects.get(bucket, key);
      if (!object) continue;
      const inflated = gunzipFirstMember(object.body).data;
      const { Records } = JSON.parse(inflated.toString('utf8')) as { Records: CloudTrailRecord[] };
      writer.pending.push({
        bucket,
        key,
        hashValue: sha256Hex(inflated),
        deliveredAt,
        ...eventTimes(Records),
      });
    }
    return writer;
  }

  /** Delivers one log file of records (at least one: CloudTrail writes no empty log files). */
  async deliverLogFile(records: readonly CloudTrailRecord[], deliveredAt = new Date()): Promise<LogFileRef> {
    if (records.length === 0) throw new RangeError('A log file holds at least one record.');
    const key = logFileKey(this.location, deliveredAt, (this.options.uniqueString ?? randomUnique)());
    const json = Buffer.from(JSON.stringify({ Records: records }), 'utf8');
    await this.options.objects.put(this.location.bucket, key, gzip(json));
    const ref: LogFileRef = {
      bucket: this.location.bucket,
      key,
      hashValue: sha256Hex(json),
      deliveredAt,
      ...eventTimes(records),
    };
    this.pending.push(ref);
    return ref;
  }

  /** Delivers the digest for [previous end, `endTime`) (hourly in CloudTrail). */
  async deliverDigest(endTime = new Date()): Promise<{ key: string; digest: CloudTrailDigestFile }> {
    const end = new Date(Math.floor(endTime.getTime() / 1000) * 1000);
    if (end <= this.digestStart) throw new RangeError('A digest must end after it starts.');
    const included = this.pending.filter((log) => log.deliveredAt < end);
    const key = digestKey(this.location, end);
    const previous = this.previous;
    const times = included.flatMap((log) => [log.oldestEventTime, log.newestEventTime]).sort();
    const digest: CloudTrailDigestFile = {
      awsAccountId: this.location.accountId,
      digestStartTime: trailTime(this.digestStart),
      digestEndTime: trailTime(end),
      digestS3Bucket: this.location.bucket,
      digestS3Object: key,
      digestPublicKeyFingerprint: this.options.key.publicKey.fingerprint,
      digestSignatureAlgorithm: DIGEST_SIGNATURE_ALGORITHM,
      newestEventTime: times.at(-1) ?? null,
      oldestEventTime: times[0] ?? null,
      previousDigestS3Bucket: previous?.bucket ?? null,
      previousDigestS3Object: previous?.key ?? null,
      previousDigestHashValue: previous?.hashValue ?? null,
      previousDigestHashAlgorithm: previous ? HASH_ALGORITHM : null,
      previousDigestSignature: previous?.signature ?? null,
      logFiles: included.map((log) => ({
        s3Bucket: log.bucket,
        s3Object: log.key,
        hashValue: log.hashValue,
        hashAlgorithm: HASH_ALGORITHM,
        newestEventTime: log.newestEventTime,
        oldestEventTime: log.oldestEventTime,
      })),
    };
    const inflated = Buffer.from(JSON.stringify(digest), 'utf8');
    const signature = this.options.key.sign(digestStringToSign(digest, inflated));
    await this.options.objects.put(this.location.bucket, key, gzip(inflated), {
      signature,
      'signature-algorithm': DIGEST_SIGNATURE_ALGORITHM,
    });
    this.previous = {
      bucket: this.location.bucket,
      key,
      signature,
      hashValue: sha256Hex(inflated),
      endTime: end,
    };
    this.pending = this.pending.filter((log) => !included.includes(log));
    this.digestStart = end;
    return { key, digest };
  }
}

function eventTimes(records: readonly CloudTrailRecord[]) {
  const times = records.map((record) => record.eventTime).sort();
  return { oldestEventTime: times[0] as string, newestEventTime: times.at(-1) as string };
}

function randomUnique(): string {
  return Array.from({ length: 16 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
}
