import { httpHandler } from '../../layers/http/pipeline';
import { releaseHeldMessage } from './invites';
import { releaseHeldMessageRoute } from './routes';
import { sendingFunction } from './sending-wiring';

const { stores, deps } = sendingFunction(releaseHeldMessageRoute);

export const handler = httpHandler(
  releaseHeldMessageRoute,
  async ({ caller, params, requestId }) => ({
    body: await releaseHeldMessage(deps, caller, params.inviteId, requestId),
  }),
  { stores },
);
