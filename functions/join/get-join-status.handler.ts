import { httpHandler } from '../../layers/http/pipeline';
import { status } from './join';
import { getJoinStatusRoute } from './routes';
import { joinDepsFor } from './wiring';

const deps = joinDepsFor(getJoinStatusRoute);

export const handler = httpHandler(getJoinStatusRoute, async ({ body }) => ({
  body: await status(deps, body),
}));
