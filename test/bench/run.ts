// First: sets the log level before any module makes the Powertools logger (see quiet-logs.ts).
import './quiet-logs';
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROUTES } from '../../functions/routes';
import { REPO_ROOT } from '../../infra/local/local-stack';
import { bundleHandler } from './bundle';
import { benchCrypto } from './crypto-bench';
import { benchLocalGateway } from './lookup-bench';
import { round, summarise } from './stats';

const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 15);
const WARM_REQUESTS = Number(process.env.BENCH_WARM_REQUESTS ?? 1000);
const LOOKUP_REQUESTS = Number(process.env.BENCH_LOOKUP_REQUESTS ?? 300);
const HANDLER_ENV = {
  ...process.env,
  APP_VERSION: 'bench',
  STAGE: 'bench',
  AWS_REGION: 'eu-west-2',
  TABLE_DIRECTORY: 'bench-directory',
  TABLE_AUDIT: 'bench-audit',
  TABLE_RECORDS: 'bench-records',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** Wall time of fresh `node` processes running `args`, in milliseconds. */
function timeProcesses(args: string[], runs: number): number[] {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, {
      env: HANDLER_ENV,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${result.stderr.toString()}`);
    samples.push(elapsed);
  }
  return samples;
}

async function benchHandlers(outDir: string) {
  const baseline = summarise(timeProcesses(['-e', '0'], COLD_RUNS));
  const rows = [];
  for (const route of ROUTES) {
    const file = await bundleHandler(REPO_ROOT, route.area, route.id, outDir);
    const code = await readFile(file);
    const cold = summarise(
      timeProcesses(['--input-type=module', '-e', `await import(${JSON.stringify(file)})`], COLD_RUNS),
    );
    rows.push({
      handler: route.id,
      bundleBytes: code.length,
      bundleGzipBytes: gzipSync(code).length,
      coldImportMs: cold,
      coldImportOverBaselineMs: round(cold.p50 - baseline.p50),
    });
  }
  return { baseline, rows };
}

async function main() {
  const outDir = join(REPO_ROOT, 'bench', 'bundles');
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });

  const handlers = await benchHandlers(outDir);
  const gateway = await benchLocalGateway({ warmRequests: WARM_REQUESTS, lookupRequests: LOOKUP_REQUESTS });
  const crypto = await benchCrypto();
  const results = {
    measuredAt: new Date().toISOString(),
    machine: { node: process.version, platform: `${process.platform}-${process.arch}` },
    settings: { coldRuns: COLD_RUNS, warmRequests: WARM_REQUESTS, lookupRequests: LOOKUP_REQUESTS },
    baselineNodeStartMs: handlers.baseline,
    handlers: handlers.rows,
    warmLatencyMs: { 'GET /api/health (local gateway)': gateway.healthWarm },
    lookupThroughLocalGateway: gateway.lookup,
    fieldEncryption: crypto,
  };
  await writeFile(join(REPO_ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);

  console.log(`\nBaseline: bare \`node -e 0\` p50 ${handlers.baseline.p50} ms (n=${COLD_RUNS})\n`);
  console.table(
    handlers.rows.map((r) => ({
      handler: r.handler,
      'bundle KB': round(r.bundleBytes / 1024, 1),
      'gzip KB': round(r.bundleGzipBytes / 1024, 1),
      'cold import p50 ms': r.coldImportMs.p50,
      'p99 ms': r.coldImportMs.p99,
      'over baseline ms': r.coldImportOverBaselineMs,
    })),
  );
  console.table({ 'GET /api/health warm (local gateway)': gateway.healthWarm });
  const { lookup } = gateway;
  console.log(
    `Lookup through the local gateway (n=${lookup.requests} each, interleaved; local PDS stand-in, dynalite):`,
  );
  console.table({
    'GET /api/health (baseline, same run)': lookup.healthBaselineMs,
    'POST /api/lookups match': lookup.matchMs,
    'POST /api/lookups no-match': lookup.noMatchMs,
  });
  console.log(
    `Lookup overhead over baseline (p50 - p50): match ${lookup.overheadOverBaselineMs.match} ms, ` +
      `no-match ${lookup.overheadOverBaselineMs.noMatch} ms`,
  );
  console.table({
    'encrypt + decrypt (warm container)': crypto.encryptDecryptMs,
    'encrypt + decrypt, signed suite': crypto.signedSuiteMs,
  });
  const kms = crypto.kmsCalls;
  console.log(
    `KMS calls per practice per ${kms.cacheWindowMs / 60_000}-minute window (mocked KMS): ` +
      `${kms.writerContainers} writer containers × ${kms.valuesPerWriter} values, then one fresh reader of ` +
      `all ${kms.valuesRead} values (with a blind index each):`,
  );
  console.table({
    'writer container (max)': { calls: kms.writerCallsPerContainerMax },
    'reader, practice A, first window': { calls: kms.readerCallsPerPracticeFirstWindow.a },
    'reader, practice B, first window': { calls: kms.readerCallsPerPracticeFirstWindow.b },
    'reader, practice A, next window': { calls: kms.readerCallsPerPracticeNextWindow.a },
    'reader, practice B, next window': { calls: kms.readerCallsPerPracticeNextWindow.b },
  });
  console.log('Written to bench/results.json');
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
