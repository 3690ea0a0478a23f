import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildClient, CommitmentPolicy } from '@aws-crypto/client-node';
import { DecryptCommand, GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import { FieldCrypto, type FieldRef } from '../../layers/crypto/field-crypto';
import { MemoryKeyMaterialStore } from '../../layers/crypto/key-material-store';
import { KmsPracticeKeys } from '../../layers/crypto/kms-practice-keys';
import { LocalPracticeKeys } from '../../layers/crypto/local-practice-keys';
import { logger } from '../../layers/observability/powertools';
import { ACCOUNT, DATA_ROLE, FakeKms } from '../unit/crypto/support/fake-kms';
import { summarise } from './stats';

const OPS = Number(process.env.BENCH_CRYPTO_OPS ?? 1000);
const WARMUP = 200;
const NHS: FieldRef = { table: 'records', attribute: 'nhsNumber' };
const FIELDS: FieldRef[] = [
  NHS,
  { table: 'records', attribute: 'name' },
  { table: 'records', attribute: 'dateOfBirth' },
  { table: 'records', attribute: 'mobile' },
];
const PRACTICES = ['bench-practice-a', 'bench-practice-b', 'bench-practice-c'];

/** A synthetic NHS number in the 999 test range: only its shape matters to the cipher. */
const value = (i: number) => `999${String(i % 10_000_000).padStart(7, '0')}`;

async function timeRoundTrips(
  roundTrip: (i: number) => Promise<void>,
  ops: number,
): Promise<ReturnType<typeof summarise>> {
  for (let i = 0; i < WARMUP; i++) await roundTrip(i);
  const samples: number[] = [];
  for (let i = 0; i < ops; i++) {
    const started = process.hrtime.bigint();
    await roundTrip(i);
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return summarise(samples);
}

/** Encrypt+decrypt latency of one value, local raw AES keyring, the production configuration. */
async function benchLatency(dataDir: string) {
  const keys = new LocalPracticeKeys({ dataDir });
  await keys.provision(PRACTICES[0] as string, 'Bench');
  const practiceId = PRACTICES[0] as string;
  const cached = new FieldCrypto(keys);
  const uncached = new FieldCrypto(keys, { caching: false });
  const roundTrip = (crypto: FieldCrypto) => async (i: number) => {
    const sealed = await crypto.encrypt(practiceId, NHS, value(i));
    if ((await crypto.decrypt(practiceId, NHS, sealed)) !== value(i)) throw new Error('round trip failed');
  };
  const encryptDecryptMs = await timeRoundTrips(roundTrip(cached), OPS);
  const encryptDecryptMsCachingOff = await timeRoundTrips(roundTrip(uncached), OPS);

  // The reason for the suite choice: the ESDK's default committing suite also signs (ECDSA P-384) each value.
  const signedClient = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const keyring = await keys.keyringFor(practiceId);
  const context = { practiceId, table: 'records', attribute: 'nhsNumber' };
  const signedSuiteMs = await timeRoundTrips(
    async (i) => {
      const { result } = await signedClient.encrypt(keyring, value(i), { encryptionContext: context });
      await signedClient.decrypt(keyring, result);
    },
    Math.min(OPS, 200),
  );
  return { encryptDecryptMs, encryptDecryptMsCachingOff, signedSuiteMs };
}

/** KMS calls (GenerateDataKey + Decrypt) counted on the mocked KMS client, per `OPS` round trips. */
async function benchKmsCalls() {
  const kms = new FakeKms();
  const admin = kms.client();
  const data = kms.client();
  const keys = new KmsPracticeKeys({
    stage: 'bench',
    accountId: ACCOUNT,
    dataRoleArns: [DATA_ROLE],
    adminClient: admin.client,
    kmsClientFor: () => data.client,
    store: new MemoryKeyMaterialStore(),
  });
  for (const practiceId of PRACTICES) await keys.provision(practiceId, practiceId);
  const count = () =>
    data.mock.commandCalls(GenerateDataKeyCommand).length + data.mock.commandCalls(DecryptCommand).length;
  const per1000 = (calls: number) => Math.round((calls * 1000) / OPS);

  /** One warm container: encrypts a value and reads it back, `OPS` times. */
  const run = async (crypto: FieldCrypto, pick: (i: number) => { practiceId: string; field: FieldRef }) => {
    data.mock.resetHistory();
    for (let i = 0; i < OPS; i++) {
      const { practiceId, field } = pick(i);
      const sealed = await crypto.encrypt(practiceId, field, value(i));
      await crypto.decrypt(practiceId, field, sealed);
    }
    return count();
  };
  const onePracticeOneField = () => ({ practiceId: PRACTICES[0] as string, field: NHS });
  const mixed = (i: number) => ({
    practiceId: PRACTICES[i % PRACTICES.length] as string,
    field: FIELDS[Math.floor(i / PRACTICES.length) % FIELDS.length] as FieldRef,
  });
  const cachingOn = await run(new FieldCrypto(keys), onePracticeOneField);
  const cachingOff = await run(new FieldCrypto(keys, { caching: false }), onePracticeOneField);
  const mixedCachingOn = await run(new FieldCrypto(keys), mixed);
  const mixedCachingOff = await run(new FieldCrypto(keys, { caching: false }), mixed);

  // Reading values that other containers (or earlier windows) wrote: each has its own data key, which the
  // cache has never seen, so every read is one KMS Decrypt, caching or not.
  const writers = new FieldCrypto(keys, { caching: false });
  const written: string[] = [];
  for (let i = 0; i < OPS; i++) written.push(await writers.encrypt(PRACTICES[0] as string, NHS, value(i)));
  data.mock.resetHistory();
  const reader = new FieldCrypto(keys);
  for (const sealed of written) await reader.decrypt(PRACTICES[0] as string, NHS, sealed);
  const coldReadsCachingOn = count();

  return {
    cachingOn: per1000(cachingOn),
    cachingOff: per1000(cachingOff),
    mixed3Practices4FieldsCachingOn: per1000(mixedCachingOn),
    mixed3Practices4FieldsCachingOff: per1000(mixedCachingOff),
    coldReadsOfOtherContainersWritesCachingOn: per1000(coldReadsCachingOn),
  };
}

/**
 * Per-practice encryption, for `npm run bench`: encrypt+decrypt latency per value (p50, p99) and KMS calls per
 * 1,000 operations with the caching materials manager on and off, both in the same run. An operation is one
 * value encrypted and read back in a warm container; KMS is aws-sdk-client-mock over KMSClient, so latencies
 * exclude the network (a real KMS call adds ~5-15 ms, paid once per cache window when caching is on).
 */
export async function benchCrypto() {
  const level = logger.getLevelName();
  logger.setLogLevel('ERROR');
  const dataDir = await mkdtemp(join(tmpdir(), 'clinic-crypto-bench-'));
  try {
    const latency = await benchLatency(dataDir);
    const kmsCallsPer1000 = await benchKmsCalls();
    return { ops: OPS, ...latency, kmsCallsPer1000 };
  } finally {
    logger.setLogLevel(level);
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await benchCrypto(), null, 2));
}
