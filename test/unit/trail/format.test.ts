import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  digestKey,
  digestKeyPattern,
  digestStringToSign,
  extractDigestKeyDate,
  isBackfillDigestKey,
  logFileKey,
  publicKeyFingerprint,
  trailTime,
} from '../../../layers/trail/format';
import { GzipFormatError, gunzipFirstMember } from '../../../layers/trail/gzip';

describe('CloudTrail key layout', () => {
  const docs = {
    bucket: 'amzn-s3-demo-bucket',
    accountId: '111122223333',
    region: 'us-east-2',
    trailName: 'your-trail-name',
  };

  it("names a digest as the User Guide's sample digest file is named", () => {
    expect(digestKey(docs, new Date('2015-08-17T15:01:31Z'))).toBe(
      'AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/' +
        '111122223333_CloudTrail-Digest_us-east-2_your-trail-name_us-east-2_20150817T150131Z.json.gz',
    );
  });

  it('puts the prefix and the organization id where the CLI expects them, and the home region last', () => {
    const key = digestKey(
      { ...docs, prefix: 'audit', organizationId: 'o-exampleorgid', homeRegion: 'eu-west-2' },
      new Date('2015-08-17T15:01:31Z'),
      true,
    );
    expect(key).toBe(
      'audit/AWSLogs/o-exampleorgid/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/' +
        '111122223333_CloudTrail-Digest_us-east-2_your-trail-name_eu-west-2_20150817T150131Z_backfill.json.gz',
    );
    expect(isBackfillDigestKey(key)).toBe(true);
    expect(
      digestKeyPattern({
        ...docs,
        prefix: 'audit',
        organizationId: 'o-exampleorgid',
        homeRegion: 'eu-west-2',
      }).test(key),
    ).toBe(true);
  });

  it('extracts the date from standard and backfill digest keys as the CLI does', () => {
    // The keys of the CLI's own tests (tests/unit/customizations/cloudtrail/test_validation.py).
    const standard =
      'AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2015/08/16/' +
      '123456789012_CloudTrail-Digest_us-east-1_foo_us-east-1_20150816T230550Z.json.gz';
    const backfill = standard.replace('.json.gz', '_backfill.json.gz');
    expect(extractDigestKeyDate(standard)).toBe('20150816T230550Z');
    expect(extractDigestKeyDate(backfill)).toBe('20150816T230550Z');
    expect(isBackfillDigestKey(standard)).toBe(false);
    expect(isBackfillDigestKey(backfill)).toBe(true);
    expect(isBackfillDigestKey('file_backfill_other.json.gz')).toBe(false);
  });

  it("matches only this trail's digests", () => {
    const pattern = digestKeyPattern(docs);
    const ours = digestKey(docs, new Date('2015-08-17T15:01:31Z'));
    expect(pattern.test(ours)).toBe(true);
    expect(pattern.test(ours.replace('your-trail-name', 'other-trail'))).toBe(false);
    expect(pattern.test(ours.replace('your-trail-name_us-east-2', 'your-trail-name_x_us-east-2'))).toBe(
      false,
    );
    expect(pattern.test(ours.replace('.json.gz', '.json'))).toBe(false);
  });

  it("names a log file as the User Guide's example log file is named", () => {
    expect(logFileKey(docs, new Date('2015-08-01T02:10:44Z'), 'Mu0KsOhtH1ar15ZZ')).toBe(
      'AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz',
    );
    expect(() => logFileKey(docs, new Date(), 'short')).toThrow(/16/);
  });

  it('writes times in whole seconds, UTC', () => {
    expect(trailTime(new Date('2015-08-17T15:01:31.987Z'))).toBe('2015-08-17T15:01:31Z');
  });
});

describe('digestStringToSign', () => {
  it("is end time, bucket/key, hex SHA-256 of the inflated digest, previous signature (or 'null'), by newlines", () => {
    const inflated = new TextEncoder().encode('{"a":1}');
    const hash = createHash('sha256').update(inflated).digest('hex');
    const digest = {
      digestEndTime: '2015-08-12T04:01:31Z',
      digestS3Bucket: 'bucket',
      digestS3Object: 'AWSLogs/x.json.gz',
      previousDigestSignature: 'abcd',
    };
    expect(digestStringToSign(digest, inflated)).toBe(
      `2015-08-12T04:01:31Z\nbucket/AWSLogs/x.json.gz\n${hash}\nabcd`,
    );
    expect(digestStringToSign({ ...digest, previousDigestSignature: null }, inflated).split('\n')[3]).toBe(
      'null',
    );
  });
});

describe('publicKeyFingerprint', () => {
  // Value/Fingerprint pairs published by AWS: the aws-cli's list-public-keys example, and the three keys in
  // the User Guide's "Custom implementations of CloudTrail log file integrity validation" (the last one SPKI).
  const published = [
    [
      'MIIBCgKCAQEAlSS3cl92HDycr/MTj0moOhas8habjrraXw+KzlWF0axSI2tcF+3iJ9BKQAVSKxGwxwu3m0wG3J+kUl1xboEcEPHYoIYMbgfSw7KGnuDKwkLzsQWhUJ0cIbOHASox1vv/5fNXkrHhGbDCHeVXm804c83nvHUEFYThr1PfyP/8HwrCtR3FX5OANtQCP61C1nJtSSkC8JSQUOrIP4CuwJjc+4WGDk+BGH5m9iuiAKkipEHWmUl8/P7XpfpWQuk4h8g3pXZOrNXr08lbh4d39svj7UqdhvOXoBISp9t/EXYuePGEtBdrKD9Dz+VHwyUPtBQvYr9BnkF88qBnaPNhS44rzwIDAQAB',
      '7f3f401420072e50a65a141430817ab3',
    ],
    [
      'MIIBCgKCAQEAn11L2YZ9h7onug2ILi1MWyHiMRsTQjfWE+pHVRLk1QjfWhirG+lpOa8NrwQ/r7Ah5bNL6HepznOU9XTDSfmmnP97mqyc7z/upfZdS/AHhYcGaz7n6Wc/RRBU6VmiPCrAUojuSk6/GjvA8iOPFsYDuBtviXarvuLPlrT9kAd4Lb+rFfR5peEgBEkhlzc5HuWO7S0y+KunqxX6jQBnXGMtxmPBPP0FylgWGNdFtks/4YSKcgqwH0YDcawP9GGGDAeCIqPWIXDLG1jOjRRzWfCmD0iJUkz8vTsn4hq/5ZxRFE7UBAUiVcGbdnDdvVfhF9C3dQiDq3k7adQIziLT0cShgQIDAQAB',
      '8eba5db5bea9b640d1c96a77256fe7f2',
    ],
    [
      'MIIBCgKCAQEApfYL2FiZhpN74LNWVUzhR+VheYhwhYm8w0n5Gf6i95ylW5kBAWKVEmnAQG7BvS5g9SMqFDQx52fW7NWV44IvfJ2xGXT+wT+DgR6ZQ+6yxskQNqV5YcXj4Aa5Zz4jJfsYjDuO2MDTZNIzNvBNzaBJ+r2WIWAJ/Xq54kyF63B6WE38vKuDE7nSd1FqQuEoNBFLPInvgggYe2Ym1Refe2z71wNcJ2kY+q0h1BSHrSM8RWuJIw7MXwF9iQncg9jYzUlNJomozQzAG5wSRfbplcCYNY40xvGd/aAmO0m+Y+XFMrKwtLCwseHPvj843qVno6x4BJN9bpWnoPo9sdsbGoiK3QIDAQAB',
      '8933b39ddc64d26d8e14ffbf6566fee4',
    ],
    [
      'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqlzPJbvZJ42UdcmLfPUqXYNfOs6I8lCfao/tOs8CmzPOEdtLWugB9xoIUz78qVHdKIqxbaG4jWHfJBiOSSFBM0lt8cdVo4TnRa7oG9io5pysS6DJhBBAeXsicufsiFJR+wrUNh8RSLxL4k6G1+BhLX20tJkZ/erT97tDGBujAelqseGg3vPZbTx9SMfOLN65PdLFudLP7Gat0Z9p5jw/rjpclKfo9Bfc3heeBxWGKwBBOKnFAaN9V57pOaosCvPKmHd9bg7jsQkI9Xp22IzGLsTFJZYVA3KiTAElDMu80iFXPHEq9hKNbt9e4URFam+1utKVEiLkR2disdCmPTK0VQIDAQAB',
      '31e8b5433410dfb61a9dc45cc65b22ff',
    ],
  ] as const;

  it.each(published)('is the hex MD5 of the key value (%#)', (value, fingerprint) => {
    expect(publicKeyFingerprint(Buffer.from(value, 'base64'))).toBe(fingerprint);
  });
});

describe('gunzipFirstMember', () => {
  const one = gzipSync('{"Records":[]}');

  it('inflates one member and reports nothing after it', () => {
    expect(gunzipFirstMember(one)).toEqual({ data: Buffer.from('{"Records":[]}'), trailing: false });
  });

  it('reports bytes after the first member (a second member or junk), as Python zlib does', () => {
    expect(gunzipFirstMember(Buffer.concat([one, gzipSync('more')])).trailing).toBe(true);
    expect(gunzipFirstMember(Buffer.concat([one, Buffer.from('junk')]))).toMatchObject({ trailing: true });
  });

  it('refuses what is not gzip, or is damaged', () => {
    expect(() => gunzipFirstMember(Buffer.from('{"Records":[]}'))).toThrow(GzipFormatError);
    const damaged = Buffer.from(one);
    damaged[damaged.length - 6] = (damaged[damaged.length - 6] as number) ^ 1; // the CRC
    expect(() => gunzipFirstMember(damaged)).toThrow(GzipFormatError);
    expect(() => gunzipFirstMember(one.subarray(0, one.length - 4))).toThrow(GzipFormatError);
  });

  it('reads a header with a file name, as gzip(1) writes it', () => {
    const named = Buffer.from(one);
    named[3] = 0x08;
    const withName = Buffer.concat([named.subarray(0, 10), Buffer.from('log.json\0'), named.subarray(10)]);
    expect(gunzipFirstMember(withName).data.toString()).toBe('{"Records":[]}');
  });
});
