import { LOG_FILE_NAME, logFilePrefix, parseKeyDate, type TrailLocation } from './format';
import { gunzipFirstMember } from './gzip';
import type { TrailObjectReader } from './objects';

/** The `userIdentity` of a CloudTrail record ("CloudTrail userIdentity element"). */
export interface UserIdentity {
  type: 'AssumedRole' | 'IAMUser' | 'Root' | 'FederatedUser' | 'AWSAccount' | 'AWSService' | (string & {});
  principalId?: string;
  arn?: string;
  accountId?: string;
  accessKeyId?: string;
  userName?: string;
  invokedBy?: string;
  sessionContext?: {
    sessionIssuer?: { type: string; principalId: string; arn: string; accountId: string; userName: string };
    webIdFederationData?: Record<string, unknown>;
    attributes?: { creationDate: string; mfaAuthenticated: 'true' | 'false' };
  };
}

/** One entry of a log file's `Records` ("CloudTrail record contents"). */
export interface CloudTrailRecord {
  eventVersion: string;
  userIdentity: UserIdentity;
  eventTime: string;
  eventSource: string;
  eventName: string;
  awsRegion: string;
  sourceIPAddress?: string;
  userAgent?: string;
  errorCode?: string;
  errorMessage?: string;
  requestParameters?: Record<string, unknown> | null;
  responseElements?: unknown;
  additionalEventData?: Record<string, unknown>;
  requestID?: string;
  eventID: string;
  readOnly?: boolean;
  resources?: { accountId?: string; type?: string; ARN?: string }[];
  eventType: string;
  managementEvent?: boolean;
  recipientAccountId?: string;
  eventCategory?: string;
  tlsDetails?: { tlsVersion?: string; cipherSuite?: string; clientProvidedHostHeader?: string };
  [field: string]: unknown;
}

/** A log file could not be read as one (it is also reported by validation, if a digest lists it). */
export class UnreadableLogFileError extends Error {
  override readonly name: string = 'UnreadableLogFileError';
  constructor(readonly key: string) {
    super(`The log file ${key} is not a gzipped {"Records":[…]} document.`);
  }
}

const HOUR = 3_600_000;

/**
 * The records of one region of a trail whose `eventTime` is in [start, end), from the log files themselves (the
 * local stand-in for an Athena query over the trail). A log file is dated by delivery, which comes after its
 * events (usually within minutes), so files delivered up to an hour after `end` are read too.
 */
export async function* readTrailRecords(
  objects: TrailObjectReader,
  location: TrailLocation,
  range: { start: Date; end: Date },
  onUnreadable: (error: UnreadableLogFileError) => void = (error) => {
    throw error;
  },
): AsyncGenerator<CloudTrailRecord> {
  const start = range.start.getTime();
  const end = range.end.getTime();
  const lastDelivery = end + HOUR;
  for (let day = startOfDay(start); day <= lastDelivery; day += 24 * HOUR) {
    const folder = logFilePrefix(location, new Date(day));
    for await (const key of objects.list(location.bucket, folder)) {
      const match = LOG_FILE_NAME.exec(key);
      const delivered = match ? parseKeyDate(match[1] as string)?.getTime() : undefined;
      // Minute-dated names: a file named for the minute before `start` may hold records from `start` on.
      if (delivered === undefined || delivered < start - 60_000 || delivered > lastDelivery) continue;
      const object = await objects.get(location.bucket, key);
      if (!object) continue;
      let records: CloudTrailRecord[];
      try {
        const parsed = JSON.parse(gunzipFirstMember(object.body).data.toString('utf8')) as {
          Records?: unknown;
        };
        if (!Array.isArray(parsed.Records)) throw new Error('no Records');
        records = parsed.Records as CloudTrailRecord[];
      } catch {
        onUnreadable(new UnreadableLogFileError(key));
        continue;
      }
      for (const record of records) {
        const time = Date.parse(record?.eventTime);
        if (time >= start && time < end) yield record;
      }
    }
  }
}

function startOfDay(ms: number): number {
  return Math.floor(ms / (24 * HOUR)) * 24 * HOUR;
}
