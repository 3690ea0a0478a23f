import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { loadConfig } from '../../layers/config/load-config';
import { functionConfig } from '../../layers/functions/function-config';
import { MeetingsConfig, meetingsFromConfig } from '../../layers/meetings/meetings-config';
import { logger, metrics } from '../../layers/observability/powertools';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { ConsultationSettings } from './consultation-settings';
import { recordMeetingEvent } from './meeting-events';
import { meetingEventsFunction } from './routes';
import { consultationDeps } from './wiring';

const config = loadConfig([functionConfig(meetingEventsFunction), ConsultationSettings, MeetingsConfig]);
const access = practiceStoresFrom(config);
const deps = consultationDeps(config, access, { meetings: meetingsFromConfig(config) });

/** A malformed event throws: after EventBridge's and Lambda's retries it lands on the on-failure queue. */
export const handler = middy((event: unknown) => recordMeetingEvent(deps, event))
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
