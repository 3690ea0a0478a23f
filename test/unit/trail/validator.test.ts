import { createPublicKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type CloudTrailDigestFile,
  digestKey,
  digestStringToSign,
  sha256Hex,
} from '../../../layers/trail/format';
import { gunzipFirstMember } from '../../../layers/trail/gzip';
import { FileTrailObjects, MemoryTrailObjects } from '../../../layers/trail/objects';
import { StaticTrailPublicKeys } from '../../../layers/trail/public-keys';
import { TrailValidationError, TrailValidator } from '../../../layers/trail/validator';
import { LocalTrailWriter, TrailSigningKey } from '../../../layers/trail/writer';
import {
  BUCKET,
  decrypt,
  HOUR,
  LOCATION,
  T0,
  TRAIL_ARN,
  trailKey,
  validator,
  wholeRange,
  writeTrail,
} from './support/trail';

async function readDigest(objects: MemoryTrailObjects, key: string) {
  const object = (await objects.get(BUCKET, key)) as NonNullable<
    Awaited<ReturnType<MemoryTrailObjects['get']>>
  >;
  return {
    digest: JSON.parse(gunzipFirstMember(object.body).data.toString()) as CloudTrailDigestFile,
    object,
  };
}

/** Writes `digest` at `key`, signed by `key` (CloudTrail's key unless another is given), as CloudTrail would. */
async function writeSigned(
  objects: MemoryTrailObjects,
  key: string,
  digest: CloudTrailDigestFile,
  signer = trailKey,
) {
  const inflated = Buffer.from(JSON.stringify(digest));
  await objects.put(BUCKET, key, gzipSync(inflated), {
    signature: signer.sign(digestStringToSign(digest, inflated)),
    'signature-algorithm': 'SHA256withRSA',
  });
}

const kinds = (report: Awaited<ReturnType<TrailValidator['validate']>>) =>
  report.findings.map((finding) => ({ kind: finding.kind, key: finding.key }));

describe('TrailValidator on a trail written in CloudTrail format', () => {
  it('validates a good chain: every digest and log file, newest first, like validate-logs', async () => {
    const { objects, digests, logs } = await writeTrail();
    const report = await validator(objects).validate(wholeRange);
    expect(report).toMatchObject({
      ok: true,
      digests: { valid: 4, invalid: 0 },
      backfillDigests: { valid: 0, invalid: 0 },
      logs: { valid: 6, invalid: 0, notFound: 0 },
      findings: [],
      foundStart: '2026-03-02T09:00:31Z',
      foundEnd: '2026-03-02T13:00:31Z',
    });
    expect(report.digestResults.map((result) => result.key)).toEqual([...digests].reverse());
    expect(report.logResults.map((result) => result.key).sort()).toEqual([...logs].sort());
  });

  it('writes digests CloudTrail would: contiguous hours, chained, empty when nothing was delivered', async () => {
    const { objects, digests } = await writeTrail();
    const chain = await Promise.all(digests.map((key) => readDigest(objects as MemoryTrailObjects, key)));
    const [first, second, , last] = chain.map((entry) => entry.digest);
    expect(first).toMatchObject({
      awsAccountId: '111122223333',
      digestStartTime: '2026-03-02T09:00:31Z',
      digestEndTime: '2026-03-02T10:00:31Z',
      digestS3Bucket: BUCKET,
      digestS3Object: digests[0],
      digestPublicKeyFingerprint: trailKey.publicKey.fingerprint,
      digestSignatureAlgorithm: 'SHA256withRSA',
      oldestEventTime: '2026-03-02T09:10:31Z',
      newestEventTime: '2026-03-02T09:42:31Z',
      previousDigestS3Bucket: null,
      previousDigestS3Object: null,
      previousDigestHashValue: null,
      previousDigestHashAlgorithm: null,
      previousDigestSignature: null,
    });
    expect(first?.logFiles[0]).toEqual({
      s3Bucket: BUCKET,
      s3Object: expect.stringMatching(
        /^AWSLogs\/111122223333\/CloudTrail\/eu-west-2\/2026\/03\/02\/111122223333_CloudTrail_eu-west-2_20260302T0915Z_\w{16}\.json\.gz$/,
      ),
      hashValue: expect.stringMatching(/^[0-9a-f]{64}$/),
      hashAlgorithm: 'SHA-256',
      newestEventTime: '2026-03-02T09:12:31Z',
      oldestEventTime: '2026-03-02T09:10:31Z',
    });
    expect(second).toMatchObject({
      digestStartTime: first?.digestEndTime,
      previousDigestS3Object: digests[0],
      previousDigestHashAlgorithm: 'SHA-256',
      previousDigestHashValue: sha256Hex(
        gunzipFirstMember((chain[0] as { object: { body: Uint8Array } }).object.body).data,
      ),
      previousDigestSignature: chain[0]?.object.metadata.signature,
    });
    expect(last).toMatchObject({ logFiles: [], newestEventTime: null, oldestEventTime: null });
    expect(chain[0]?.object.metadata['signature-algorithm']).toBe('SHA256withRSA');
    // The log file hash is over the uncompressed content.
    const log = (await objects.get(BUCKET, first?.logFiles[0]?.s3Object as string))?.body as Uint8Array;
    expect(sha256Hex(gunzipFirstMember(log).data)).toBe(first?.logFiles[0]?.hashValue);
    expect(sha256Hex(log)).not.toBe(first?.logFiles[0]?.hashValue);
  });

  it('finds an altered log file', async () => {
    const { objects, logs } = await writeTrail();
    const target = logs[2] as string;
    const body = (await objects.get(BUCKET, target))?.body as Uint8Array;
    const records = JSON.parse(gunzipFirstMember(body).data.toString());
    records.Records[0].userIdentity.arn = 'arn:aws:sts::111122223333:assumed-role/someone-else/x';
    await objects.put(BUCKET, target, gzipSync(JSON.stringify(records)));
    const report = await validator(objects).validate(wholeRange);
    expect(report.ok).toBe(false);
    expect(kinds(report)).toEqual([{ kind: 'log-hash-mismatch', key: target }]);
    expect(report.findings[0]?.message).toBe(
      `Log file\ts3://${BUCKET}/${target}\tINVALID: hash value doesn't match`,
    );
    expect(report).toMatchObject({ digests: { valid: 4, invalid: 0 }, logs: { valid: 5, invalid: 1 } });
  });

  it('finds a log file recompressed with data after its gzip stream', async () => {
    const { objects, logs } = await writeTrail();
    const target = logs[0] as string;
    const body = (await objects.get(BUCKET, target))?.body as Uint8Array;
    await objects.put(BUCKET, target, Buffer.concat([body, gzipSync('{"Records":[]}')]));
    expect(kinds(await validator(objects).validate(wholeRange))).toEqual([
      { kind: 'log-trailing-data', key: target },
    ]);
  });

  it('finds a log file that is missing', async () => {
    const { objects, logs } = await writeTrail();
    const target = logs[4] as string;
    await (objects as MemoryTrailObjects).delete(BUCKET, target);
    const report = await validator(objects).validate(wholeRange);
    expect(kinds(report)).toEqual([{ kind: 'log-not-found', key: target }]);
    expect(report.logs).toEqual({ valid: 5, invalid: 1, notFound: 1 });
    expect(report.ok).toBe(false);
  });

  it('finds an altered digest (its signature fails) and carries on down the chain', async () => {
    const { objects, digests } = await writeTrail();
    const target = digests[1] as string;
    const { digest, object } = await readDigest(objects as MemoryTrailObjects, target);
    // Drop a log file from the list, keeping the original signature.
    const altered = { ...digest, logFiles: digest.logFiles.slice(1) };
    await objects.put(BUCKET, target, gzipSync(JSON.stringify(altered)), object.metadata);
    const report = await validator(objects).validate(wholeRange);
    expect(kinds(report)).toEqual([{ kind: 'digest-signature-invalid', key: target }]);
    expect(report.findings[0]?.message).toBe(
      `Digest file\ts3://${BUCKET}/${target}\tINVALID: signature verification failed`,
    );
    expect(report.digests).toEqual({ valid: 3, invalid: 1 });
    expect(report.digestResults.map((result) => result.status)).toEqual([
      'valid',
      'valid',
      'invalid',
      'valid',
    ]);
    // The invalid digest's log files are not vouched for, so not checked (as the CLI does).
    expect(report.logs.valid).toBe(4);
  });

  it('finds a digest that is missing from the chain', async () => {
    const { objects, digests } = await writeTrail();
    const target = digests[2] as string;
    await (objects as MemoryTrailObjects).delete(BUCKET, target);
    const report = await validator(objects).validate(wholeRange);
    expect(kinds(report)).toEqual([{ kind: 'digest-not-found', key: target }]);
    expect(report.findings[0]?.message).toBe(`Digest file\ts3://${BUCKET}/${target}\tINVALID: not found`);
    expect(report).toMatchObject({ ok: false, digests: { valid: 3, invalid: 1 }, logs: { valid: 4 } });
  });

  it('finds digests signed with a key ListPublicKeys does not know', async () => {
    const other = TrailSigningKey.generate();
    const { objects } = await writeTrail(new MemoryTrailObjects(), other);
    const report = await validator(objects).validate(wholeRange);
    expect(new Set(report.findings.map((finding) => finding.kind))).toEqual(
      new Set(['digest-public-key-not-found']),
    );
    expect(report.digests).toEqual({ valid: 0, invalid: 4 });
    expect(report.findings[0]?.message).toMatch(
      new RegExp(
        `INVALID: public key not found in region eu-west-2 for fingerprint ${other.publicKey.fingerprint}$`,
      ),
    );
  });

  it("finds a digest signed with another key under the trusted key's fingerprint", async () => {
    const { objects, digests } = await writeTrail();
    const target = digests[3] as string;
    const { digest } = await readDigest(objects as MemoryTrailObjects, target);
    await writeSigned(
      objects as MemoryTrailObjects,
      target,
      { ...digest, logFiles: [] },
      TrailSigningKey.generate(),
    );
    expect(kinds(await validator(objects).validate(wholeRange))).toEqual([
      { kind: 'digest-signature-invalid', key: target },
    ]);
  });

  it('finds a digest without its signature metadata', async () => {
    const { objects, digests } = await writeTrail();
    const target = digests[0] as string;
    const { object } = await readDigest(objects as MemoryTrailObjects, target);
    await objects.put(BUCKET, target, object.body, {});
    expect(kinds(await validator(objects).validate(wholeRange))).toEqual([
      { kind: 'digest-signature-invalid', key: target },
    ]);
  });

  it('finds a digest copied to another place', async () => {
    const { objects, digests } = await writeTrail();
    const { object } = await readDigest(objects as MemoryTrailObjects, digests[3] as string);
    const moved = digestKey(LOCATION, new Date(T0 + 4 * HOUR + 60_000));
    await objects.put(BUCKET, moved, object.body, object.metadata);
    const report = await validator(objects).validate(wholeRange);
    expect(kinds(report)).toEqual([{ kind: 'digest-moved', key: moved }]);
    expect(report.findings[0]?.message).toMatch(/INVALID: has been moved from its original location$/);
  });

  it('finds a digest that is not gzipped JSON', async () => {
    const { objects, digests } = await writeTrail();
    const target = digests[2] as string;
    await objects.put(BUCKET, target, Buffer.from('not gzip'), {
      signature: 'aa',
      'signature-algorithm': 'SHA256withRSA',
    });
    expect(kinds(await validator(objects).validate(wholeRange))).toEqual([
      { kind: 'digest-invalid-format', key: target },
    ]);
  });

  it('finds a digest replaced by another validly signed one (beyond the CLI: by the signature its successor names)', async () => {
    const { objects, digests } = await writeTrail();
    const target = digests[1] as string;
    const { digest } = await readDigest(objects as MemoryTrailObjects, target);
    await writeSigned(objects as MemoryTrailObjects, target, {
      ...digest,
      logFiles: digest.logFiles.slice(0, 1),
    });
    const report = await validator(objects).validate(wholeRange);
    expect(kinds(report)).toEqual([{ kind: 'digest-previous-signature-mismatch', key: target }]);
  });

  it('finds a successor naming another hash than its predecessor has', async () => {
    const { objects, digests } = await writeTrail();
    // The newest digest, so that re-signing it breaks no link further up.
    const successor = digests[3] as string;
    const { digest } = await readDigest(objects as MemoryTrailObjects, successor);
    await writeSigned(objects as MemoryTrailObjects, successor, {
      ...digest,
      previousDigestHashValue: '0'.repeat(64),
    });
    const report = await validator(objects).validate(wholeRange);
    expect(kinds(report)).toEqual([{ kind: 'digest-previous-hash-mismatch', key: digests[2] }]);
  });

  it('reports a restarted chain as a gap, which is not an error', async () => {
    const objects = new MemoryTrailObjects();
    const first = new LocalTrailWriter({ ...LOCATION, objects, key: trailKey, startedAt: new Date(T0) });
    await first.deliverLogFile([decrypt(T0 + 60_000)], new Date(T0 + 120_000));
    await first.deliverDigest(new Date(T0 + HOUR));
    // Logging stopped for two hours, then started again: a new starting digest.
    const second = new LocalTrailWriter({
      ...LOCATION,
      objects,
      key: trailKey,
      startedAt: new Date(T0 + 3 * HOUR),
    });
    await second.deliverLogFile([decrypt(T0 + 3 * HOUR + 60_000)], new Date(T0 + 3 * HOUR + 120_000));
    await second.deliverDigest(new Date(T0 + 4 * HOUR));
    const report = await validator(objects).validate(wholeRange);
    expect(report).toMatchObject({ ok: true, digests: { valid: 2, invalid: 0 }, logs: { valid: 2 } });
    expect(report.findings).toEqual([
      expect.objectContaining({
        kind: 'gap',
        message:
          'No log files were delivered by CloudTrail between 2026-03-02T10:00:31Z and 2026-03-02T12:00:31Z',
      }),
    ]);
  });

  it('validates only the digests of the range asked for (plus the one that spans its start)', async () => {
    const { objects, digests } = await writeTrail();
    const report = await validator(objects).validate({
      start: new Date(T0 + HOUR + 600_000),
      end: new Date(T0 + 2 * HOUR),
    });
    expect(report.digestResults.map((result) => result.key)).toEqual([digests[2], digests[1]]);
    expect(report).toMatchObject({
      foundStart: '2026-03-02T10:10:31Z',
      foundEnd: '2026-03-02T11:00:31Z',
      ok: true,
    });
  });

  it('fails as the CLI does when ListPublicKeys has no key for the range', async () => {
    const { objects } = await writeTrail();
    await expect(validator(objects, []).validate(wholeRange)).rejects.toThrow(TrailValidationError);
    await expect(validator(objects, []).validate(wholeRange)).rejects.toThrow(
      /^No public keys found between/,
    );
  });

  it('validates backfill digests in a second pass, with keys for their generation time', async () => {
    const { objects, digests, logs } = await writeTrail();
    const { digest } = await readDigest(objects as MemoryTrailObjects, digests[1] as string);
    const key = digestKey(LOCATION, new Date(T0 + 2 * HOUR), true);
    const backfill = {
      ...digest,
      digestS3Object: key,
      previousDigestS3Bucket: null,
      previousDigestS3Object: null,
    };
    const inflated = Buffer.from(JSON.stringify(backfill));
    const metadata = {
      signature: trailKey.sign(digestStringToSign(backfill, inflated)),
      'signature-algorithm': 'SHA256withRSA',
      'backfill-generation-timestamp': '2026-03-02T12:30:00Z',
    };
    await objects.put(BUCKET, key, gzipSync(inflated), metadata);
    const report = await validator(objects).validate(wholeRange);
    expect(report).toMatchObject({
      ok: true,
      backfillDigests: { valid: 1, invalid: 0 },
      logs: { valid: logs.length + 2 },
    });

    const { 'backfill-generation-timestamp': _dropped, ...without } = metadata;
    await objects.put(BUCKET, key, gzipSync(inflated), without);
    const again = await validator(objects).validate(wholeRange);
    expect(again.findings).toEqual([
      expect.objectContaining({ kind: 'digest-invalid-format', key, backfill: true }),
    ]);
    expect(again.findings[0]?.message).toMatch(/^\(backfill\) Digest file/);
  });

  it('validates a key given in SPKI form too (one of the User Guide examples is)', async () => {
    const { objects } = await writeTrail();
    const spki = createPublicKey({
      key: Buffer.from(trailKey.publicKey.value),
      format: 'der',
      type: 'pkcs1',
    }).export({
      format: 'der',
      type: 'spki',
    });
    const asSpki = { ...trailKey.publicKey, value: new Uint8Array(spki) };
    const report = await new TrailValidator({
      objects,
      publicKeys: new StaticTrailPublicKeys([asSpki]),
      trailArn: TRAIL_ARN,
      bucket: BUCKET,
    }).validate(wholeRange);
    expect(report.ok).toBe(true);
  });

  it("finds a trail written under a key prefix only when told the prefix, as the CLI's --s3-prefix", async () => {
    const objects = new MemoryTrailObjects();
    const writer = new LocalTrailWriter({
      ...LOCATION,
      prefix: 'audit/eu',
      objects,
      key: trailKey,
      startedAt: new Date(T0),
    });
    const { key } = await writer.deliverLogFile([decrypt(T0 + 60_000)], new Date(T0 + 120_000));
    await writer.deliverDigest(new Date(T0 + HOUR));
    expect(key.startsWith('audit/eu/AWSLogs/111122223333/CloudTrail/eu-west-2/')).toBe(true);
    const options = {
      objects,
      publicKeys: new StaticTrailPublicKeys([trailKey.publicKey]),
      trailArn: TRAIL_ARN,
      bucket: BUCKET,
    };
    const withPrefix = await new TrailValidator({ ...options, prefix: 'audit/eu' }).validate(wholeRange);
    expect(withPrefix).toMatchObject({ ok: true, digests: { valid: 1 }, logs: { valid: 1 } });
    const without = await new TrailValidator(options).validate(wholeRange);
    expect(without).toMatchObject({ digests: { valid: 0, invalid: 0 }, logs: { valid: 0 } });
  });

  it('refuses a trail ARN that is not one', () => {
    expect(
      () =>
        new TrailValidator({
          objects: new MemoryTrailObjects(),
          publicKeys: new StaticTrailPublicKeys([]),
          trailArn: 'arn:aws:s3:::bucket',
          bucket: BUCKET,
        }),
    ).toThrow('Invalid trail ARN provided: arn:aws:s3:::bucket');
  });
});

describe('LocalTrailWriter', () => {
  it('resumes after a restart: chains to the newest digest and digests the log files delivered since', async () => {
    const objects = new MemoryTrailObjects();
    const before = new LocalTrailWriter({ ...LOCATION, objects, key: trailKey, startedAt: new Date(T0) });
    await before.deliverLogFile([decrypt(T0 + 60_000)], new Date(T0 + 5 * 60_000));
    await before.deliverDigest(new Date(T0 + HOUR));
    const late = await before.deliverLogFile([decrypt(T0 + HOUR + 60_000)], new Date(T0 + HOUR + 5 * 60_000));
    // (the process stops here)
    const after = await LocalTrailWriter.resume({ ...LOCATION, objects, key: trailKey });
    const { digest } = await after.deliverDigest(new Date(T0 + 2 * HOUR));
    expect(digest.logFiles.map((log) => log.s3Object)).toEqual([late.key]);
    expect(digest.digestStartTime).toBe('2026-03-02T10:00:31Z');
    expect(digest.previousDigestS3Object).toBe(digestKey(LOCATION, new Date(T0 + HOUR)));
    const report = await validator(objects).validate(wholeRange);
    expect(report).toMatchObject({ ok: true, digests: { valid: 2 }, logs: { valid: 2 }, findings: [] });
  });

  it('writes no empty log file and no digest ending before it starts', async () => {
    const writer = new LocalTrailWriter({
      ...LOCATION,
      objects: new MemoryTrailObjects(),
      key: trailKey,
      startedAt: new Date(T0),
    });
    await expect(writer.deliverLogFile([])).rejects.toThrow(RangeError);
    await expect(writer.deliverDigest(new Date(T0))).rejects.toThrow(RangeError);
  });
});

describe('FileTrailObjects', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clinic-trail-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("holds the trail as S3 would (the bucket's keys as paths), and validates from disk", async () => {
    const objects = new FileTrailObjects(dir);
    const { digests, logs } = await writeTrail(objects);
    const digestPath = join(dir, BUCKET, ...(digests[0] as string).split('/'));
    expect((await stat(digestPath)).isFile()).toBe(true);
    expect(
      JSON.parse(await readFile(join(dir, '.metadata', BUCKET, `${digests[0]}.json`), 'utf8')),
    ).toMatchObject({
      'signature-algorithm': 'SHA256withRSA',
    });
    const report = await validator(new FileTrailObjects(dir)).validate(wholeRange);
    expect(report).toMatchObject({ ok: true, digests: { valid: 4 }, logs: { valid: logs.length } });
    await rm(join(dir, BUCKET, ...(logs[1] as string).split('/')));
    expect((await validator(new FileTrailObjects(dir)).validate(wholeRange)).logs.notFound).toBe(1);
  });

  it('never reads outside the bucket, whatever key a digest names', async () => {
    const objects = new FileTrailObjects(dir);
    await objects.put(BUCKET, 'AWSLogs/x.json.gz', Buffer.from('x'));
    for (const key of ['../secret', 'AWSLogs/../../secret', '/etc/passwd', 'AWSLogs\\..\\x', 'AWSLogs//x']) {
      expect(await objects.get(BUCKET, key)).toBeUndefined();
    }
    await expect(objects.put(BUCKET, '../escape', Buffer.from('x'))).rejects.toThrow(TypeError);
    expect((await objects.get(BUCKET, 'AWSLogs/x.json.gz'))?.body).toEqual(new Uint8Array(Buffer.from('x')));
  });

  it('lists keys in order, under a prefix, after a marker', async () => {
    const objects = new FileTrailObjects(dir);
    for (const key of ['a/b/2', 'a/b/1', 'a/c/1', 'b/1']) await objects.put(BUCKET, key, Buffer.from(key));
    const list = async (prefix: string, after?: string) => {
      const keys: string[] = [];
      for await (const key of objects.list(BUCKET, prefix, after)) keys.push(key);
      return keys;
    };
    expect(await list('a/')).toEqual(['a/b/1', 'a/b/2', 'a/c/1']);
    expect(await list('a/b', 'a/b/1')).toEqual(['a/b/2']);
    expect(await list('')).toEqual(['a/b/1', 'a/b/2', 'a/c/1', 'b/1']);
  });
});

describe('TrailSigningKey', () => {
  it('keeps the local key in a private file and reuses it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'clinic-trail-key-'));
    try {
      const key = await TrailSigningKey.open(join(dir, 'keys'));
      expect((await stat(join(dir, 'keys', 'trail-signing.private.pem'))).mode & 0o777).toBe(0o600);
      expect((await TrailSigningKey.open(join(dir, 'keys'))).publicKey.fingerprint).toBe(
        key.publicKey.fingerprint,
      );
      expect(Buffer.from(key.publicKey.value)[0]).toBe(0x30);
      expect(key.publicKey.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
