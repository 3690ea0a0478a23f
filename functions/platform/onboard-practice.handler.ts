import { KMSClient } from '@aws-sdk/client-kms';
import type { Context } from 'aws-lambda';
import { DynamoAuditLog } from '../../layers/audit/audit-log';
import { BaseConfig, requiredName } from '../../layers/config/base-config';
import { loadConfig } from '../../layers/config/load-config';
import { roleArnSetting } from '../../layers/config/role-arn';
import { PracticeScopedKeyMaterialStore } from '../../layers/crypto/function-crypto';
import { KmsPracticeKeys } from '../../layers/crypto/kms-practice-keys';
import { DynamoDirectoryStore } from '../../layers/directory/directory-store';
import {
  platformDocumentClient,
  practiceDocumentClient,
  scopedClients,
} from '../../layers/isolation/scoped-clients';
import { logger } from '../../layers/observability/powertools';
import * as z from '../../layers/validation/z';
import { parseDomainList } from '../identity/staff-email-policy';
import { OnboardingError, onboardPractice } from './onboarding';
import { OperatorName } from './operator-event';

const OperatorConfig = z.extend(BaseConfig, {
  TABLE_DIRECTORY: requiredName(),
  TABLE_AUDIT: requiredName(),
  STAFF_EMAIL_DOMAINS: requiredName(),
  PRACTICE_DATA_ROLE_ARN: roleArnSetting(),
});

const config = loadConfig(OperatorConfig);
scopedClients();
const kms = new KMSClient({ region: config.AWS_REGION, maxAttempts: 3 });
// Key administration (CreateKey, EnableKeyRotation, CreateAlias) with the function's own role; the key's
// record goes into the new practice's partition through a session scoped to that practice.
const keys = KmsPracticeKeys.forDataRole({
  stage: config.STAGE,
  region: config.AWS_REGION,
  dataRoleArn: config.PRACTICE_DATA_ROLE_ARN,
  adminClient: kms,
  kmsClientFor: () => kms,
  store: new PracticeScopedKeyMaterialStore(config.TABLE_DIRECTORY),
});

const OperatorEvent = z.object({
  operator: OperatorName,
});

/**
 * The platform operator's onboarding in AWS: not behind the API, invoked only by operators allowed
 * `lambda:InvokeFunction` on it (`aws lambda invoke --payload '{"operator":..,"name":..,"odsCode":..,"adminEmail":..}'`).
 * Its role may create practice keys and claim ODS codes; it writes the new practice's records and audit
 * events through a session of its practice data role tagged with that practice alone. Nothing else can create
 * keys.
 */
export async function handler(event: unknown, context: Context) {
  logger.addContext(context);
  const who = OperatorEvent.safeParse(event);
  if (!who.success) return { ok: false, error: `operator: ${who.error.issues[0]?.message}` };
  const { operator: _operator, ...request } = event as Record<string, unknown>;
  try {
    const result = await onboardPractice(
      {
        platform: new DynamoDirectoryStore(platformDocumentClient(), config.TABLE_DIRECTORY),
        practice: (practiceId) => ({
          directory: new DynamoDirectoryStore(practiceDocumentClient(practiceId), config.TABLE_DIRECTORY),
          audit: new DynamoAuditLog(practiceDocumentClient(practiceId), config.TABLE_AUDIT),
        }),
        keys,
        allowedEmailDomains: parseDomainList(config.STAFF_EMAIL_DOMAINS),
      },
      request,
      who.data.operator,
    );
    logger.info('practice onboarded', { practiceId: result.practiceId, keyId: result.keyId });
    return { ok: true, ...result };
  } catch (error) {
    if (error instanceof OnboardingError) return { ok: false, error: error.message };
    logger.error('onboarding failed', { errorName: (error as Error).name });
    throw error;
  }
}
