import { loadConfig } from '../../layers/config/load-config';
import { functionConfig } from '../../layers/functions/function-config';
import { httpHandler } from '../../layers/http/pipeline';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { getVideoSettingsRoute } from './routes';
import { videoSettingsView } from './video-settings';

const config = loadConfig(functionConfig(getVideoSettingsRoute));
const stores = practiceStoresFrom(config);

export const handler = httpHandler(
  getVideoSettingsRoute,
  async ({ caller }) => ({
    body: videoSettingsView((await caller.stores.videoSettings.get()).defaultMediaRegion),
  }),
  { stores },
);
