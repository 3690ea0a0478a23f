import { kmsRecord } from '../../../../layers/trail/kms-record';
import { MemoryTrailObjects, type TrailObjects } from '../../../../layers/trail/objects';
import { StaticTrailPublicKeys } from '../../../../layers/trail/public-keys';
import { TrailValidator } from '../../../../layers/trail/validator';
import { LocalTrailWriter, TrailSigningKey } from '../../../../layers/trail/writer';

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-2';
export const BUCKET = 'clinic-connect-trail';
export const TRAIL = 'clinic-connect';
export const TRAIL_ARN = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/${TRAIL}`;
export const LOCATION = { bucket: BUCKET, accountId: ACCOUNT, region: REGION, trailName: TRAIL };
export const KEY_A = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
export const KEY_B = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0987dcba-09fe-87dc-65ba-ab0987654321`;
export const DATA_ROLE = `arn:aws:iam::${ACCOUNT}:role/clinic-connect-prod-practice-data`;
export const HOUR = 3_600_000;
export const T0 = Date.parse('2026-03-02T09:00:31Z');

// One key for the whole file: RSA key generation is the slow part.
export const trailKey = TrailSigningKey.generate();

let counter = 0;
const unique = () => `U${String(++counter).padStart(15, '0')}`;

export function decrypt(at: number, keyArn = KEY_A, roleArn = DATA_ROLE) {
  return kmsRecord({
    eventName: 'Decrypt',
    keyArn,
    caller: { roleArn, sessionName: 'clinic-connect-prod-lookup' },
    eventTime: new Date(at),
    encryptionContext: { practiceId: 'practice-a' },
  });
}

/**
 * Four hourly digests from T0: hours 1 to 3 each with two log files of KMS records, hour 4 with none (an
 * "empty" digest, as CloudTrail writes for a quiet hour).
 */
export async function writeTrail(objects: TrailObjects = new MemoryTrailObjects(), key = trailKey) {
  const writer = new LocalTrailWriter({
    ...LOCATION,
    objects,
    key,
    startedAt: new Date(T0),
    uniqueString: unique,
  });
  const logs: string[] = [];
  const digests: string[] = [];
  for (let hour = 0; hour < 4; hour++) {
    const base = T0 + hour * HOUR;
    if (hour < 3) {
      for (const minute of [10, 40]) {
        const records = [decrypt(base + minute * 60_000), decrypt(base + (minute + 2) * 60_000, KEY_B)];
        logs.push((await writer.deliverLogFile(records, new Date(base + (minute + 5) * 60_000))).key);
      }
    }
    digests.push((await writer.deliverDigest(new Date(base + HOUR))).key);
  }
  return { objects, writer, logs, digests };
}

export function validator(objects: TrailObjects, keys = [trailKey.publicKey]) {
  return new TrailValidator({
    objects,
    publicKeys: new StaticTrailPublicKeys(keys),
    trailArn: TRAIL_ARN,
    bucket: BUCKET,
  });
}

export const wholeRange = { start: new Date(T0), end: new Date(T0 + 4 * HOUR) };
