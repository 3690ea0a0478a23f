import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { loadConfig } from '../../layers/config/load-config';
import { functionConfig } from '../../layers/functions/function-config';
import { logger, metrics } from '../../layers/observability/powertools';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { recordDeliveryLogs } from './delivery';
import { recordSmsDeliveryFunction } from './event-functions';

const config = loadConfig([functionConfig(recordSmsDeliveryFunction)]);
const access = practiceStoresFrom(config);
const deps = { access, pointers: access.invitePointers() };

/** Throws to have CloudWatch Logs deliver the batch again (every step is idempotent). */
async function recordSmsDelivery(event: unknown) {
  const result = await recordDeliveryLogs(deps, event);
  logger.info('delivery receipts applied', result);
  return result;
}

export const handler = middy(recordSmsDelivery)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
