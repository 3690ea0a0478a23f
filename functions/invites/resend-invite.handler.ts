import { httpHandler } from '../../layers/http/pipeline';
import { resendInvite } from './invites';
import { resendInviteRoute } from './routes';
import { sendingFunction } from './sending-wiring';

const { stores, deps } = sendingFunction(resendInviteRoute);

export const handler = httpHandler(
  resendInviteRoute,
  async ({ caller, params, headers, requestId }) => ({
    status: 201,
    body: await resendInvite(deps, caller, params.inviteId, headers['idempotency-key'], requestId),
  }),
  { stores },
);
