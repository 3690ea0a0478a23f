import { describe, expect, it } from 'vitest';
import { PrincipalAllowList, principalOf, summariseKeyUsage } from '../../../layers/trail/key-usage';
import { kmsRecord } from '../../../layers/trail/kms-record';
import { MemoryTrailObjects } from '../../../layers/trail/objects';
import {
  type CloudTrailRecord,
  readTrailRecords,
  UnreadableLogFileError,
} from '../../../layers/trail/records';
import { LocalTrailWriter } from '../../../layers/trail/writer';
import {
  ACCOUNT,
  BUCKET,
  DATA_ROLE,
  decrypt,
  HOUR,
  KEY_A,
  KEY_B,
  LOCATION,
  T0,
  trailKey,
  writeTrail,
} from './support/trail';

const allow = new PrincipalAllowList([
  `arn:aws:iam::${ACCOUNT}:role/clinic-connect-prod-*`,
  'dynamodb.amazonaws.com',
]);
const INTRUDER = `arn:aws:iam::${ACCOUNT}:role/AdminRole`;

describe('summariseKeyUsage', () => {
  it('counts per key, principal, action and day, and calls out principals off the allow-list', async () => {
    const day2 = T0 + 24 * HOUR;
    const records: CloudTrailRecord[] = [
      decrypt(T0),
      decrypt(T0 + 60_000),
      decrypt(day2),
      decrypt(T0 + 120_000, KEY_B),
      kmsRecord({
        eventName: 'GenerateDataKey',
        keyArn: KEY_A,
        caller: { roleArn: DATA_ROLE, sessionName: 'invites' },
        eventTime: new Date(T0),
      }),
      decrypt(T0 + 180_000, KEY_A, INTRUDER),
      kmsRecord({
        eventName: 'Decrypt',
        keyArn: KEY_A,
        caller: { roleArn: INTRUDER, sessionName: 'console' },
        eventTime: new Date(T0 + 240_000),
        errorCode: 'AccessDeniedException',
      }),
    ];
    const summary = await summariseKeyUsage(records, { allow, keyArns: [KEY_A] });
    expect(summary.records).toBe(6);
    expect(summary.rows).toEqual([
      {
        keyArn: KEY_A,
        principal: INTRUDER,
        principalType: 'AssumedRole',
        action: 'Decrypt',
        day: '2026-03-02',
        count: 2,
        errors: 1,
        allowed: false,
      },
      {
        keyArn: KEY_A,
        principal: DATA_ROLE,
        principalType: 'AssumedRole',
        action: 'Decrypt',
        day: '2026-03-02',
        count: 2,
        errors: 0,
        allowed: true,
      },
      {
        keyArn: KEY_A,
        principal: DATA_ROLE,
        principalType: 'AssumedRole',
        action: 'GenerateDataKey',
        day: '2026-03-02',
        count: 1,
        errors: 0,
        allowed: true,
      },
      {
        keyArn: KEY_A,
        principal: DATA_ROLE,
        principalType: 'AssumedRole',
        action: 'Decrypt',
        day: '2026-03-03',
        count: 1,
        errors: 0,
        allowed: true,
      },
    ]);
    expect(summary.outsiders.map((row) => row.principal)).toEqual([INTRUDER]);
  });

  it('keeps to the time range and to KMS records', async () => {
    const s3: CloudTrailRecord = { ...decrypt(T0), eventSource: 's3.amazonaws.com', eventName: 'GetObject' };
    const summary = await summariseKeyUsage([decrypt(T0 - 1000), decrypt(T0), decrypt(T0 + HOUR), s3], {
      allow,
      start: new Date(T0),
      end: new Date(T0 + HOUR),
    });
    expect(summary.records).toBe(1);
  });
});

describe('principalOf', () => {
  it('takes the role of an assumed-role session, the service for a service, the ARN otherwise', () => {
    expect(principalOf(decrypt(T0).userIdentity)).toEqual({ principal: DATA_ROLE, type: 'AssumedRole' });
    expect(principalOf({ type: 'AWSService', invokedBy: 'dynamodb.amazonaws.com' })).toEqual({
      principal: 'dynamodb.amazonaws.com',
      type: 'AWSService',
    });
    expect(principalOf({ type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/Alice` }).principal).toBe(
      `arn:aws:iam::${ACCOUNT}:user/Alice`,
    );
    expect(principalOf({ type: 'Root', arn: `arn:aws:iam::${ACCOUNT}:root` }).principal).toBe(
      `arn:aws:iam::${ACCOUNT}:root`,
    );
  });
});

describe('PrincipalAllowList', () => {
  it('matches whole principals, with * and ? wildcards or regular expressions', () => {
    const list = new PrincipalAllowList([
      'arn:aws:iam::1:role/app-*',
      'arn:aws:iam::1:role/job-?',
      /^arn:aws:iam::2:role\/x$/,
    ]);
    expect(list.allows('arn:aws:iam::1:role/app-lookup')).toBe(true);
    expect(list.allows('arn:aws:iam::1:role/job-a')).toBe(true);
    expect(list.allows('arn:aws:iam::1:role/job-ab')).toBe(false);
    expect(list.allows('arn:aws:iam::2:role/x')).toBe(true);
    expect(list.allows('xarn:aws:iam::1:role/app-lookup')).toBe(false);
    expect(list.allows('arn:aws:iam::1:role/apps')).toBe(false);
    // A dot in a pattern is a dot, not "any character".
    expect(new PrincipalAllowList(['dynamodb.amazonaws.com']).allows('dynamodbXamazonaws.com')).toBe(false);
  });
});

describe('readTrailRecords', () => {
  it('reads the records of a time range from the log files, including files delivered after it ends', async () => {
    const { objects } = await writeTrail();
    const all: CloudTrailRecord[] = [];
    for await (const record of readTrailRecords(objects, LOCATION, {
      start: new Date(T0),
      end: new Date(T0 + 4 * HOUR),
    })) {
      all.push(record);
    }
    expect(all).toHaveLength(12);
    const firstHour: string[] = [];
    for await (const record of readTrailRecords(objects, LOCATION, {
      start: new Date(T0),
      end: new Date(T0 + HOUR),
    })) {
      firstHour.push(record.eventTime);
    }
    expect(firstHour.sort()).toEqual([
      '2026-03-02T09:10:31Z',
      '2026-03-02T09:12:31Z',
      '2026-03-02T09:40:31Z',
      '2026-03-02T09:42:31Z',
    ]);
    // The file delivered at 09:45 holds records up to 09:42; a range ending 09:41 still reads it.
    const upTo: string[] = [];
    const range = { start: new Date(T0 + 30 * 60_000), end: new Date(T0 + 41 * 60_000) };
    for await (const record of readTrailRecords(objects, LOCATION, range)) upTo.push(record.eventTime);
    expect(upTo).toEqual(['2026-03-02T09:40:31Z']);
  });

  it('reports an unreadable log file rather than skip it silently', async () => {
    const objects = new MemoryTrailObjects();
    const writer = new LocalTrailWriter({ ...LOCATION, objects, key: trailKey, startedAt: new Date(T0) });
    const { key } = await writer.deliverLogFile([decrypt(T0 + 1000)], new Date(T0 + 60_000));
    await objects.put(BUCKET, key, Buffer.from('garbage'));
    const range = { start: new Date(T0), end: new Date(T0 + HOUR) };
    const read = async (onUnreadable?: (error: UnreadableLogFileError) => void) => {
      for await (const _record of readTrailRecords(objects, LOCATION, range, onUnreadable)) {
        // nothing to read
      }
    };
    await expect(read()).rejects.toBeInstanceOf(UnreadableLogFileError);
    const seen: string[] = [];
    await read((error) => seen.push(error.key));
    expect(seen).toEqual([key]);
  });

  it('feeds the usage summary straight from the trail', async () => {
    const { objects } = await writeTrail();
    const summary = await summariseKeyUsage(
      readTrailRecords(objects, LOCATION, { start: new Date(T0), end: new Date(T0 + 4 * HOUR) }),
      { allow },
    );
    // Sorted by key ARN: KEY_B (…0987…) before KEY_A (…1234…); three hours, two log files, one Decrypt each.
    expect(summary.rows.map((row) => [row.keyArn, row.action, row.count])).toEqual([
      [KEY_B, 'Decrypt', 6],
      [KEY_A, 'Decrypt', 6],
    ]);
    expect(summary.outsiders).toEqual([]);
  });
});
