import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { parseChimeMeetingEvent } from '../../layers/meetings/meeting-events';
import { logger, metrics } from '../../layers/observability/powertools';
import { applyInput, type ConsultationDeps, tick } from './consultations';

/**
 * One "Chime Meeting State Change" (EventBridge in AWS, the local meeting service on a laptop) applied to its
 * consultation: the meeting's pointer names the practice and the consultation; the state machine decides;
 * duplicates and stale events change nothing. Events of meetings this app did not make are ignored.
 */
export async function recordMeetingEvent(deps: ConsultationDeps, input: unknown): Promise<string> {
  const event = parseChimeMeetingEvent(input);
  // Added and Started change nothing the consultation keeps (and AttendeeAdded is raised while the meeting
  // is being made, before its pointer is written).
  if (!event || event.type === 'AttendeeAdded' || event.type === 'MeetingStarted') return 'ignored';
  const pointer = await deps.pointers.getMeeting(event.meetingId);
  if (!pointer) {
    metrics.addMetric('MeetingEventUnknownMeeting', MetricUnit.Count, 1);
    logger.info('meeting event for a meeting we do not know', { type: event.type });
    return 'unknown-meeting';
  }
  if (event.externalMeetingId && event.externalMeetingId !== pointer.consultationId) {
    logger.warn('meeting event names another consultation than its pointer', { type: event.type });
    return 'mismatch';
  }
  await applyInput(deps, pointer, { kind: 'meeting-event', event });
  logger.info('meeting event applied', { type: event.type });
  return 'applied';
}

/** Every minute: grace periods that ran out, closed pages that did not come back. Idempotent. */
export async function sweepGrace(deps: ConsultationDeps, now: Date): Promise<{ settled: number }> {
  const due = await deps.pointers.listGraceDue(now);
  let settled = 0;
  for (const item of due) {
    try {
      await tick(deps, item, now);
      await deps.pointers.deleteGraceDue(item);
      settled += 1;
    } catch (error) {
      // Left for the next tick; one bad consultation must not hold up the others.
      logger.error('grace check failed', { errorName: (error as Error).name });
    }
  }
  return { settled };
}
