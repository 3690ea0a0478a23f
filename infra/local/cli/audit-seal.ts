import { parseArgs } from 'node:util';
import { SealSettings } from '../../../functions/audit/event-functions';
import { sealPracticeTrail } from '../../../functions/audit/sealing';
import { DynamoAuditTotals } from '../../../layers/audit/day-totals';
import { FileDigestStore } from '../../../layers/audit/seal/digest-store';
import { DynamoDigestStore } from '../../../layers/audit/seal/dynamo-digest-store';
import { DynamoEventSource } from '../../../layers/audit/seal/dynamo-event-source';
import { LockedDigestStore } from '../../../layers/audit/seal/locked-digest-store';
import { localSealPaths } from '../../../layers/audit/seal/seal-config';
import { LocalDigestSigner } from '../../../layers/audit/seal/signing';
import { loadConfig } from '../../../layers/config/load-config';
import { DynamoDirectoryStore } from '../../../layers/directory/directory-store';
import { ukDateTime } from '../../../layers/universal/uk-days';
import { localAuditSealDir } from '../../capabilities/audit-seal';
import { localSettings, runningLocalStack } from './settings';

const USAGE = 'Usage: npm run audit:seal [-- --practice <id>]';

/**
 * `npm run audit:seal`: seals every practice's new audit events now, as the local stack's sealer does each
 * minute (the same code: functions/audit/sealing.ts), against the running stack's DynamoDB and with the local
 * audit key. Safe beside the stack's own sealer: of two runs at once, one seals and the other finds it done.
 */
async function main() {
  const { values } = parseArgs({ options: { practice: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const { AUDIT_SEAL_SETTLE_SECONDS: settleSeconds } = loadConfig(SealSettings);
  const { dataDir } = localSettings();
  const { tableNames, client } = await runningLocalStack(dataDir);
  const paths = localSealPaths(localAuditSealDir(dataDir));
  const signer = await LocalDigestSigner.open({ dir: paths.keyDir });
  const copies = new FileDigestStore(paths.copiesDir);
  const practices = values.practice
    ? [values.practice]
    : await new DynamoDirectoryStore(client, tableNames.directory).listPracticeIds();
  if (practices.length === 0) console.log('No practices to seal.');
  let failed = 0;
  for (const practiceId of practices) {
    try {
      const outcome = await sealPracticeTrail({
        practiceId,
        events: new DynamoEventSource(client, tableNames.audit),
        digests: new LockedDigestStore(new DynamoDigestStore(client, tableNames.audit), copies),
        totals: new DynamoAuditTotals(client, tableNames.records),
        signer,
        settleMs: settleSeconds * 1000,
      });
      const through = outcome.sealedThrough
        ? ` sealed through ${ukDateTime(outcome.sealedThrough)} (UK)`
        : '';
      console.log(
        `${practiceId}: ${outcome.digests} digest(s), ${outcome.events} event(s) sealed${outcome.late ? ` (${outcome.late} late)` : ''};${through}${outcome.repaired ? '; repaired the last digest’s totals' : ''}`,
      );
    } catch (error) {
      failed++;
      console.error(`${practiceId}: not sealed: ${(error as Error).message}`);
    }
  }
  console.log(`Signed with ${signer.keyId}.`);
  client.destroy();
  if (failed > 0) process.exit(1);
}

main().catch((error: Error) => {
  console.error(`Could not seal: ${error.message}`);
  process.exit(1);
});
