import { loadConfig } from '../../layers/config/load-config';
import { functionConfig } from '../../layers/functions/function-config';
import { httpHandler } from '../../layers/http/pipeline';
import { parseMediaRegion } from '../../layers/meetings/regions';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { updateVideoSettingsRoute } from './routes';
import { updateVideoSettings } from './video-settings';

const config = loadConfig(functionConfig(updateVideoSettingsRoute));
const stores = practiceStoresFrom(config);

export const handler = httpHandler(
  updateVideoSettingsRoute,
  async ({ caller, body, requestId }) => ({
    body: await updateVideoSettings(caller, parseMediaRegion(body.defaultMediaRegion), requestId),
  }),
  { stores },
);
