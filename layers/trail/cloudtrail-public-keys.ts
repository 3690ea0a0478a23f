import { type CloudTrailClient, ListPublicKeysCommand } from '@aws-sdk/client-cloudtrail';
import { type TrailPublicKey, type TrailPublicKeys, trailPublicKey } from './public-keys';

/**
 * CloudTrail's ListPublicKeys in the trail's home region, every page: the keys whose validity overlaps the
 * range. The fingerprint is recomputed from the key bytes (MD5 of `Value`), not taken on trust: it must be the
 * one the digests name, or they do not verify.
 */
export class CloudTrailPublicKeys implements TrailPublicKeys {
  constructor(private readonly client: CloudTrailClient) {}

  async list(startTime: Date, endTime: Date): Promise<TrailPublicKey[]> {
    const keys: TrailPublicKey[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListPublicKeysCommand({ StartTime: startTime, EndTime: endTime, NextToken: nextToken }),
      );
      for (const key of page.PublicKeyList ?? []) {
        if (!key.Value || !key.ValidityStartTime || !key.ValidityEndTime) continue;
        keys.push(trailPublicKey(key.Value, key.ValidityStartTime, key.ValidityEndTime));
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return keys;
  }
}
