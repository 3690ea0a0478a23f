import { loadConfig } from '../../layers/config/load-config';
import { CryptoConfig, functionCrypto } from '../../layers/crypto/function-crypto';
import { functionConfig } from '../../layers/functions/function-config';
import { httpHandler } from '../../layers/http/pipeline';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { runReport } from './audit-reports';
import { reportDepsFrom } from './report-deps';
import { runAuditReportRoute } from './routes';

const config = loadConfig([functionConfig(runAuditReportRoute), CryptoConfig]);
const crypto = functionCrypto();
const stores = practiceStoresFrom(config, { crypto: () => crypto.fields });
const depsFor = reportDepsFrom(config, crypto);

export const handler = httpHandler(
  runAuditReportRoute,
  async ({ caller, body, requestId }) => ({
    body: await runReport(depsFor(caller.practiceId), caller, body, requestId),
  }),
  { stores },
);
