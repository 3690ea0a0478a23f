import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { MAX_SEALING_LAG_MS, verifyRange } from '../../../functions/audit/verify-trail';
import { FileDigestStore } from '../../../layers/audit/seal/digest-store';
import { DynamoDigestStore } from '../../../layers/audit/seal/dynamo-digest-store';
import { DynamoEventSource } from '../../../layers/audit/seal/dynamo-event-source';
import { localSealPaths } from '../../../layers/audit/seal/seal-config';
import { readLocalDigestVerifier } from '../../../layers/audit/seal/signing';
import type { IntegrityBreak } from '../../../layers/audit/seal/verifier';
import { addDays, isDay, ukDayStart } from '../../../layers/universal/uk-days';
import { localAuditSealDir } from '../../capabilities/audit-seal';
import { localSettings, runningLocalStack } from './settings';

const USAGE =
  'Usage: npm run audit:verify -- --practice <id> [--from <YYYY-MM-DD or ISO time>] [--to <…>] [--copies]\n' +
  '  --from/--to: UK days (both included) or ISO times (to exclusive); the whole trail if left out.\n' +
  '  --copies: check against the write-once digest copies instead of the table’s digests.';

/** A UK day (its start, or for `to` the start of the next day) or an ISO time. */
function instant(value: string | undefined, end: boolean): string | undefined {
  if (value === undefined) return undefined;
  if (isDay(value)) return ukDayStart(end ? addDays(value, 1) : value);
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) {
    console.error(`Not a date or time: ${value}\n${USAGE}`);
    process.exit(2);
  }
  return time.toISOString();
}

function describe(brk: IntegrityBreak): string {
  if ('eventId' in brk) {
    const digest = brk.sequence === null ? '' : ` (digest ${brk.sequence})`;
    return `${brk.kind.padEnd(10)} event ${brk.eventId} at ${brk.at}${digest}: ${brk.detail}`;
  }
  const digest = brk.sequence === null ? 'a digest' : `digest ${brk.sequence}`;
  const unverified = brk.unverifiedEventIds.length
    ? ` Events no valid digest vouches for: ${brk.unverifiedEventIds.join(', ')}.`
    : '';
  return `${brk.kind} (${brk.reason}) at ${digest}: ${brk.detail}${unverified}`;
}

/**
 * `npm run audit:verify`: checks a practice's audit events against its digests with only the public key (the
 * `.public.pem` beside the local key pair; never the private key), as an inspector would. Prints what it
 * checked and either INTACT or every break, naming events by id; exits 1 on any break.
 */
async function main() {
  const { values } = parseArgs({
    options: {
      practice: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      copies: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help || !values.practice) {
    (values.help ? console.log : console.error)(USAGE);
    process.exit(values.help ? 0 : 2);
  }
  const practiceId = values.practice;
  const fromIso = instant(values.from, false);
  const toIso = instant(values.to, true);
  const { dataDir } = localSettings();
  const { tableNames, client } = await runningLocalStack(dataDir);
  const paths = localSealPaths(localAuditSealDir(dataDir));
  const verifier = await readLocalDigestVerifier(paths.keyDir);
  const digests = values.copies
    ? new FileDigestStore(paths.copiesDir)
    : new DynamoDigestStore(client, tableNames.audit);
  const { report } = await verifyRange(
    practiceId,
    { events: new DynamoEventSource(client, tableNames.audit), digests, verifier: async () => verifier },
    { ...(fromIso ? { fromIso } : {}), ...(toIso ? { toIso } : {}) },
    new Date(),
  );
  client.destroy();
  const spki = createHash('sha256').update(verifier.spki()).digest('hex');
  console.log(`Practice ${practiceId}, ${fromIso ?? 'the start'} to ${toIso ?? 'now'}`);
  console.log(
    `Checked against ${values.copies ? 'the write-once copies' : 'the table’s digests'} with the public key ${verifier.keyId} only`,
  );
  console.log(`  (SHA-256 of its SubjectPublicKeyInfo: ${spki})`);
  console.log(
    `Digests checked: ${report.digestsChecked}. Events checked: ${report.eventsChecked} (${report.eventsSealed} sealed); not yet sealed: ${report.eventsNotYetSealed}.`,
  );
  if (report.sealedThrough) console.log(`Sealed through ${report.sealedThrough}.`);
  if (report.intact) {
    console.log('INTACT: every sealed event is as it was sealed, and the chain of digests is whole.');
    return;
  }
  console.log(`BROKEN: ${report.breaks.length} break(s) found`);
  for (const brk of report.breaks) console.log(`  ${describe(brk)}`);
  console.log(`(Sealing is expected within ${MAX_SEALING_LAG_MS / 60_000} minutes of each event.)`);
  process.exit(1);
}

main().catch((error: Error) => {
  console.error(`Could not verify: ${error.message}`);
  process.exit(1);
});
