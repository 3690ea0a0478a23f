import { publicKeyFingerprint } from './format';

/** One entry of CloudTrail ListPublicKeys' `PublicKeyList` (as the JS SDK returns it: `Value` as bytes). */
export interface TrailPublicKey {
  /** DER, PKCS #1 RSAPublicKey ("The DER encoded public key value in PKCS #1 format"). */
  value: Uint8Array;
  validityStartTime: Date;
  validityEndTime: Date;
  /** Hex MD5 of `value`. */
  fingerprint: string;
}

/**
 * Port: CloudTrail's ListPublicKeys for the trail's home region (in AWS an adapter over
 * `@aws-sdk/client-cloudtrail`, paging through `NextToken`; locally the local trail's own key).
 */
export interface TrailPublicKeys {
  list(startTime: Date, endTime: Date): Promise<TrailPublicKey[]>;
}

/** A fixed set of keys, returned when their validity overlaps the range asked for (as ListPublicKeys does). */
export class StaticTrailPublicKeys implements TrailPublicKeys {
  constructor(private readonly keys: readonly TrailPublicKey[]) {}

  async list(startTime: Date, endTime: Date) {
    return this.keys.filter((key) => key.validityStartTime <= endTime && key.validityEndTime >= startTime);
  }
}

export function trailPublicKey(
  value: Uint8Array,
  validityStartTime: Date,
  validityEndTime: Date,
): TrailPublicKey {
  return { value, validityStartTime, validityEndTime, fingerprint: publicKeyFingerprint(value) };
}
