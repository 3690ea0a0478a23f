import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { PreSignUpTriggerEvent } from 'aws-lambda';
import { BaseConfig, requiredName } from '../../layers/config/base-config';
import { loadConfig } from '../../layers/config/load-config';
import { logger } from '../../layers/observability/powertools';
import * as z from '../../layers/validation/z';
import { isAllowedStaffEmail, parseDomainList } from './staff-email-policy';

/** Cognito shows this under "PreSignUp failed with error", so it speaks to the person signing up. */
export function refusalMessage(allowedDomains: readonly string[]): string {
  const list = allowedDomains.map((domain) => `@${domain}`).join(' or ');
  return `Use your work email address (${list}) to create a ClinicConnect account.`;
}

/**
 * Cognito pre sign-up trigger (R2): only addresses in an allow-listed domain get an account, whether they sign
 * themselves up, an administrator creates them, or (should one ever be added) an external provider links
 * them. Throwing refuses the sign-up. Nothing is confirmed or verified here: the person still proves the
 * address with the emailed code. The same rule as the local provider and the registration route.
 */
export function createPreSignUpHandler(allowedDomains: readonly string[]) {
  return async (event: PreSignUpTriggerEvent): Promise<PreSignUpTriggerEvent> => {
    const email = event.request.userAttributes.email ?? '';
    if (!isAllowedStaffEmail(email, allowedDomains)) {
      // Never the address itself: it is personal data, and a refused one tells us nothing we act on.
      logger.info('Sign-up refused', { triggerSource: event.triggerSource, reason: 'email-domain' });
      throw new Error(refusalMessage(allowedDomains));
    }
    logger.info('Sign-up allowed', { triggerSource: event.triggerSource });
    return event;
  };
}

const config = loadConfig(z.extend(BaseConfig, { STAFF_EMAIL_DOMAINS: requiredName() }));

export const handler = middy(createPreSignUpHandler(parseDomainList(config.STAFF_EMAIL_DOMAINS))).use(
  injectLambdaContext(logger, { resetKeys: true }),
);
