import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoAuditTotals } from '../../layers/audit/day-totals';
import { DynamoDigestStore } from '../../layers/audit/seal/dynamo-digest-store';
import { DynamoEventSource } from '../../layers/audit/seal/dynamo-event-source';
import { LockedDigestStore } from '../../layers/audit/seal/locked-digest-store';
import { AuditSealConfig, auditSealingFrom } from '../../layers/audit/seal/seal-config';
import { loadConfig } from '../../layers/config/load-config';
import { DynamoDirectoryStore } from '../../layers/directory/directory-store';
import { functionConfig, tableName } from '../../layers/functions/function-config';
import {
  platformDocumentClient,
  practiceDocumentClient,
  scopedClients,
} from '../../layers/isolation/scoped-clients';
import { logger, metrics } from '../../layers/observability/powertools';
import { SealSettings, sealAuditTrailsFunction } from './event-functions';
import { sealPracticeTrail } from './sealing';

// At cold start: a missing setting fails the init, naming it.
const config = loadConfig([functionConfig(sealAuditTrailsFunction), AuditSealConfig, SealSettings]);
const sealing = auditSealingFrom(config);
scopedClients();
const tables = {
  directory: tableName(config, 'directory'),
  audit: tableName(config, 'audit'),
  records: tableName(config, 'records'),
};

/**
 * Every practice on the platform in turn, each with credentials scoped to it (the practice data role). One
 * practice failing does not stop the others; the run then fails (EventBridge retries it, and the
 * `AuditSealFailures` alarm fires), and the next tick seals what this one could not.
 */
export async function handler(): Promise<{ practices: number; digests: number; failed: number }> {
  const signer = await sealing.signer();
  const practiceIds = await new DynamoDirectoryStore(
    platformDocumentClient(),
    tables.directory,
  ).listPracticeIds();
  let digests = 0;
  let failed = 0;
  for (const practiceId of practiceIds) {
    const client = practiceDocumentClient(practiceId);
    try {
      const outcome = await sealPracticeTrail({
        practiceId,
        events: new DynamoEventSource(client, tables.audit),
        digests: new LockedDigestStore(new DynamoDigestStore(client, tables.audit), sealing.copies),
        totals: new DynamoAuditTotals(client, tables.records),
        signer,
        settleMs: config.AUDIT_SEAL_SETTLE_SECONDS * 1000,
      });
      digests += outcome.digests;
      if (outcome.digests > 0 || outcome.repaired) logger.info('audit trail sealed', { ...outcome });
    } catch (error) {
      failed++;
      metrics.addMetric('AuditSealFailures', MetricUnit.Count, 1);
      // The error's class and where it came from, never its message (a library's can quote data).
      logger.error('audit trail not sealed', {
        practiceId,
        errorName: (error as Error)?.name,
        stack: (error as Error)?.stack?.split('\n').slice(1, 8),
      });
    }
  }
  metrics.publishStoredMetrics();
  if (failed > 0) throw new Error(`${failed} of ${practiceIds.length} practices could not be sealed`);
  return { practices: practiceIds.length, digests, failed };
}
