import { loadConfig } from '../../layers/config/load-config';
import { functionConfig } from '../../layers/functions/function-config';
import { httpHandler } from '../../layers/http/pipeline';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { describeCaller } from './account';
import { getMeRoute } from './routes';

const config = loadConfig(functionConfig(getMeRoute));
const stores = practiceStoresFrom(config);

export const handler = httpHandler(
  getMeRoute,
  async ({ caller }) => ({ body: await describeCaller(caller) }),
  {
    stores,
  },
);
