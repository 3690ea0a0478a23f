import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { sealPracticeTrail } from '../../functions/audit/sealing';
import { localAuditSealDir } from '../../infra/capabilities/audit-seal';
import { capability as schedule } from '../../infra/capabilities/schedule';
import { auditItem } from '../../layers/audit/audit-log';
import { DynamoAuditTotals } from '../../layers/audit/day-totals';
import { FileDigestStore } from '../../layers/audit/seal/digest-store';
import { DynamoDigestStore } from '../../layers/audit/seal/dynamo-digest-store';
import { DynamoEventSource } from '../../layers/audit/seal/dynamo-event-source';
import { LockedDigestStore } from '../../layers/audit/seal/locked-digest-store';
import { localSealPaths } from '../../layers/audit/seal/seal-config';
import { LocalDigestSigner } from '../../layers/audit/seal/signing';
import { PracticeBlindIndex } from '../../layers/crypto/blind-index';
import { FieldCrypto } from '../../layers/crypto/field-crypto';
import { functionCrypto } from '../../layers/crypto/function-crypto';
import { LocalPracticeKeys } from '../../layers/crypto/local-practice-keys';
import { AUDIT_NHS_NUMBER_FIELD, AUDIT_PATIENT_NAME_FIELD } from '../../layers/records/record-kinds';
import { createDocumentClient } from '../../layers/storage/dynamo-client';
import { localTrailDir } from '../../layers/trail/local-key-trail';
import { nhsCheckDigit } from '../../layers/universal/nhs-number';
import { addDays, ukDay } from '../../layers/universal/uk-days';
import { apiClient } from '../support/api';
import { startTestStack } from '../support/local-stack';
import { signedInDemoMember } from '../support/lookups';
import { round, summarise } from './stats';

type TestStack = Awaited<ReturnType<typeof startTestStack>>;

const REASONS = ['not-found', 'birth-date-mismatch', 'restricted', 'deceased'];

/** `n` valid NHS numbers from the 999 test range (modulus 11), never issued to real people. */
function testNhsNumbers(n: number): string[] {
  const numbers: string[] = [];
  for (let stem = 999_000_000; numbers.length < n; stem++) {
    const first = String(stem);
    const check = nhsCheckDigit(first);
    if (check !== undefined) numbers.push(`${first}${check}`);
  }
  return numbers;
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = process.hrtime.bigint();
  const result = await work();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, result };
}

/** Key uses the local key service recorded (its CloudTrail-format log files) since `since`. */
async function keyUses(dataDir: string, since: number): Promise<Record<string, number>> {
  const root = join(localTrailDir(dataDir));
  const counts: Record<string, number> = {};
  const files = (await readdir(root, { recursive: true }))
    .map(String)
    .filter((file) => file.endsWith('.json.gz'));
  for (const file of files) {
    if (file.includes('CloudTrail-Digest')) continue;
    const { Records } = JSON.parse(gunzipSync(await readFile(join(root, file))).toString('utf8')) as {
      Records: { eventName: string; eventTime: string }[];
    };
    for (const record of Records) {
      // Whole seconds in CloudTrail's times: count from the second the run began.
      if (Date.parse(record.eventTime) >= Math.floor(since / 1000) * 1000)
        counts[record.eventName] = (counts[record.eventName] ?? 0) + 1;
    }
  }
  return counts;
}

/**
 * A year of a busy practice's audit trail (`events` events, most of them lookups of `patients` distinct
 * patients, by a dozen members of staff), written as the app writes it (encrypted NHS numbers and names, a
 * blind index each), sealed by the sealer's own code, then reported on through the local gateway as a
 * compliance officer would: the first page of the year's report, the next page of its largest section, one
 * patient's report, and the whole year as CSV. KMS calls are counted the way an inspector would count them:
 * from the trail of key use the local key service writes.
 */
export async function benchAuditReports(options: { events: number; patients: number; runs: number }) {
  const stack: TestStack = await startTestStack({ env: { AUDIT_SEAL_SETTLE_SECONDS: '0' } });
  // The stack's own minute-by-minute sealer would seal the year in one go while the bench does it in steps.
  await stack.standIn(schedule).close();
  try {
    const practiceId = stack.demo.practice.practiceId;
    const client = createDocumentClient({ AWS_REGION: 'eu-west-2', DYNAMODB_ENDPOINT: stack.dynamoEndpoint });
    const keys = new LocalPracticeKeys({ dataDir: stack.dataDir, trail: false });
    const fields = new FieldCrypto(keys);
    const blindIndex = new PracticeBlindIndex(keys);
    const staff = stack.demo.staff.map((member) => member.sub);
    const eventsFrom = Date.now() - 3_600_000 - 365 * 86_400_000;

    // Each patient's references, encrypted once (a real trail has one ciphertext per event; decrypting is per
    // patient either way, since the report decrypts each patient once: see functions/audit/patients.ts).
    const setup = await timed(async () => {
      const numbers = testNhsNumbers(options.patients);
      const patients = [];
      for (const [index, nhsNumber] of numbers.entries()) {
        patients.push({
          nhsNumberIndex: await blindIndex.of(practiceId, 'nhsNumber', nhsNumber),
          nhsNumberCiphertext: await fields.encrypt(practiceId, AUDIT_NHS_NUMBER_FIELD, nhsNumber),
          patientNameCiphertext: await fields.encrypt(
            practiceId,
            AUDIT_PATIENT_NAME_FIELD,
            `Patient ${index}`,
          ),
        });
      }
      const end = Date.now() - 3_600_000;
      const start = eventsFrom;
      const step = (end - start) / options.events;
      const batches: Record<string, unknown>[][] = [];
      let batch: Record<string, unknown>[] = [];
      for (let index = 0; index < options.events; index++) {
        const at = new Date(start + index * step).toISOString();
        const actor = { sub: staff[index % staff.length] as string, role: 'clinician' };
        const patient = patients[(index * 7919) % patients.length] as (typeof patients)[number];
        const kind = index % 20;
        const event =
          kind < 17
            ? {
                type: 'patient.lookup',
                details:
                  kind < 12
                    ? { outcome: 'match', lookupId: randomUUID(), ...patient }
                    : {
                        outcome: 'no-match',
                        reason: REASONS[kind % REASONS.length] as string,
                        nhsNumberIndex: patient.nhsNumberIndex,
                        nhsNumberCiphertext: patient.nhsNumberCiphertext,
                      },
              }
            : kind < 19
              ? { type: 'staff.aup_accepted', subject: { sub: actor.sub }, details: { version: '2026-11-1' } }
              : {
                  type: 'audit.report_run',
                  details: { reportId: randomUUID(), from: ukDay(at), to: ukDay(at) },
                };
        batch.push(
          auditItem({
            eventId: randomUUID(),
            practiceId,
            at,
            actor,
            requestId: randomUUID(),
            ...event,
          } as never),
        );
        if (batch.length === 25) {
          batches.push(batch);
          batch = [];
        }
      }
      if (batch.length > 0) batches.push(batch);
      for (let index = 0; index < batches.length; index += 8) {
        await Promise.all(
          batches.slice(index, index + 8).map((items) =>
            client.send(
              new BatchWriteCommand({
                RequestItems: {
                  [stack.tableNames.audit as string]: items.map((Item) => ({ PutRequest: { Item } })),
                },
              }),
            ),
          ),
        );
      }
    });

    const paths = localSealPaths(localAuditSealDir(stack.dataDir));
    const signer = await LocalDigestSigner.open({ dir: paths.keyDir });
    // Sealed as the schedule would, though in six-hour steps rather than five-minute ones (a year of those
    // would take the bench an hour to write): 1,460 digests, the newest of which a report reads.
    const sealing = await timed(async () => {
      const outcome = { digests: 0, events: 0, daysRolledUp: 0 };
      const stepMs = 6 * 3_600_000;
      for (let now = eventsFrom + stepMs; now < Date.now() + stepMs; now += stepMs) {
        const step = await sealPracticeTrail({
          practiceId,
          events: new DynamoEventSource(client, stack.tableNames.audit as string),
          digests: new LockedDigestStore(
            new DynamoDigestStore(client, stack.tableNames.audit as string),
            new FileDigestStore(paths.copiesDir),
          ),
          totals: new DynamoAuditTotals(client, stack.tableNames.records as string),
          signer,
          settleMs: 0,
          now: new Date(Math.min(now, Date.now())),
        });
        outcome.digests += step.digests;
        outcome.events += step.events;
        outcome.daysRolledUp += step.daysRolledUp;
      }
      return outcome;
    });

    const call = apiClient(stack.url);
    const officer = await signedInDemoMember(stack, 'compliance_officer');
    const year = { from: addDays(ukDay(new Date()), -365), to: ukDay(new Date()) };
    // Cold: this container has unwrapped nothing, and has decrypted no patient, for the practice.
    functionCrypto().keys.forget(practiceId);
    const coldStarted = Date.now();
    const first = await timed(() => call('POST', '/api/audit/reports', { token: officer.token, body: year }));
    if (first.result.status !== 200) throw new Error(`the report answered ${first.result.status}`);
    const report = first.result.body as {
      reportId: string;
      total: number;
      sections: { id: string; total: number; cursor: string | null }[];
    };
    const firstPageMs: number[] = [];
    for (let run = 0; run < options.runs; run++) {
      const { ms } = await timed(() =>
        call('POST', '/api/audit/reports', { token: officer.token, body: year }),
      );
      firstPageMs.push(ms);
    }
    const lookups = report.sections.find((section) => section.id === 'lookups');
    const nextPageMs: number[] = [];
    for (let run = 0; run < options.runs; run++) {
      const { ms } = await timed(() =>
        call('GET', `/api/audit/reports/${report.reportId}/sections/lookups?cursor=${lookups?.cursor}`, {
          token: officer.token,
        }),
      );
      nextPageMs.push(ms);
    }
    const patientMs: number[] = [];
    for (let run = 0; run < options.runs; run++) {
      const { ms } = await timed(() =>
        call('POST', '/api/audit/reports', {
          token: officer.token,
          body: { ...year, nhsNumber: testNhsNumbers(1)[0] },
        }),
      );
      patientMs.push(ms);
    }

    // The whole year as CSV, part by part, as the console fetches it.
    const csv = await timed(async () => {
      let cursor: string | null = null;
      let rows = 0;
      let bytes = 0;
      let parts = 0;
      do {
        const query: string = cursor ? `?cursor=${cursor}` : '';
        const part = await call('GET', `/api/audit/reports/${report.reportId}/csv${query}`, {
          token: officer.token,
        });
        if (part.status !== 200) throw new Error(`a CSV part answered ${part.status}`);
        const body = part.body as { csv: string; rows: number; cursor: string | null };
        rows += body.rows;
        bytes += Buffer.byteLength(body.csv);
        parts++;
        cursor = body.cursor;
      } while (cursor);
      return { rows, bytes, parts };
    });
    const kmsCalls = await keyUses(stack.dataDir, coldStarted);
    const verify = await timed(() =>
      call('POST', `/api/audit/reports/${report.reportId}/verify`, { token: officer.token }),
    );
    const verifyBody = verify.result.body as {
      intact: boolean;
      eventsChecked: number;
      digestsChecked: number;
    };

    return {
      events: options.events,
      patients: options.patients,
      setupSeconds: round(setup.ms / 1000, 1),
      sealing: {
        seconds: round(sealing.ms / 1000, 1),
        digests: sealing.result.digests,
        eventsSealed: sealing.result.events,
        daysSummed: sealing.result.daysRolledUp,
      },
      reportTotal: report.total,
      firstPageColdMs: round(first.ms),
      firstPageMs: summarise(firstPageMs),
      nextPageMs: summarise(nextPageMs),
      patientReportMs: summarise(patientMs),
      csv: {
        rows: csv.result.rows,
        parts: csv.result.parts,
        megabytes: round(csv.result.bytes / 1024 / 1024, 1),
        seconds: round(csv.ms / 1000, 1),
        rowsPerSecond: Math.round(csv.result.rows / (csv.ms / 1000)),
      },
      /** Calls to the practice's key (the local KMS stand-in's trail) from the cold report to the last CSV part. */
      kmsCallsForTheReport: kmsCalls,
      verify: {
        seconds: round(verify.ms / 1000, 1),
        intact: verifyBody.intact,
        eventsChecked: verifyBody.eventsChecked,
        digestsChecked: verifyBody.digestsChecked,
      },
    };
  } finally {
    await stack.stop();
  }
}
