import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DigestConflictError, type SignedAuditDigest } from '../../../layers/audit/seal/digest';
import { S3DigestStore } from '../../../layers/audit/seal/s3-digest-store';
import { sealedTrail } from './support/sealing';

const s3 = mockClient(S3Client);
const body = (text: string) =>
  ({ transformToString: async () => text }) as unknown as GetObjectCommandOutput['Body'];
const preconditionFailed = () =>
  new S3ServiceException({
    name: 'PreconditionFailed',
    $fault: 'client',
    $metadata: { httpStatusCode: 412 },
  });

let chain: SignedAuditDigest[];
beforeEach(async () => {
  s3.reset();
  chain ??= (await sealedTrail()).digests.all('practice-a');
});

describe('the digests’ write-once copies in S3', () => {
  it('writes each digest once, under its practice and sequence number, never over another', async () => {
    s3.on(PutObjectCommand).resolves({});
    const signed = chain[2] as SignedAuditDigest;
    await new S3DigestStore(new S3Client({}), 'digest-bucket').put(signed);
    const input = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      Bucket: 'digest-bucket',
      Key: 'audit-digests/practice-a/000000000003.json',
      IfNoneMatch: '*',
      ContentType: 'application/json',
    });
    expect(JSON.parse(String(input?.Body))).toEqual(signed);
  });

  it('finds a retried write done already, and a different digest under a taken number a conflict', async () => {
    const signed = chain[0] as SignedAuditDigest;
    s3.on(PutObjectCommand).rejects(preconditionFailed());
    s3.on(GetObjectCommand).resolves({ Body: body(JSON.stringify(signed)) });
    const store = new S3DigestStore(new S3Client({}), 'digest-bucket');
    await expect(store.put(signed)).resolves.toBeUndefined();
    s3.on(GetObjectCommand).resolves({ Body: body(JSON.stringify(chain[1])) });
    await expect(store.put({ ...signed })).rejects.toBeInstanceOf(DigestConflictError);
  });

  it('lists a practice’s copies in sequence order, as stored', async () => {
    s3.on(ListObjectsV2Command).resolves({
      Contents: [
        { Key: 'audit-digests/practice-a/000000000002.json' },
        { Key: 'audit-digests/practice-a/000000000001.json' },
        { Key: 'audit-digests/practice-a/README' },
      ],
    });
    s3.on(GetObjectCommand, { Key: 'audit-digests/practice-a/000000000001.json' }).resolves({
      Body: body(JSON.stringify(chain[0])),
    });
    s3.on(GetObjectCommand, { Key: 'audit-digests/practice-a/000000000002.json' }).resolves({
      Body: body(JSON.stringify(chain[1])),
    });
    const store = new S3DigestStore(new S3Client({}), 'digest-bucket');
    const listed: SignedAuditDigest[] = [];
    for await (const signed of store.list('practice-a')) listed.push(signed);
    expect(listed.map((signed) => signed.digest.sequence)).toEqual([1, 2]);
    expect(s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toMatchObject({
      Bucket: 'digest-bucket',
      Prefix: 'audit-digests/practice-a/',
    });
    expect((await store.latest('practice-a'))?.digest.sequence).toBe(2);
  });

  it('refuses a practice id that is not one (it names the objects)', async () => {
    await expect(new S3DigestStore(new S3Client({}), 'b').get('../x', 1)).rejects.toThrow(/practice id/);
  });
});
