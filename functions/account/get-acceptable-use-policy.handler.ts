import { loadConfig } from '../../layers/config/load-config';
import { functionConfig } from '../../layers/functions/function-config';
import { httpHandler } from '../../layers/http/pipeline';
import { ACCEPTABLE_USE_POLICY } from '../../layers/identity/acceptable-use';
import { getAcceptableUsePolicyRoute } from './routes';

// A static document: no store, no SDK client, only the deployment's settings.
loadConfig(functionConfig(getAcceptableUsePolicyRoute));
const body = {
  version: ACCEPTABLE_USE_POLICY.version,
  title: ACCEPTABLE_USE_POLICY.title,
  points: [...ACCEPTABLE_USE_POLICY.points],
};

export const handler = httpHandler(getAcceptableUsePolicyRoute, async () => ({
  body,
  headers: { 'cache-control': 'public, max-age=300' },
}));
