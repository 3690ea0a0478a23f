import { loadConfig } from '../../layers/config/load-config';
import { functionConfig } from '../../layers/functions/function-config';
import { httpHandler } from '../../layers/http/pipeline';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { parseDomainList, StaffEmailSettings } from '../identity/staff-email-policy';
import { registerWithPractice } from './registration';
import { registerWithPracticeRoute } from './routes';

const config = loadConfig([functionConfig(registerWithPracticeRoute), StaffEmailSettings]);
// Registration opens the stores itself: the caller has no practice yet, the ODS code names one.
const deps = {
  stores: practiceStoresFrom(config),
  allowedEmailDomains: parseDomainList(config.STAFF_EMAIL_DOMAINS),
};

export const handler = httpHandler(registerWithPracticeRoute, async ({ caller, body, requestId }) => ({
  body: await registerWithPractice(deps, caller, body, requestId),
}));
