import { httpHandler } from '../../layers/http/pipeline';
import { staffDirectory } from '../../layers/http/staff-gate';
import { describeCaller } from './account';
import { getMeRoute } from './routes';

export const getMe = httpHandler(getMeRoute, async ({ caller }) => ({
  body: await describeCaller(staffDirectory(), caller),
}));
