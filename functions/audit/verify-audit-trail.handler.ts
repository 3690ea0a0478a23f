import { DynamoDigestStore } from '../../layers/audit/seal/dynamo-digest-store';
import { DynamoEventSource } from '../../layers/audit/seal/dynamo-event-source';
import { AuditVerifyConfig, auditVerifierFrom } from '../../layers/audit/seal/verify-config';
import { loadConfig } from '../../layers/config/load-config';
import { functionConfig, tableName } from '../../layers/functions/function-config';
import { httpHandler } from '../../layers/http/pipeline';
import { practiceDocumentClient } from '../../layers/isolation/scoped-clients';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { ReportRuns } from './report-runs';
import { verifyAuditTrailRoute } from './routes';
import { verifyReportRun } from './verify-trail';

const config = loadConfig([functionConfig(verifyAuditTrailRoute), AuditVerifyConfig]);
const stores = practiceStoresFrom(config);
const verifier = auditVerifierFrom(config);
const audit = tableName(config, 'audit');
const records = tableName(config, 'records');

export const handler = httpHandler(
  verifyAuditTrailRoute,
  async ({ caller, params, requestId }) => {
    const client = practiceDocumentClient(caller.practiceId);
    return {
      body: await verifyReportRun(
        {
          events: new DynamoEventSource(client, audit),
          digests: new DynamoDigestStore(client, audit),
          verifier,
          runs: new ReportRuns(client, records, caller.practiceId),
        },
        caller,
        params.reportId,
        requestId,
      ),
    };
  },
  { stores },
);
