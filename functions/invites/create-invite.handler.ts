import { httpHandler } from '../../layers/http/pipeline';
import { phoneNumberPolicyParser } from '../../layers/sms/sms-numbers';
import { createInvite } from './invites';
import { createInviteRoute } from './routes';
import { sendingFunction } from './sending-wiring';

const sending = sendingFunction(createInviteRoute);
const { stores } = sending;
// The one sending route that reads the patient's number (re-send and release use the invite's own).
const deps = { ...sending.deps, parsePhone: phoneNumberPolicyParser(sending.config) };

export const handler = httpHandler(
  createInviteRoute,
  async ({ caller, body, headers, requestId }) => ({
    status: 201,
    body: await createInvite(deps, caller, body, headers['idempotency-key'], requestId),
  }),
  { stores },
);
