import { GetObjectCommand, NoSuchKey, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import type { TrailObject, TrailObjectReader } from './objects';

/**
 * The trail's bucket, read as `aws cloudtrail validate-logs` reads it: ListObjectsV2 from a marker, in S3's key
 * order, and GetObject with the user metadata (a digest's `signature` and `signature-algorithm`). Objects are
 * SSE-KMS encrypted under the trail's key: the role needs `kms:Decrypt` on it through S3.
 */
export class S3TrailObjects implements TrailObjectReader {
  constructor(private readonly client: S3Client) {}

  async *list(bucket: string, prefix: string, startAfter?: string): AsyncIterable<string> {
    const pages = paginateListObjectsV2(
      { client: this.client, pageSize: 1_000 },
      { Bucket: bucket, Prefix: prefix, ...(startAfter ? { StartAfter: startAfter } : {}) },
    );
    for await (const page of pages) {
      for (const object of page.Contents ?? []) if (object.Key) yield object.Key;
    }
  }

  async get(bucket: string, key: string): Promise<TrailObject | undefined> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const body = await response.Body?.transformToByteArray();
      if (!body) return undefined;
      const metadata: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.Metadata ?? {}))
        metadata[name.toLowerCase()] = value;
      return { body, metadata };
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }
}
