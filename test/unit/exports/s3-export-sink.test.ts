import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { exportObjectKey, s3ExportSink } from '../../../layers/exports/s3-export-sink';

const s3 = mockClient(S3Client);
/** The part of the SDK's streaming body the sink uses. */
const body = (text: string) =>
  ({ transformToString: async () => text }) as unknown as GetObjectCommandOutput['Body'];

beforeEach(() => s3.reset());

describe('the S3 export sink', () => {
  it('writes one new object (never over another) and reads it back', async () => {
    const json = '{"format":"clinic-connect/practice-export"}\n';
    s3.on(PutObjectCommand).resolves({});
    s3.on(GetObjectCommand).resolves({ Body: body(json) });
    await s3ExportSink(new S3Client({}), 'exports-bucket', 'exports/p1/x.json')(json);
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'exports-bucket',
      Key: 'exports/p1/x.json',
      Body: json,
      ContentType: 'application/json',
      IfNoneMatch: '*',
    });
    expect(s3.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'exports-bucket',
      Key: 'exports/p1/x.json',
    });
  });

  it('fails when what comes back is not what was written, so nothing is destroyed', async () => {
    s3.on(PutObjectCommand).resolves({});
    s3.on(GetObjectCommand).resolves({ Body: body('{"truncated') });
    await expect(s3ExportSink(new S3Client({}), 'b', 'k')('{"whole":true}')).rejects.toThrow(
      /did not read back intact/,
    );
  });

  it('names one object per run under exports/<practice>/', () => {
    expect(exportObjectKey('b82001', new Date('2026-11-23T18:01:02.345Z'))).toBe(
      'exports/b82001/2026-11-23T18-01-02-345Z.json',
    );
  });
});
