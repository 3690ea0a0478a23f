import { DynamoAuditTotals } from '../../layers/audit/day-totals';
import { DynamoDigestStore } from '../../layers/audit/seal/dynamo-digest-store';
import type { PracticeCrypto } from '../../layers/crypto/function-crypto';
import { type FunctionSettings, tableName } from '../../layers/functions/function-config';
import { practiceDocumentClient } from '../../layers/isolation/scoped-clients';
import type { ReportDeps } from './audit-reports';
import { PatientResolver } from './patients';
import { AuditEventReader } from './report-events';
import { ReportRuns } from './report-runs';

/**
 * What the report routes read one practice with: every store through that practice's scoped client (the
 * practice data role in AWS), so a report can only ever see the caller's own practice.
 */
export function reportDepsFrom(config: FunctionSettings, crypto: PracticeCrypto) {
  const audit = tableName(config, 'audit');
  const records = tableName(config, 'records');
  return (practiceId: string): ReportDeps => {
    const client = practiceDocumentClient(practiceId);
    return {
      reader: new AuditEventReader(client, audit, practiceId),
      totals: new DynamoAuditTotals(client, records),
      digests: new DynamoDigestStore(client, audit),
      runs: new ReportRuns(client, records, practiceId),
      patients: new PatientResolver(crypto.fields, practiceId),
      blindIndex: crypto.blindIndex,
      fields: crypto.fields,
    };
  };
}
