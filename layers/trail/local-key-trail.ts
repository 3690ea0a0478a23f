import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createPrivateFile, ensurePrivateDir, isNotFound } from '../crypto/key-material-store';
import { logFileKey, sha256Hex, type TrailLocation } from './format';
import { gzip } from './gzip';
import { type AssumedRoleCaller, type KmsEventName, kmsRecord } from './kms-record';
import { FileTrailObjects } from './objects';
import { StaticTrailPublicKeys } from './public-keys';
import type { CloudTrailRecord } from './records';
import { TrailValidator } from './validator';
import { LocalTrailWriter, TrailSigningKey } from './writer';

/**
 * The local trail: what CloudTrail would deliver for this app's key use, written by the local key service
 * (layers/crypto/local-practice-keys.ts, the stand-in for KMS) in CloudTrail's own format and layout, under
 * `${dataDir}/trail/`: log files as each key is used, digests signed by a local RSA key every minute
 * (CloudTrail: hourly). The report's "AWS evidence" reads it with the same code as the real trail, and
 * `aws cloudtrail validate-logs` would accept it if the tree were copied to a bucket (with the public key).
 */
export const LOCAL_TRAIL: TrailLocation & { trailArn: string } = {
  bucket: 'clinic-connect-local-trail',
  accountId: '000000000000',
  region: 'eu-west-2',
  trailName: 'clinic-connect-local',
  trailArn: 'arn:aws:cloudtrail:eu-west-2:000000000000:trail/clinic-connect-local',
};

/** The app's roles on a laptop, as the local trail names them: every one starts with this. */
export const LOCAL_ROLE_PREFIX = `arn:aws:iam::${LOCAL_TRAIL.accountId}:role/ClinicConnect-local-`;

/** Who uses practice keys locally: the stand-in of the stage's practice data role. */
export const LOCAL_DATA_ROLE: AssumedRoleCaller = {
  roleArn: `${LOCAL_ROLE_PREFIX}eu-west-2-PracticeData`,
  sessionName: 'clinic-connect-local',
};

export function localTrailDir(dataDir: string): string {
  return join(dataDir, 'trail');
}

/**
 * A practice's key as the local trail names it: a KMS key ARN whose id is derived from the practice id (the
 * local key is a file, and has no ARN of its own). Stable, so reports find its records across restarts.
 */
export function localPracticeKeyArn(practiceId: string): string {
  const hex = createHash('sha256').update(`clinic-connect-local/${practiceId}`).digest('hex');
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  return `arn:aws:kms:${LOCAL_TRAIL.region}:${LOCAL_TRAIL.accountId}:key/${uuid}`;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function uniqueString(): string {
  const bytes = createHash('sha256').update(`${process.pid}/${Date.now()}/${Math.random()}`).digest();
  return Array.from({ length: 16 }, (_, index) => ALPHABET[(bytes[index] as number) % ALPHABET.length]).join(
    '',
  );
}

export interface KeyUse {
  eventName: KmsEventName;
  practiceId: string;
  caller?: AssumedRoleCaller;
  /** Set on a refused call (e.g. `KMSInvalidStateException` for a destroyed key). */
  errorCode?: string;
  at?: Date;
}

/**
 * Writes and reads the local trail. Log files are written by whichever process uses a key (the local stack,
 * `npm run practice:onboard`, a test), each under a name of its own; digests are delivered by one process,
 * the local stack (infra/capabilities/cloudtrail.ts), which picks up every log file since the last digest from
 * the directory itself, so there is no shared state to get out of step.
 */
export class LocalKeyTrail {
  readonly objects: FileTrailObjects;
  private key?: Promise<TrailSigningKey>;

  constructor(readonly dir: string) {
    this.objects = new FileTrailObjects(dir);
  }

  /** One log file with one record of one use of a practice key. */
  async recordKeyUse(use: KeyUse): Promise<void> {
    const at = use.at ?? new Date();
    const record = kmsRecord({
      eventName: use.eventName,
      keyArn: localPracticeKeyArn(use.practiceId),
      caller: use.caller ?? LOCAL_DATA_ROLE,
      eventTime: at,
      ...(use.eventName === 'Decrypt' || use.eventName === 'GenerateDataKey'
        ? { encryptionContext: { practiceId: use.practiceId, purpose: 'practice-data-key' } }
        : {}),
      ...(use.errorCode ? { errorCode: use.errorCode, errorMessage: '' } : {}),
      sourceIPAddress: '127.0.0.1',
    });
    await this.deliverLogFile([record], at);
  }

  async deliverLogFile(records: readonly CloudTrailRecord[], deliveredAt = new Date()): Promise<string> {
    await this.startedAt(deliveredAt);
    const key = logFileKey(LOCAL_TRAIL, deliveredAt, uniqueString());
    const json = Buffer.from(JSON.stringify({ Records: records }), 'utf8');
    await this.objects.put(LOCAL_TRAIL.bucket, key, gzip(json));
    return sha256Hex(json);
  }

  /** The digest for everything delivered since the last one (CloudTrail writes one even for a quiet hour). */
  async deliverDigest(endTime = new Date()): Promise<{ key: string } | undefined> {
    const startedAt = await this.startedAt();
    if (!startedAt) return undefined; // nothing was ever written
    const writer = await LocalTrailWriter.resume({
      ...LOCAL_TRAIL,
      objects: this.objects,
      key: await this.signingKey(),
      startedAt,
    });
    try {
      return await writer.deliverDigest(endTime);
    } catch (error) {
      if (error instanceof RangeError) return undefined; // the last digest ends this second already
      throw error;
    }
  }

  /** The trail's validator, with the local key as ListPublicKeys would give it. */
  async validator(): Promise<TrailValidator> {
    const key = await this.signingKey();
    return new TrailValidator({
      objects: this.objects,
      publicKeys: new StaticTrailPublicKeys([key.publicKey]),
      trailArn: LOCAL_TRAIL.trailArn,
      bucket: LOCAL_TRAIL.bucket,
    });
  }

  signingKey(): Promise<TrailSigningKey> {
    this.key ??= TrailSigningKey.open(join(this.dir, '.keys'));
    return this.key;
  }

  /** When the trail began (its first digest starts then); recorded by the first write. */
  private async startedAt(now?: Date): Promise<Date | undefined> {
    const path = join(this.dir, '.started-at');
    if (now) {
      await ensurePrivateDir(this.dir);
      // Whole seconds, as CloudTrail's digest times are.
      await createPrivateFile(path, new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString());
    }
    try {
      return new Date((await readFile(path, 'utf8')).trim());
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}
