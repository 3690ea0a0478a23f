import { loadConfig } from '../../layers/config/load-config';
import { functionConfig } from '../../layers/functions/function-config';
import { httpHandler } from '../../layers/http/pipeline';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { acceptAcceptableUse } from './acceptable-use';
import { acceptAcceptableUsePolicyRoute } from './routes';

const config = loadConfig(functionConfig(acceptAcceptableUsePolicyRoute));
const stores = practiceStoresFrom(config);

export const handler = httpHandler(
  acceptAcceptableUsePolicyRoute,
  async ({ caller, body, requestId }) => ({
    body: await acceptAcceptableUse({}, caller, body.version, requestId),
  }),
  { stores },
);
