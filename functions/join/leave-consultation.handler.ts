import { httpHandler } from '../../layers/http/pipeline';
import { leave } from './join';
import { leaveConsultationRoute } from './routes';
import { joinDepsFor } from './wiring';

const deps = joinDepsFor(leaveConsultationRoute);

export const handler = httpHandler(leaveConsultationRoute, async ({ body }) => ({
  body: await leave(deps, body),
}));
