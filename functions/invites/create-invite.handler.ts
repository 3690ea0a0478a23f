import { httpHandler } from '../../layers/http/pipeline';
import { createInvite } from './invites';
import { createInviteRoute } from './routes';
import { sendingFunction } from './sending-wiring';

const { stores, deps } = sendingFunction(createInviteRoute);

export const handler = httpHandler(
  createInviteRoute,
  async ({ caller, body, headers, requestId }) => ({
    status: 201,
    body: await createInvite(deps, caller, body, headers['idempotency-key'], requestId),
  }),
  { stores },
);
