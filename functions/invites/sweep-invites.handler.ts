import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { loadConfig } from '../../layers/config/load-config';
import { functionConfig } from '../../layers/functions/function-config';
import { logger, metrics } from '../../layers/observability/powertools';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { sweepInvitesFunction } from './event-functions';
import { sweepInvites } from './sweep';

const config = loadConfig([functionConfig(sweepInvitesFunction)]);
const access = practiceStoresFrom(config);
const deps = { access, pointers: access.invitePointers() };

/**
 * The tick's own time (EventBridge's `time`, the scheduled minute) is "now", or the clock when later: a retried
 * tick then does the work of the time it runs at.
 */
async function sweep(event: ScheduledEvent) {
  const tick = Date.parse(event?.time ?? '');
  const now = new Date(Number.isNaN(tick) ? Date.now() : Math.max(tick, Date.now()));
  const result = await sweepInvites(deps, now);
  logger.info('invites swept', result);
  return result;
}

export const handler = middy(sweep)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
