import { loadConfig } from '../../layers/config/load-config';
import { CryptoConfig, functionCrypto } from '../../layers/crypto/function-crypto';
import { functionConfig } from '../../layers/functions/function-config';
import { httpHandler } from '../../layers/http/pipeline';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { reportSection } from './audit-reports';
import { reportDepsFrom } from './report-deps';
import { getAuditReportSectionRoute } from './routes';

const config = loadConfig([functionConfig(getAuditReportSectionRoute), CryptoConfig]);
const crypto = functionCrypto();
const stores = practiceStoresFrom(config, { crypto: () => crypto.fields });
const depsFor = reportDepsFrom(config, crypto);

export const handler = httpHandler(
  getAuditReportSectionRoute,
  async ({ caller, params, query }) => ({
    body: await reportSection(
      depsFor(caller.practiceId),
      caller,
      params.reportId,
      params.sectionId,
      query.cursor,
      query.limit,
    ),
  }),
  { stores },
);
