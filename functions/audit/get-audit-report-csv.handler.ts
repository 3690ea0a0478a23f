import { loadConfig } from '../../layers/config/load-config';
import { CryptoConfig, functionCrypto } from '../../layers/crypto/function-crypto';
import { functionConfig } from '../../layers/functions/function-config';
import { httpHandler } from '../../layers/http/pipeline';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { reportCsvChunk } from './audit-reports';
import { reportDepsFrom } from './report-deps';
import { getAuditReportCsvRoute } from './routes';

const config = loadConfig([functionConfig(getAuditReportCsvRoute), CryptoConfig]);
const crypto = functionCrypto();
const stores = practiceStoresFrom(config, { crypto: () => crypto.fields });
const depsFor = reportDepsFrom(config, crypto);

export const handler = httpHandler(
  getAuditReportCsvRoute,
  async ({ caller, params, query, requestId }) => ({
    body: await reportCsvChunk(depsFor(caller.practiceId), caller, params.reportId, query.cursor, requestId),
  }),
  { stores },
);
