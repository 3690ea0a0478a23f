import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { BaseConfig, requiredName } from '../../layers/config/base-config';
import { loadConfig } from '../../layers/config/load-config';
import { roleArnSetting } from '../../layers/config/role-arn';
import { DynamoDirectoryStore } from '../../layers/directory/directory-store';
import {
  platformDocumentClient,
  practiceDocumentClient,
  scopedClients,
} from '../../layers/isolation/scoped-clients';
import { logger } from '../../layers/observability/powertools';
import * as z from '../../layers/validation/z';
import { isAllowedStaffEmail, parseDomainList } from './staff-email-policy';
import { AccountNotActiveError, staffTokenClaims, type TokenClaimsDirectory } from './token-claims';

export interface PreTokenGenerationDeps {
  directory: TokenClaimsDirectory;
  allowedEmailDomains: readonly string[];
}

/**
 * Cognito pre token generation trigger (V2 event), on every sign-in and every refresh:
 *
 * - ID and access tokens get `practice_id` and `role` from the directory (`staffTokenClaims`, the same
 *   function the local provider uses); an account with no practice yet gets neither.
 * - The access token gets `email` (Cognito puts it in ID tokens only), once verified: the API reads it to
 *   check the allow-list when an account registers with a practice.
 * - A suspended or rejected member gets no tokens: throwing fails the sign-in, and the refresh, so their
 *   refresh token stops working. So does an address that is not, or no longer, in an allowed domain.
 */
export function createPreTokenGenerationHandler(deps: PreTokenGenerationDeps) {
  return async (event: PreTokenGenerationV2TriggerEvent): Promise<PreTokenGenerationV2TriggerEvent> => {
    const attributes = event.request.userAttributes;
    const sub = attributes.sub;
    if (!sub) throw new Error('The account has no subject.');
    const email = attributes.email ?? '';
    if (!isAllowedStaffEmail(email, deps.allowedEmailDomains)) {
      logger.warn('Tokens refused', { sub, triggerSource: event.triggerSource, reason: 'email-domain' });
      throw new AccountNotActiveError('This account’s email address is not in an allowed domain.');
    }

    let claims: Awaited<ReturnType<typeof staffTokenClaims>>;
    try {
      claims = await staffTokenClaims(deps.directory, sub);
    } catch (error) {
      if (error instanceof AccountNotActiveError) {
        logger.info('Tokens refused', { sub, triggerSource: event.triggerSource, reason: error.message });
      }
      throw error;
    }

    const idClaims: Record<string, string> = { ...claims };
    const accessClaims: Record<string, string> = { ...claims };
    if (attributes.email_verified === 'true') accessClaims.email = email;
    event.response = {
      claimsAndScopeOverrideDetails: {
        idTokenGeneration: { claimsToAddOrOverride: idClaims },
        accessTokenGeneration: { claimsToAddOrOverride: accessClaims },
      },
    };
    logger.info('Tokens issued', {
      sub,
      triggerSource: event.triggerSource,
      member: 'practice_id' in claims,
    });
    return event;
  };
}

const config = loadConfig(
  z.extend(BaseConfig, {
    TABLE_DIRECTORY: requiredName(),
    STAFF_EMAIL_DOMAINS: requiredName(),
    PRACTICE_DATA_ROLE_ARN: roleArnSetting(),
  }),
);
scopedClients();

/**
 * The membership pointer (`USER#<sub>`, which practice) with the trigger's own role, which may read nothing
 * else; the member's role and status with a session of its practice data role for that practice alone, which
 * may read only those attributes of that practice's items.
 */
const directory: TokenClaimsDirectory = {
  getMembership: (sub) =>
    new DynamoDirectoryStore(platformDocumentClient(), config.TABLE_DIRECTORY).getMembership(sub),
  getStaffStanding: (practiceId, sub) =>
    new DynamoDirectoryStore(practiceDocumentClient(practiceId), config.TABLE_DIRECTORY).getStaffStanding(
      practiceId,
      sub,
    ),
};

export const handler = middy(
  createPreTokenGenerationHandler({
    directory,
    allowedEmailDomains: parseDomainList(config.STAFF_EMAIL_DOMAINS),
  }),
).use(injectLambdaContext(logger, { resetKeys: true }));
