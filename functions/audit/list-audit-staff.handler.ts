import { loadConfig } from '../../layers/config/load-config';
import { functionConfig } from '../../layers/functions/function-config';
import { httpHandler } from '../../layers/http/pipeline';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { listAuditStaffRoute } from './routes';

const config = loadConfig(functionConfig(listAuditStaffRoute));
const stores = practiceStoresFrom(config);

export const handler = httpHandler(
  listAuditStaffRoute,
  async ({ caller }) => {
    const staff = await caller.stores.directory.listStaff();
    staff.sort((a, b) => a.name.localeCompare(b.name));
    return {
      body: { staff: staff.map(({ sub, name, role, status }) => ({ id: sub, name, role, status })) },
    };
  },
  { stores },
);
