import { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { BaseConfig, requiredName } from '../../layers/config/base-config';
import { loadConfig } from '../../layers/config/load-config';
import { roleArnSetting } from '../../layers/config/role-arn';
import { FieldCrypto } from '../../layers/crypto/field-crypto';
import { PracticeScopedKeyMaterialStore } from '../../layers/crypto/function-crypto';
import { KmsPracticeKeys } from '../../layers/crypto/kms-practice-keys';
import { exportObjectKey, s3ExportSink } from '../../layers/exports/s3-export-sink';
import { practiceKmsClient } from '../../layers/isolation/practice-kms';
import { platformDocumentClient, practiceDocumentClient } from '../../layers/isolation/scoped-clients';
import { logger } from '../../layers/observability/powertools';
import * as z from '../../layers/validation/z';
import { OffboardingError, offboardPractice } from './offboarding';
import { OperatorName } from './operator-event';

const OffboardingConfig = z.extend(BaseConfig, {
  TABLE_DIRECTORY: requiredName(),
  TABLE_RECORDS: requiredName(),
  TABLE_AUDIT: requiredName(),
  EXPORT_BUCKET: requiredName(),
  PRACTICE_DATA_ROLE_ARN: roleArnSetting(),
});

const config = loadConfig(OffboardingConfig);
const s3 = new S3Client({ region: config.AWS_REGION, maxAttempts: 3 });
// ScheduleKeyDeletion and DeleteAlias with this function's own role; using the key only through the practice
// data role (scoped to the practice being offboarded), like every reader of practice data.
const keys = KmsPracticeKeys.forDataRole({
  stage: config.STAGE,
  region: config.AWS_REGION,
  dataRoleArn: config.PRACTICE_DATA_ROLE_ARN,
  kmsClientFor: practiceKmsClient,
  store: new PracticeScopedKeyMaterialStore(config.TABLE_DIRECTORY),
});

const OffboardingEvent = z.object({
  operator: OperatorName,
  practiceId: z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{2,62}$/, 'must be a practice id')),
  confirmOdsCode: z.string().check(z.minLength(1, 'must repeat the practice’s ODS code')),
});

/**
 * The operator's offboarding in AWS: not on the API, invoked only by operators allowed to invoke it
 * (`aws lambda invoke --payload '{"operator":..,"practiceId":..,"confirmOdsCode":..}'`). The export goes to the
 * export bucket; the answer names the object, for the operator to hand over and then delete.
 */
export async function handler(event: unknown, context: Context) {
  logger.addContext(context);
  const parsed = OffboardingEvent.safeParse(event);
  if (!parsed.success) {
    const [first] = parsed.error.issues;
    return { ok: false, error: `${first?.path.join('.')}: ${first?.message}` };
  }
  const { operator, practiceId, confirmOdsCode } = parsed.data;
  const key = exportObjectKey(practiceId, new Date());
  try {
    const result = await offboardPractice(
      {
        practiceClient: practiceDocumentClient(practiceId),
        platformClient: platformDocumentClient(),
        tables: {
          directory: config.TABLE_DIRECTORY,
          records: config.TABLE_RECORDS,
          audit: config.TABLE_AUDIT,
        },
        keys,
        fields: new FieldCrypto(keys),
      },
      practiceId,
      { operator, confirmOdsCode, saveExport: s3ExportSink(s3, config.EXPORT_BUCKET, key) },
    );
    logger.info('practice offboarded', {
      practiceId,
      deletedItems: result.deletedItems,
      resumed: result.resumed,
    });
    return {
      ok: true,
      ...result,
      ...(result.resumed ? {} : { export: `s3://${config.EXPORT_BUCKET}/${key}` }),
    };
  } catch (error) {
    if (error instanceof OffboardingError) return { ok: false, error: error.message };
    logger.error('offboarding failed', { errorName: (error as Error).name });
    throw error;
  }
}
