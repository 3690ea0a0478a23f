import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { CloudTrailClient, ListPublicKeysCommand } from '@aws-sdk/client-cloudtrail';
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AthenaKeyUsage, evidenceQueries, TrailQueryError } from '../../../layers/trail/athena-key-usage';
import { CloudTrailPublicKeys } from '../../../layers/trail/cloudtrail-public-keys';
import { publicKeyFingerprint } from '../../../layers/trail/format';
import { PrincipalAllowList } from '../../../layers/trail/key-usage';
import { S3TrailObjects } from '../../../layers/trail/s3-trail-objects';

const s3 = mockClient(S3Client);
const cloudtrail = mockClient(CloudTrailClient);
const athena = mockClient(AthenaClient);
beforeEach(() => {
  s3.reset();
  cloudtrail.reset();
  athena.reset();
});

const KEY = 'arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const TABLE = {
  workGroup: 'clinic-connect-prod-evidence',
  database: 'clinic_connect_prod_evidence',
  table: 'cloudtrail',
};
const QUERY = {
  keyArn: KEY,
  partitionKey: 'PRACTICE#b82001',
  start: new Date('2026-03-01T00:00:00Z'),
  end: new Date('2026-03-02T00:00:00Z'),
};

describe('reading the trail’s bucket (S3)', () => {
  it('lists from a marker and reads objects with their metadata, as validate-logs does', async () => {
    s3.on(ListObjectsV2Command)
      .resolvesOnce({ Contents: [{ Key: 'a' }], NextContinuationToken: 't', IsTruncated: true })
      .resolvesOnce({ Contents: [{ Key: 'b' }] });
    const objects = new S3TrailObjects(new S3Client({}));
    const keys: string[] = [];
    for await (const key of objects.list('trail', 'AWSLogs/', 'marker')) keys.push(key);
    expect(keys).toEqual(['a', 'b']);
    expect(s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toMatchObject({
      Bucket: 'trail',
      Prefix: 'AWSLogs/',
      StartAfter: 'marker',
    });
    s3.on(GetObjectCommand).resolves({
      Body: { transformToByteArray: async () => new Uint8Array([1, 2]) } as never,
      Metadata: { Signature: 'ab', 'signature-algorithm': 'SHA256withRSA' },
    });
    expect(await objects.get('trail', 'a')).toEqual({
      body: new Uint8Array([1, 2]),
      metadata: { signature: 'ab', 'signature-algorithm': 'SHA256withRSA' },
    });
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'gone', $metadata: {} }));
    expect(await objects.get('trail', 'missing')).toBeUndefined();
  });
});

describe('CloudTrail’s public keys', () => {
  it('pages through ListPublicKeys and fingerprints each key from its bytes', async () => {
    const value = new Uint8Array([9, 8, 7]);
    cloudtrail
      .on(ListPublicKeysCommand)
      .resolvesOnce({
        PublicKeyList: [
          {
            Value: value,
            ValidityStartTime: new Date(0),
            ValidityEndTime: new Date(1e13),
            Fingerprint: 'not-trusted',
          },
        ],
        NextToken: 'n',
      })
      .resolvesOnce({ PublicKeyList: [] });
    const keys = await new CloudTrailPublicKeys(new CloudTrailClient({})).list(QUERY.start, QUERY.end);
    expect(keys).toHaveLength(1);
    expect(keys[0]?.fingerprint).toBe(publicKeyFingerprint(value));
    expect(cloudtrail.commandCalls(ListPublicKeysCommand)[1]?.args[0].input.NextToken).toBe('n');
  });
});

describe('key use from Athena', () => {
  it('queries the practice’s key and items, bounded by the days’ partitions', () => {
    const sql = evidenceQueries(TABLE, QUERY);
    expect(sql.keyUsage).toContain(`any_match(resources, r -> r.arn = '${KEY}')`);
    expect(sql.keyUsage).toContain("timestamp BETWEEN '2026/03/01' AND '2026/03/02'");
    expect(sql.keyUsage).toContain('"clinic_connect_prod_evidence"."cloudtrail"');
    expect(sql.itemAccess).toContain("eventsource = 'dynamodb.amazonaws.com'");
    expect(sql.itemAccess).toContain('PRACTICE#b82001');
  });

  it('refuses anything that is not a key ARN or a practice partition rather than put it into SQL', () => {
    expect(() => evidenceQueries(TABLE, { ...QUERY, keyArn: `${KEY}' OR '1'='1` })).toThrow(TypeError);
    expect(() => evidenceQueries(TABLE, { ...QUERY, partitionKey: "PRACTICE#x' --" })).toThrow(TypeError);
  });

  it('waits for each query, reads every page, and calls out principals outside the app’s roles', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q1' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    const header = {
      Data: ['principal', 'principaltype', 'eventname', 'day', 'calls', 'errors'].map((v) => ({
        VarCharValue: v,
      })),
    };
    const row = (principal: string, calls: string) => ({
      Data: [principal, 'AssumedRole', 'Decrypt', '2026-03-01', calls, '0'].map((v) => ({ VarCharValue: v })),
    });
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        Rows: [
          header,
          row('arn:aws:iam::111122223333:role/ClinicConnect-prod-eu-west-2-PracticeData', '12'),
          row('arn:aws:iam::111122223333:role/Intruder', '1'),
        ],
      },
    });
    const evidence = await new AthenaKeyUsage(new AthenaClient({}), TABLE, { pollMs: 1 }).evidence(
      QUERY,
      new PrincipalAllowList(['arn:aws:iam::111122223333:role/ClinicConnect-prod-*']),
    );
    expect(evidence.keyUsage.map((r) => [r.principal.split('/').at(-1), r.count, r.allowed])).toEqual([
      ['ClinicConnect-prod-eu-west-2-PracticeData', 12, true],
      ['Intruder', 1, false],
    ]);
    expect(evidence.itemAccess.map((r) => r.principal)).toEqual(['arn:aws:iam::111122223333:role/Intruder']);
    expect(athena.commandCalls(StartQueryExecutionCommand)[0]?.args[0].input).toMatchObject({
      WorkGroup: TABLE.workGroup,
      QueryExecutionContext: { Database: TABLE.database },
    });
  });

  it('fails as TrailQueryError when Athena fails or takes too long', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q1' });
    athena
      .on(GetQueryExecutionCommand)
      .resolves({ QueryExecution: { Status: { State: 'FAILED', StateChangeReason: 'no table' } } });
    const allow = new PrincipalAllowList([]);
    await expect(
      new AthenaKeyUsage(new AthenaClient({}), TABLE, { pollMs: 1 }).evidence(QUERY, allow),
    ).rejects.toBeInstanceOf(TrailQueryError);
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    await expect(
      new AthenaKeyUsage(new AthenaClient({}), TABLE, { pollMs: 1, timeoutMs: 5 }).evidence(QUERY, allow),
    ).rejects.toThrow(/did not finish in time/);
  });
});
