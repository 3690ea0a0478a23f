import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * One logger and one metrics object per container. Service name, log level and namespace come from the
 * POWERTOOLS_* environment variables set by the CDK stack (and by the local stack).
 *
 * Never pass patient data to the logger: names, NHS numbers, dates of birth, phone numbers, codes and tokens
 * stay out of logs. Log identifiers and outcomes only.
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'clinic-connect' });
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'ClinicConnect',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'clinic-connect',
  // Most requests record no metric (we count failures, not traffic: API Gateway already counts that), and
  // Powertools would warn about the empty set on every one of them.
  logger: logger.createChild({ logLevel: 'ERROR' }),
});
