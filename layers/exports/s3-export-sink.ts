import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/**
 * Where an offboarding export goes in AWS: one new object in the export bucket (SSE-KMS by the bucket's
 * default, versioned, expired after the bucket's retention), read back and compared before the caller goes
 * on to destroy anything. Refuses to overwrite an existing object.
 */
export function s3ExportSink(client: S3Client, bucket: string, key: string) {
  return async (json: string): Promise<void> => {
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: json,
        ContentType: 'application/json',
        IfNoneMatch: '*',
      }),
    );
    const stored = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = await stored.Body?.transformToString('utf8');
    if (text !== json) throw new Error('The export did not read back intact from S3; nothing was destroyed.');
  };
}

/** `exports/<practiceId>/<time>.json`: one object per run, sortable by time. */
export function exportObjectKey(practiceId: string, at: Date): string {
  return `exports/${practiceId}/${at.toISOString().replace(/[:.]/g, '-')}.json`;
}
