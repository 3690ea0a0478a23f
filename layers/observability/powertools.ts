import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * One logger, metrics and tracer per container. Service name, log level and namespace come from the
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
// The tracer would otherwise copy every error's message and stack into X-Ray, and library messages can quote
// the data they choked on. Errors are logged by the pipeline, by class only; traces keep timings.
process.env.POWERTOOLS_TRACER_CAPTURE_ERROR = 'false';
// Outgoing HTTP requests are not traced: X-Ray would record their full URL, and PDS puts the NHS number in
// the path (`/Patient/{nhsNumber}`). AWS SDK calls are still traced through their clients.
export const tracer = new Tracer({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'clinic-connect',
  captureHTTPsRequests: false,
});
