// First: sets the log level before any module makes the Powertools logger (see quiet-logs.ts).
import './quiet-logs';
import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { localAuditSealDir } from '../../infra/capabilities/audit-seal';
import { REPO_ROOT } from '../../infra/config';
import { localTrailDir } from '../../layers/trail/local-key-trail';
import { apiEvent } from '../support/events';
import { patientsWithMobiles } from '../support/invites';
import { startTestStack } from '../support/local-stack';
import { signedInDemoMember, syntheticPatient } from '../support/lookups';
import { benchAuditReports } from './audit-bench';
import { FLOORS, type ShippedBundle, synthesizeFloorBundles, synthesizeShippedBundles } from './cdk-bundles';
import { measureColdStart } from './cold-start';
import { benchCrypto } from './crypto-bench';
import { benchInvite } from './invite-bench';
import { benchLookup } from './lookup-bench';
import { round } from './stats';
import { benchVideo } from './video-bench';

const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 15);
const LOOKUP_REQUESTS = Number(process.env.BENCH_LOOKUP_REQUESTS ?? 1000);
const INVITE_REQUESTS = Number(process.env.BENCH_INVITE_REQUESTS ?? 200);
/** Mobiles the invitation bench spreads over (each may be texted at most 50 times a day). */
const INVITE_MOBILES = Array.from({ length: 10 }, (_, i) => `077009005${String(i).padStart(2, '0')}`);
/** Budgets from the foundations issue, over bare `node -e 0` in the same run. */
const BUDGET_MS = { route: 60, event: 60, trigger: 60, operator: 100, floor: 60 } as const;
const LOOKUP_FIRST_CALL_BUDGET_MS = 150;
const VIDEO_RUNS = Number(process.env.BENCH_VIDEO_RUNS ?? 5);

type VideoResults = Awaited<ReturnType<typeof benchVideo>>;

function printVideo(video: VideoResults) {
  const js = video.joinPageJs;
  console.log(
    `\nJoin page JavaScript before the video code: ${js.beforeVideoGzipKb} KB gzipped (budget ${js.budgetGzipKb} KB, ` +
      `${js.beforeVideoGzipKb <= js.budgetGzipKb ? 'within' : 'OVER'}); fetched only when let in: local WebRTC ` +
      `session ${js.onDemandGzipKb.localWebRtcSession} KB, Chime session ${js.onDemandGzipKb.chimeSession} KB + the SDK.`,
  );
  const mobile = video.throttledMobile;
  console.log(
    `Join page on a throttled phone (${mobile.profile.latencyMs} ms, ${round((mobile.profile.downloadBytesPerSecond * 8) / 1024 / 1024, 1)} Mbit/s, ` +
      `CPU ×${mobile.profile.cpuSlowdown}): first contentful paint p50 ${mobile.firstContentfulPaintMs.p50} ms, ` +
      `code field ready p50 ${mobile.codeFieldReadyMs.p50} ms (n=${mobile.codeFieldReadyMs.runs}).`,
  );
  const admit = video.admitToBothVideosMs;
  console.log(
    `"Admit" to both sides decoding the other's video (local WebRTC): p50 ${admit.p50} ms, max ${admit.max} ms ` +
      `(n=${admit.runs}; goal p50 ≤ ${admit.goalP50Ms} ms).`,
  );
}
/** A year of a busy practice, as the audit issue has it. */
const AUDIT_EVENTS = Number(process.env.BENCH_AUDIT_EVENTS ?? 200_000);
const AUDIT_PATIENTS = Number(process.env.BENCH_AUDIT_PATIENTS ?? 15_000);
const AUDIT_FIRST_PAGE_BUDGET_MS = 1_000;

type TestStack = Awaited<ReturnType<typeof startTestStack>>;

/**
 * The template's environment pointed at the local stand-ins, so that the first invocation runs for real:
 * dynalite for DynamoDB, the local PDS and its token flow, local key files for the practice keys. Deploy-time
 * references (role ARN, secret, user pool) have no local counterpart and are dropped, as the local stack does.
 */
function localEnvironment(bundle: ShippedBundle, stack: TestStack): Record<string, string> {
  const env: Record<string, string> = { ...bundle.environment };
  // Operator functions and Cognito's triggers have no local mode (they work only through AWS's roles and
  // keys; locally the sign-in provider does the triggers' work): their import is measured with the
  // template's environment, references given values of the right shape.
  if (bundle.kind === 'operator' || bundle.kind === 'trigger' || bundle.kind === 'floor') {
    for (const [variable, value] of Object.entries(env)) {
      if (value.startsWith('placeholder-') && variable.endsWith('_ARN'))
        env[variable] = 'arn:aws:iam::123456789012:role/bench';
    }
    return { ...env, AWS_REGION: 'eu-west-2', AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench' };
  }
  for (const variable of ['PRACTICE_DATA_ROLE_ARN', 'PDS_SECRET_ID', 'USER_POOL_ID']) delete env[variable];
  // The audit key and the compliance trail: their local stand-ins under the stack's data directory.
  if ('AUDIT_SIGNING_KEY_ARN' in env) {
    delete env.AUDIT_SIGNING_KEY_ARN;
    delete env.AUDIT_DIGEST_BUCKET;
    env.LOCAL_AUDIT_SEAL_DIR = localAuditSealDir(stack.dataDir);
  }
  if ('TRAIL_ARN' in env) {
    for (const variable of Object.keys(env)) {
      if (variable.startsWith('TRAIL_') || variable.startsWith('ATHENA_')) delete env[variable];
    }
    env.LOCAL_TRAIL_DIR = localTrailDir(stack.dataDir);
  }
  for (const [id, name] of Object.entries(stack.tableNames)) {
    const variable = `TABLE_${id.toUpperCase()}`;
    if (variable in env) env[variable] = name;
  }
  // The invitation functions' outside systems, as the local stack points them (its capabilities' variables).
  if ('INVITE_LINK_KEY_ARN' in env) {
    delete env.INVITE_LINK_KEY_ARN;
    env.LOCAL_INVITE_LINK_KEY_FILE = process.env.LOCAL_INVITE_LINK_KEY_FILE ?? '';
  }
  if ('INVITE_QUEUE_URL' in env) {
    env.INVITE_QUEUE_URL = process.env.INVITE_QUEUE_URL ?? '';
    env.SQS_ENDPOINT = process.env.SQS_ENDPOINT ?? '';
  }
  if ('SMS_MAX_PRICE_USD' in env) env.SNS_ENDPOINT = process.env.SNS_ENDPOINT ?? '';
  if ('CONSOLE_ORIGIN' in env) env.CONSOLE_ORIGIN = stack.url;
  if ('PDS_BASE_URL' in env) {
    env.PDS_BASE_URL = stack.pds.url;
    env.PDS_TOKEN_URL = stack.pds.tokenUrl;
    env.PDS_CREDENTIALS_FILE = process.env.PDS_CREDENTIALS_FILE ?? '';
  }
  return {
    ...env,
    STAGE: 'local',
    AWS_REGION: 'eu-west-2',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    DYNAMODB_ENDPOINT: stack.dynamoEndpoint,
    LOCAL_KEYS_DIR: stack.dataDir,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
}

/** The first request each read-only route would see, as API Gateway delivers it. */
async function firstEvents(stack: TestStack): Promise<Record<string, object>> {
  const claimsOf = async (role: string) => {
    const member = stack.demo.staff.find((s) => s.role === role);
    if (!member) throw new Error(`no demo ${role}`);
    await signedInDemoMember(stack, role);
    return {
      sub: member.sub,
      token_use: 'access',
      email: member.email,
      practice_id: stack.demo.practice.practiceId,
      role,
    };
  };
  const clinician = await claimsOf('clinician');
  const admin = await claimsOf('practice_admin');
  const patient = await syntheticPatient(stack.pds.patientsDir, '9990000018');
  return {
    getHealth: apiEvent(),
    getOpenApi: apiEvent(),
    getAcceptableUsePolicy: apiEvent(),
    getMe: apiEvent({ claims: clinician }),
    listStaff: apiEvent({ claims: admin }),
    createLookup: apiEvent({
      method: 'POST',
      claims: clinician,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ nhsNumber: patient.nhsNumber, birthDate: patient.birthDate }),
    }),
  };
}

async function benchColdStarts(stack: TestStack, bundles: ShippedBundle[]) {
  const events = await firstEvents(stack);
  const eventDir = join(REPO_ROOT, 'bench', 'events');
  await mkdir(eventDir, { recursive: true });
  const rows = [];
  for (const bundle of bundles) {
    const event = events[bundle.name];
    const eventFile = event ? join(eventDir, `${bundle.name}.json`) : undefined;
    if (eventFile) await writeFile(eventFile, JSON.stringify(event));
    const code = await readFile(bundle.file);
    const measured = await measureColdStart(
      {
        bundle: bundle.file,
        environment: localEnvironment(bundle, stack),
        ...(eventFile ? { eventFile } : {}),
      },
      COLD_RUNS,
    );
    rows.push({
      function: bundle.name,
      kind: bundle.kind,
      bundleBytes: code.length,
      bundleGzipBytes: gzipSync(code).length,
      budgetOverBaselineMs: BUDGET_MS[bundle.kind],
      ...measured,
    });
    process.stdout.write('.');
  }
  process.stdout.write('\n');
  return rows;
}

/**
 * One part of the bench in a process of its own, as Lambda gives each function one: handler modules parse
 * their configuration (a stack's endpoints) once, at import, so a second local stack in the same process
 * would find them still pointing at the first. Returns what the part wrote to `bench/<part>-results.json`.
 */
async function inOwnProcess<T>(part: 'video' | 'audit'): Promise<T> {
  const [script] = process.argv.slice(1);
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, script as string], {
      env: { ...process.env, BENCH_ONLY: part },
      stdio: 'inherit',
    });
    child.on('error', reject);
    child.on('exit', resolve);
  });
  if (code !== 0) throw new Error(`the ${part} bench failed (exit ${code})`);
  return JSON.parse(await readFile(join(REPO_ROOT, 'bench', `${part}-results.json`), 'utf8')) as T;
}

type AuditResults = Awaited<ReturnType<typeof benchAuditReports>>;

function printAudit(audit: AuditResults) {
  console.log(
    `\nAudit reports over ${audit.events.toLocaleString('en-GB')} events (${audit.patients.toLocaleString('en-GB')} patients), a year, local gateway and dynalite; ` +
      `sealed in ${audit.sealing.digests} digests in ${audit.sealing.seconds} s:`,
  );
  console.table({
    'run the year’s report: heading, totals, first page of each section': audit.firstPageMs,
    'next page of the lookups': audit.nextPageMs,
    'one patient’s report for the year (by NHS number)': audit.patientReportMs,
  });
  console.log(
    `First page, cold (no key unwrapped, no patient decrypted): ${audit.firstPageColdMs} ms; p99 warm ${audit.firstPageMs.p99} ms ` +
      `(budget ${AUDIT_FIRST_PAGE_BUDGET_MS} ms: ${audit.firstPageMs.p99 <= AUDIT_FIRST_PAGE_BUDGET_MS ? 'within' : 'OVER'}).`,
  );
  console.log(
    `CSV of the year: ${audit.csv.rows.toLocaleString('en-GB')} rows, ${audit.csv.megabytes} MB in ${audit.csv.parts} parts, ` +
      `${audit.csv.seconds} s (${audit.csv.rowsPerSecond.toLocaleString('en-GB')} rows/s).`,
  );
  console.log(
    `Calls to the practice's key for the whole report (run, pages, every CSV part), from the local trail: ${JSON.stringify(audit.kmsCallsForTheReport)}.`,
  );
  console.log(
    `Integrity check of the year: ${audit.verify.eventsChecked.toLocaleString('en-GB')} events against ${audit.verify.digestsChecked} digests in ${audit.verify.seconds} s (${audit.verify.intact ? 'intact' : 'NOT intact'}).`,
  );
}

async function main() {
  await mkdir(join(REPO_ROOT, 'bench'), { recursive: true });
  if (process.env.BENCH_ONLY === 'video') {
    const video = await benchVideo(VIDEO_RUNS);
    await writeFile(join(REPO_ROOT, 'bench', 'video-results.json'), `${JSON.stringify(video, null, 2)}\n`);
    printVideo(video);
    return;
  }
  if (process.env.BENCH_ONLY === 'audit') {
    console.log(
      `Audit reports: ${AUDIT_EVENTS.toLocaleString('en-GB')} events of ${AUDIT_PATIENTS.toLocaleString('en-GB')} patients over a year (writing and sealing them takes a few minutes)`,
    );
    const audit = await benchAuditReports({ events: AUDIT_EVENTS, patients: AUDIT_PATIENTS, runs: 20 });
    await writeFile(join(REPO_ROOT, 'bench', 'audit-results.json'), `${JSON.stringify(audit, null, 2)}\n`);
    printAudit(audit);
    return;
  }
  console.log('Synthesizing the app (CDK bundling of every function) into cdk.out …');
  const bundles = [...(await synthesizeShippedBundles()), ...(await synthesizeFloorBundles())];
  const patients = await patientsWithMobiles(INVITE_MOBILES);
  const stack = await startTestStack({
    pdsPatientsDir: patients.dir,
    env: {
      LOOKUP_LIMIT_PER_USER_PER_HOUR: '10000',
      LOOKUP_LIMIT_PER_PRACTICE_PER_DAY: '1000000',
      INVITE_LIMIT_PER_NUMBER_PER_DAY: '50',
      INVITE_LIMIT_PER_USER_PER_HOUR: '10000',
      INVITE_LIMIT_PER_PRACTICE_PER_DAY: '1000000',
    },
  });
  let coldStarts: Awaited<ReturnType<typeof benchColdStarts>>;
  let lookup: Awaited<ReturnType<typeof benchLookup>>;
  let invite: Awaited<ReturnType<typeof benchInvite>>;
  try {
    console.log(`Cold starts: ${bundles.length} bundles × ${COLD_RUNS} paired runs`);
    coldStarts = await benchColdStarts(stack, bundles);
    console.log(`Lookups through the local gateway: ${LOOKUP_REQUESTS} of each, interleaved with GetItem`);
    lookup = await benchLookup(stack, { requests: LOOKUP_REQUESTS });
    console.log(`Invitations through the local gateway, queue and SMS service: ${INVITE_REQUESTS}`);
    invite = await benchInvite(stack, { requests: INVITE_REQUESTS, patients: patients.patients });
  } finally {
    await stack.stop();
    await rm(patients.dir, { recursive: true, force: true });
  }
  const crypto = await benchCrypto();
  console.log(`Video: the join page, then ${VIDEO_RUNS} throttled first renders and ${VIDEO_RUNS} admits`);
  // A part that fails is reported as failed, and the rest are still written.
  const failed = (error: unknown) => ({ failed: (error as Error).message });
  const video = await inOwnProcess<VideoResults>('video').catch(failed);
  const audit = await inOwnProcess<AuditResults>('audit').catch(failed);

  const results = {
    measuredAt: new Date().toISOString(),
    machine: { node: process.version, platform: `${process.platform}-${process.arch}` },
    settings: {
      coldRuns: COLD_RUNS,
      lookupRequests: LOOKUP_REQUESTS,
      inviteRequests: INVITE_REQUESTS,
      auditEvents: AUDIT_EVENTS,
    },
    coldStarts,
    lookup,
    invite,
    fieldEncryption: crypto,
    video,
    auditReports: audit,
  };
  await writeFile(join(REPO_ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);

  console.log('\nCold start of the CDK-built bundles, over bare `node -e 0` (median of paired differences):');
  console.table(
    coldStarts
      .filter((row) => row.kind !== 'floor')
      .map((row) => ({
        function: row.function,
        kind: row.kind,
        'KB (gzip)': `${round(row.bundleBytes / 1024, 0)} (${round(row.bundleGzipBytes / 1024, 0)})`,
        'import +ms': row.importOverBaselineMs,
        'import + 1st call +ms': row.importAndFirstInvocationOverBaselineMs ?? '–',
        budget: `+${row.budgetOverBaselineMs}`,
        within: row.importOverBaselineMs <= row.budgetOverBaselineMs ? 'yes' : 'NO',
      })),
  );
  console.log('\nWhat the libraries alone cost, bundled the same way (the floors under the budgets):');
  console.table(
    coldStarts
      .filter((row) => row.kind === 'floor')
      .map((row) => ({
        floor: FLOORS[row.function as keyof typeof FLOORS],
        'KB (gzip)': `${round(row.bundleBytes / 1024, 0)} (${round(row.bundleGzipBytes / 1024, 0)})`,
        'import +ms': row.importOverBaselineMs,
        'route budget': `+${row.budgetOverBaselineMs}`,
      })),
  );
  const lookupCold = coldStarts.find((row) => row.function === 'createLookup');
  if (lookupCold?.importAndFirstInvocationOverBaselineMs !== undefined) {
    console.log(
      `createLookup import + first call: +${lookupCold.importAndFirstInvocationOverBaselineMs} ms ` +
        `(aim +${LOOKUP_FIRST_CALL_BUDGET_MS} ms)`,
    );
  }
  console.log(`\nWarm latency (n=${lookup.requests} each, interleaved), local gateway, dynalite, local PDS:`);
  console.table({
    'GetItem, one directory item (baseline)': lookup.getItemMs,
    'POST /api/lookups, match': lookup.matchMs,
    'POST /api/lookups, no match': lookup.noMatchMs,
    'GET /api/health': lookup.healthMs,
  });
  console.log(`\nInvitations (n=${invite.requests}), beside the lookups above:`);
  console.table({
    'POST /api/invites, answered (201)': invite.postMs,
    'POST /api/invites → text on the local phone page': invite.toPhoneMs,
    'POST /api/lookups, match (same run)': lookup.matchMs,
  });
  console.log(
    `Lookup (match) over GetItem: p50 ${lookup.ratios.matchP50}× (goal ≤ 5×), p99 ${lookup.ratios.matchP99}× (goal ≤ 10×)`,
  );
  const trips = lookup.dynamoRequests;
  console.log(
    `DynamoDB requests: a lookup match ${trips.match.dynamoRequests} (${JSON.stringify(trips.match.lastOperations)}), ` +
      `a no-match ${trips.noMatch.dynamoRequests}, the baseline ${trips.getItem.dynamoRequests}.`,
  );
  const kms = crypto.kmsCalls;
  console.log(
    `\nKMS calls per practice per ${kms.cacheWindowMs / 60_000}-minute window (mocked KMS): ` +
      `${kms.writerContainers} writer containers × ${kms.valuesPerWriter} values, then one fresh reader of all ` +
      `${kms.valuesRead} values with a blind index each: writer max ${kms.writerCallsPerContainerMax}, reader ` +
      `${kms.readerCallsPerPracticeFirstWindow.a} (practice A) and ${kms.readerCallsPerPracticeFirstWindow.b} ` +
      `(practice B), next window ${kms.readerCallsPerPracticeNextWindow.a} and ${kms.readerCallsPerPracticeNextWindow.b}.`,
  );
  console.table({ 'encrypt + decrypt (warm container)': crypto.encryptDecryptMs });
  if ('failed' in video) console.log(`\nVideo: ${video.failed}`);
  else printVideo(video);
  if ('failed' in audit) console.log(`\nAudit reports: ${audit.failed}`);
  else printAudit(audit);
  console.log('Written to bench/results.json');
  if ('failed' in video || 'failed' in audit) process.exitCode = 1;
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
