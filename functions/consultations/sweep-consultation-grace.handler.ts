import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { loadConfig } from '../../layers/config/load-config';
import { functionConfig } from '../../layers/functions/function-config';
import { MeetingsConfig, meetingsFromConfig } from '../../layers/meetings/meetings-config';
import { logger, metrics } from '../../layers/observability/powertools';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { ConsultationSettings } from './consultation-settings';
import { sweepGrace } from './meeting-events';
import { graceSweepFunction } from './routes';
import { consultationDeps } from './wiring';

const config = loadConfig([functionConfig(graceSweepFunction), ConsultationSettings, MeetingsConfig]);
const access = practiceStoresFrom(config);
const deps = consultationDeps(config, access, { meetings: meetingsFromConfig(config) });

export const handler = middy(async (event: ScheduledEvent) => {
  const tickAt = Date.parse(event?.time ?? '');
  const now = new Date(Number.isNaN(tickAt) ? Date.now() : Math.max(tickAt, Date.now()));
  const result = await sweepGrace(deps, now);
  if (result.settled > 0) logger.info('consultation grace swept', result);
  return result;
})
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
