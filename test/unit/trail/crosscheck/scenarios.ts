/**
 * Writes trails (good and tampered) under `<dir>/<scenario>/`, validates each with TrailValidator, and saves the
 * results to `<dir>/ts-results.json` for `cli.py` to compare with aws-cli's own validation.py. Not a vitest test:
 * it needs Python and the aws-cli source. Run: `npx tsx test/unit/trail/crosscheck/scenarios.ts /tmp/ctcheck`.
 */
import { writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { digestStringToSign } from '../../../../layers/trail/format';
import { gunzipFirstMember } from '../../../../layers/trail/gzip';
import { FileTrailObjects, type TrailObject } from '../../../../layers/trail/objects';
import { LocalTrailWriter, TrailSigningKey } from '../../../../layers/trail/writer';
import {
  BUCKET,
  decrypt,
  HOUR,
  LOCATION,
  T0,
  trailKey,
  validator,
  wholeRange,
  writeTrail,
} from '../support/trail';

const dir = process.argv[2];
if (!dir) throw new Error('usage: scenarios.ts <output dir>');
await rm(dir, { recursive: true, force: true });

type Trail = Awaited<ReturnType<typeof writeTrail>>;
const get = async (objects: FileTrailObjects, key: string) => (await objects.get(BUCKET, key)) as TrailObject;
const path = (scenario: string, key: string) => join(dir, scenario, BUCKET, ...key.split('/'));

const tampering: Record<string, (objects: FileTrailObjects, trail: Trail) => Promise<void>> = {
  good: async () => {},
  'altered-log': async (objects, { logs }) => {
    const json = JSON.parse(gunzipFirstMember((await get(objects, logs[2] as string)).body).data.toString());
    json.Records[0].eventName = 'Encrypt';
    await objects.put(BUCKET, logs[2] as string, gzipSync(JSON.stringify(json)));
  },
  'trailing-log': async (objects, { logs }) => {
    const { body } = await get(objects, logs[0] as string);
    await objects.put(BUCKET, logs[0] as string, Buffer.concat([body, Buffer.from('junk')]));
  },
  'missing-log': async (_objects, { logs }) => rm(path('missing-log', logs[4] as string)),
  'altered-digest': async (objects, { digests }) => {
    const object = await get(objects, digests[1] as string);
    const digest = JSON.parse(gunzipFirstMember(object.body).data.toString());
    digest.logFiles = digest.logFiles.slice(1);
    await objects.put(BUCKET, digests[1] as string, gzipSync(JSON.stringify(digest)), object.metadata);
  },
  'missing-digest': async (_objects, { digests }) => rm(path('missing-digest', digests[2] as string)),
  'newest-missing': async (_objects, { digests }) => rm(path('newest-missing', digests[3] as string)),
  'wrong-key-signature': async (objects, { digests }) => {
    const object = await get(objects, digests[3] as string);
    const inflated = gunzipFirstMember(object.body).data;
    const signature = TrailSigningKey.generate().sign(
      digestStringToSign(JSON.parse(inflated.toString()), inflated),
    );
    await objects.put(BUCKET, digests[3] as string, object.body, { ...object.metadata, signature });
  },
  'no-metadata': async (objects, { digests }) => {
    await objects.put(BUCKET, digests[0] as string, (await get(objects, digests[0] as string)).body, {});
  },
};

const results: Record<string, unknown> = {};
async function record(scenario: string) {
  const report = await validator(new FileTrailObjects(join(dir as string, scenario))).validate(wholeRange);
  results[scenario] = {
    digests: report.digests,
    logs: { valid: report.logs.valid, invalid: report.logs.invalid },
    messages: report.findings.map((finding) => finding.message),
    foundStart: report.foundStart,
    foundEnd: report.foundEnd,
  };
}

for (const [scenario, tamper] of Object.entries(tampering)) {
  const objects = new FileTrailObjects(join(dir, scenario));
  await tamper(objects, await writeTrail(objects));
  await record(scenario);
}
await writeTrail(new FileTrailObjects(join(dir, 'unknown-key')), TrailSigningKey.generate());
await record('unknown-key');
{
  const objects = new FileTrailObjects(join(dir, 'gap'));
  const first = new LocalTrailWriter({ ...LOCATION, objects, key: trailKey, startedAt: new Date(T0) });
  await first.deliverLogFile([decrypt(T0 + 60_000)], new Date(T0 + 120_000));
  await first.deliverDigest(new Date(T0 + HOUR));
  const second = new LocalTrailWriter({
    ...LOCATION,
    objects,
    key: trailKey,
    startedAt: new Date(T0 + 3 * HOUR),
  });
  await second.deliverLogFile([decrypt(T0 + 3 * HOUR + 60_000)], new Date(T0 + 3 * HOUR + 120_000));
  await second.deliverDigest(new Date(T0 + 4 * HOUR));
  await record('gap');
}

writeFileSync(
  join(dir, 'ts-results.json'),
  JSON.stringify({
    results,
    publicKey: Buffer.from(trailKey.publicKey.value).toString('base64'),
    fingerprint: trailKey.publicKey.fingerprint,
    start: wholeRange.start.toISOString(),
    end: wholeRange.end.toISOString(),
  }),
);
