import { httpHandler } from '../../layers/http/pipeline';
import { enterWaitingRoom } from './join';
import { enterWaitingRoomRoute } from './routes';
import { joinDepsFor } from './wiring';

const deps = joinDepsFor(enterWaitingRoomRoute);

export const handler = httpHandler(enterWaitingRoomRoute, async ({ body }) => ({
  body: await enterWaitingRoom(deps, body),
}));
