import { httpHandler } from '../../layers/http/pipeline';
import { enterCode } from './join';
import { enterJoinCodeRoute } from './routes';
import { joinDepsFor } from './wiring';

const deps = joinDepsFor(enterJoinCodeRoute);

export const handler = httpHandler(enterJoinCodeRoute, async ({ body, event, requestId }) => ({
  body: await enterCode(deps, body, {
    address: event.requestContext.http.sourceIp,
    userAgent: event.headers?.['user-agent'],
    requestId,
  }),
}));
