import { BaseConfig } from '../../layers/config/base-config';
import { loadConfig } from '../../layers/config/load-config';
import { httpHandler } from '../../layers/http/pipeline';
import { ACCEPTABLE_USE_POLICY } from '../../layers/identity/acceptable-use';
import { functionStores } from '../../layers/practice/practice-stores';
import * as z from '../../layers/validation/z';
import { parseDomainList } from '../identity/staff-email-policy';
import { acceptAcceptableUse } from './acceptable-use';
import { describeCaller } from './account';
import { registerWithPractice as register } from './registration';
import {
  acceptAcceptableUsePolicyRoute,
  getAcceptableUsePolicyRoute,
  getMeRoute,
  registerWithPracticeRoute,
} from './routes';

export const getMe = httpHandler(getMeRoute, async ({ caller }) => ({
  body: await describeCaller(caller),
}));

export const getAcceptableUsePolicy = httpHandler(getAcceptableUsePolicyRoute, async () => ({
  body: {
    version: ACCEPTABLE_USE_POLICY.version,
    title: ACCEPTABLE_USE_POLICY.title,
    points: [...ACCEPTABLE_USE_POLICY.points],
  },
  headers: { 'cache-control': 'public, max-age=300' },
}));

export const acceptAcceptableUsePolicy = httpHandler(
  acceptAcceptableUsePolicyRoute,
  async ({ caller, body, requestId }) => ({
    body: await acceptAcceptableUse({}, caller, body.version, requestId),
  }),
);

const config = loadConfig(z.extend(BaseConfig, { STAFF_EMAIL_DOMAINS: z.optional(z.string()) }));
const allowedEmailDomains = parseDomainList(config.STAFF_EMAIL_DOMAINS);

export const registerWithPractice = httpHandler(
  registerWithPracticeRoute,
  async ({ caller, body, requestId }) => ({
    body: await register({ stores: functionStores(), allowedEmailDomains }, caller, body, requestId),
  }),
);
