import { httpHandler } from '../../layers/http/pipeline';
import { stopTexts } from './join';
import { stopTextsRoute } from './routes';
import { joinDepsFor } from './wiring';

const deps = joinDepsFor(stopTextsRoute);

export const handler = httpHandler(stopTextsRoute, async ({ body }) => ({
  body: await stopTexts(deps, body),
}));
