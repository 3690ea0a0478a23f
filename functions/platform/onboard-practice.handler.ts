import { KMSClient } from '@aws-sdk/client-kms';
import type { Context } from 'aws-lambda';
import { DynamoAuditLog } from '../../layers/audit/audit-log';
import { BaseConfig, requiredName } from '../../layers/config/base-config';
import { loadConfig } from '../../layers/config/load-config';
import { roleArnSetting } from '../../layers/config/role-arn';
import { DynamoKeyMaterialStore } from '../../layers/crypto/dynamo-key-material-store';
import { KmsPracticeKeys } from '../../layers/crypto/kms-practice-keys';
import { DynamoDirectoryStore } from '../../layers/directory/directory-store';
import { logger } from '../../layers/observability/powertools';
import { createDocumentClient } from '../../layers/storage/dynamo-client';
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
const client = createDocumentClient(config);
const kms = new KMSClient({ region: config.AWS_REGION, maxAttempts: 3 });
const keys = KmsPracticeKeys.forDataRole({
  stage: config.STAGE,
  region: config.AWS_REGION,
  dataRoleArn: config.PRACTICE_DATA_ROLE_ARN,
  adminClient: kms,
  kmsClientFor: () => kms,
  store: new DynamoKeyMaterialStore(client, config.TABLE_DIRECTORY),
});

const OperatorEvent = z.object({
  operator: OperatorName,
});

/**
 * The platform operator's onboarding in AWS: not behind the API, invoked only by operators allowed
 * `lambda:InvokeFunction` on it (`aws lambda invoke --payload '{"operator":..,"name":..,"odsCode":..,"adminEmail":..}'`).
 * Its role may create practice keys and write the directory and audit tables; nothing else can create keys.
 */
export async function handler(event: unknown, context: Context) {
  logger.addContext(context);
  const who = OperatorEvent.safeParse(event);
  if (!who.success) return { ok: false, error: `operator: ${who.error.issues[0]?.message}` };
  const { operator: _operator, ...request } = event as Record<string, unknown>;
  try {
    const result = await onboardPractice(
      {
        directory: new DynamoDirectoryStore(client, config.TABLE_DIRECTORY),
        audit: new DynamoAuditLog(client, config.TABLE_AUDIT),
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
