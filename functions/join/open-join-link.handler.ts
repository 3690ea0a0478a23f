import { httpHandler } from '../../layers/http/pipeline';
import { openLink } from './join';
import { openJoinLinkRoute } from './routes';
import { joinDepsFor } from './wiring';

const deps = joinDepsFor(openJoinLinkRoute);

export const handler = httpHandler(openJoinLinkRoute, async ({ body }) => ({
  body: await openLink(deps, body),
}));
