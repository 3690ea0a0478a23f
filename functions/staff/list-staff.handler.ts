import { loadConfig } from '../../layers/config/load-config';
import { functionConfig } from '../../layers/functions/function-config';
import { httpHandler } from '../../layers/http/pipeline';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { listStaffRoute } from './routes';
import { listPracticeStaff } from './staff-admin';

const config = loadConfig(functionConfig(listStaffRoute));
const stores = practiceStoresFrom(config);

export const handler = httpHandler(
  listStaffRoute,
  async ({ caller }) => ({ body: { staff: await listPracticeStaff(caller) } }),
  { stores },
);
