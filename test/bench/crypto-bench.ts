import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildDecrypt } from '@aws-crypto/decrypt-node';
import { buildEncrypt } from '@aws-crypto/encrypt-node';
import { CommitmentPolicy } from '@aws-crypto/material-management-node';
import { DecryptCommand, GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import { PracticeBlindIndex } from '../../layers/crypto/blind-index';
import { FieldCrypto, type FieldRef } from '../../layers/crypto/field-crypto';
import { MemoryKeyMaterialStore } from '../../layers/crypto/key-material-store';
import { KmsPracticeKeys } from '../../layers/crypto/kms-practice-keys';
import { LocalPracticeKeys } from '../../layers/crypto/local-practice-keys';
import { DEFAULT_KEY_CACHE_MS } from '../../layers/crypto/practice-keys';
import { logger } from '../../layers/observability/powertools';
import { ACCOUNT, DATA_ROLE_PATTERN, FakeKms } from '../unit/crypto/support/fake-kms';
import { summarise } from './stats';

const OPS = Number(process.env.BENCH_CRYPTO_OPS ?? 1000);
const WARMUP = 200;
const WRITER_CONTAINERS = Number(process.env.BENCH_CRYPTO_WRITERS ?? 100);
const VALUES_PER_WRITER = Number(process.env.BENCH_CRYPTO_VALUES_PER_WRITER ?? 100);
const NHS: FieldRef = { table: 'records', attribute: 'nhsNumber' };
const FIELDS: FieldRef[] = [
  NHS,
  { table: 'records', attribute: 'name' },
  { table: 'records', attribute: 'dateOfBirth' },
  { table: 'audit', attribute: 'nhsNumber' },
];
const PRACTICES = ['bench-practice-a', 'bench-practice-b'] as const;

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

/** Encrypt+decrypt latency of one value in a warm container, local keys, the production configuration. */
async function benchLatency(dataDir: string) {
  const keys = new LocalPracticeKeys({ dataDir });
  const practiceId = PRACTICES[0];
  await keys.provision(practiceId, 'Bench');
  const crypto = new FieldCrypto(keys);
  const encryptDecryptMs = await timeRoundTrips(async (i) => {
    const sealed = await crypto.encrypt(practiceId, NHS, value(i));
    if ((await crypto.decrypt(practiceId, NHS, sealed)) !== value(i)) throw new Error('round trip failed');
  }, OPS);

  // The reason for the suite choice: the ESDK's default committing suite also signs (ECDSA P-384) each value.
  const { encrypt } = buildEncrypt(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const { decrypt } = buildDecrypt(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const keyring = (await keys.dataKey(practiceId)).fieldKeyring;
  const context = { practiceId, table: 'records', attribute: 'nhsNumber' };
  const signedSuiteMs = await timeRoundTrips(
    async (i) => {
      const { result } = await encrypt(keyring, value(i), { encryptionContext: context });
      await decrypt(keyring, result);
    },
    Math.min(OPS, 200),
  );
  return { encryptDecryptMs, signedSuiteMs };
}

/**
 * KMS calls (GenerateDataKey + Decrypt, counted on the mocked KMS client) per practice per cache window, the
 * way production meets them: `WRITER_CONTAINERS` containers (each its own `KmsPracticeKeys`, sharing the
 * store) write `VALUES_PER_WRITER` values each across four fields, then one fresh container reads them all and
 * computes a blind index for each; then the window passes and it reads them again.
 */
async function benchKmsCalls() {
  const kms = new FakeKms();
  const admin = kms.client();
  const data = kms.client();
  const store = new MemoryKeyMaterialStore();
  let now = Date.now();
  const container = () => {
    const keys = new KmsPracticeKeys({
      stage: 'bench',
      accountId: ACCOUNT,
      dataRolePattern: DATA_ROLE_PATTERN,
      adminClient: admin.client,
      kmsClientFor: () => data.client,
      store,
      now: () => now,
    });
    return { keys, fields: new FieldCrypto(keys), index: new PracticeBlindIndex(keys) };
  };
  for (const practiceId of PRACTICES) await container().keys.provision(practiceId, practiceId);
  const callsFor = (practiceId: string) =>
    [
      ...data.mock.commandCalls(GenerateDataKeyCommand).map((call) => call.args[0].input),
      ...data.mock.commandCalls(DecryptCommand).map((call) => call.args[0].input),
    ].filter((input) => input.EncryptionContext?.practiceId === practiceId).length;

  data.mock.resetHistory();
  const written: { practiceId: string; field: FieldRef; sealed: string }[] = [];
  const writerCalls: number[] = [];
  for (let c = 0; c < WRITER_CONTAINERS; c++) {
    const writer = container();
    const before = callsFor(PRACTICES[0]);
    for (let i = 0; i < VALUES_PER_WRITER; i++) {
      const field = FIELDS[(c + i) % FIELDS.length] as FieldRef;
      written.push({
        practiceId: PRACTICES[0],
        field,
        sealed: await writer.fields.encrypt(PRACTICES[0], field, value(c * VALUES_PER_WRITER + i)),
      });
    }
    writerCalls.push(callsFor(PRACTICES[0]) - before);
  }
  // A second practice in the same containers' world, so the reader holds two practices' keys at once.
  const otherWriter = container();
  for (let i = 0; i < VALUES_PER_WRITER; i++) {
    written.push({
      practiceId: PRACTICES[1],
      field: NHS,
      sealed: await otherWriter.fields.encrypt(PRACTICES[1], NHS, value(i)),
    });
  }

  const readAll = async (reader: ReturnType<typeof container>) => {
    for (const [i, { practiceId, field, sealed }] of written.entries()) {
      await reader.fields.decrypt(practiceId, field, sealed);
      await reader.index.of(practiceId, 'nhsNumber', value(i));
    }
  };
  data.mock.resetHistory();
  const reader = container();
  await readAll(reader);
  const firstWindow = { a: callsFor(PRACTICES[0]), b: callsFor(PRACTICES[1]) };
  now += DEFAULT_KEY_CACHE_MS + 1;
  data.mock.resetHistory();
  await readAll(reader);
  const nextWindow = { a: callsFor(PRACTICES[0]), b: callsFor(PRACTICES[1]) };

  return {
    writerContainers: WRITER_CONTAINERS,
    valuesPerWriter: VALUES_PER_WRITER,
    valuesRead: written.length,
    cacheWindowMs: DEFAULT_KEY_CACHE_MS,
    writerCallsPerContainerMax: Math.max(...writerCalls),
    writerCallsTotal: writerCalls.reduce((sum, calls) => sum + calls, 0),
    readerCallsPerPracticeFirstWindow: firstWindow,
    readerCallsPerPracticeNextWindow: nextWindow,
  };
}

/**
 * Per-practice encryption, for `npm run bench`: encrypt+decrypt latency per value (p50, p99) in a warm
 * container, and KMS calls per practice per cache window with reads of values other containers wrote. KMS is
 * aws-sdk-client-mock over KMSClient, so latencies exclude the network (a real KMS call adds ~5-15 ms, paid
 * once per practice per container per window).
 */
export async function benchCrypto() {
  const level = logger.getLevelName();
  logger.setLogLevel('ERROR');
  const dataDir = await mkdtemp(join(tmpdir(), 'clinic-crypto-bench-'));
  try {
    const latency = await benchLatency(dataDir);
    const kmsCalls = await benchKmsCalls();
    return { ops: OPS, ...latency, kmsCalls };
  } finally {
    logger.setLogLevel(level);
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await benchCrypto(), null, 2));
}
