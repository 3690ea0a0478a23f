import { httpHandler } from '../../layers/http/pipeline';
import { reportDeviceCheck } from './join';
import { reportDeviceCheckRoute } from './routes';
import { joinDepsFor } from './wiring';

const deps = joinDepsFor(reportDeviceCheckRoute);

export const handler = httpHandler(reportDeviceCheckRoute, async ({ body, event }) => ({
  body: await reportDeviceCheck(deps, body, { userAgent: event.headers?.['user-agent'] }),
}));
