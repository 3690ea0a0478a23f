import * as z from '../validation/z';

/**
 * Meeting lifecycle events in our own terms. The Chime path (EventBridge "Chime Meeting State Change", parsed
 * by `parseChimeMeetingEvent`) and the local signalling server raise exactly these, so one handler and one
 * state machine (functions/consultations/consultation-state.ts) serve both.
 *
 * Delivery is best effort in both: an event may come twice, late, out of order or not at all. `eventId` lets
 * a consumer drop duplicates; `at` (milliseconds since the epoch, when the service saw it happen) orders them.
 */
export const ATTENDEE_EVENT_TYPES = [
  'AttendeeAdded',
  'AttendeeJoined',
  'AttendeeLeft',
  'AttendeeDropped',
  'AttendeeDeleted',
  // The same join token joined again from another device while still in (Chime hands the seat over).
  'AttendeeAuthorized',
] as const;
export const MEETING_EVENT_TYPES = ['MeetingStarted', 'MeetingEnded'] as const;

export type AttendeeEventType = (typeof ATTENDEE_EVENT_TYPES)[number];
export type MeetingLifecycleEventType = (typeof MEETING_EVENT_TYPES)[number];

interface EventBase {
  eventId: string;
  meetingId: string;
  /** Our consultation id (the meeting's ExternalMeetingId), when the source says. */
  externalMeetingId?: string;
  at: number;
}

export interface AttendeeEvent extends EventBase {
  type: AttendeeEventType;
  attendeeId: string;
  externalUserId?: string;
}

export interface MeetingLifecycleEvent extends EventBase {
  type: MeetingLifecycleEventType;
}

export type MeetingEvent = AttendeeEvent | MeetingLifecycleEvent;

export function isAttendeeEvent(event: MeetingEvent): event is AttendeeEvent {
  return (ATTENDEE_EVENT_TYPES as readonly string[]).includes(event.type);
}

export const CHIME_EVENT_SOURCE = 'aws.chime';
export const CHIME_MEETING_DETAIL_TYPE = 'Chime Meeting State Change';

/**
 * The EventBridge rule's pattern: only the meeting and attendee lifecycle events this app acts on (video and
 * content start/stop events are not wanted, and would only cost invocations).
 */
export const CHIME_MEETING_EVENT_PATTERN = {
  source: [CHIME_EVENT_SOURCE],
  'detail-type': [CHIME_MEETING_DETAIL_TYPE],
  detail: {
    eventType: [...MEETING_EVENT_TYPES, ...ATTENDEE_EVENT_TYPES].map((type) => `chime:${type}`),
  },
};

const ChimeDetail = z.object({
  eventType: z.string(),
  timestamp: z.number(),
  meetingId: z.string().check(z.minLength(1)),
  externalMeetingId: z.optional(z.string()),
  attendeeId: z.optional(z.string()),
  externalUserId: z.optional(z.string()),
});

const ChimeEnvelope = z.object({
  id: z.optional(z.string()),
  source: z.literal(CHIME_EVENT_SOURCE),
  'detail-type': z.literal(CHIME_MEETING_DETAIL_TYPE),
  detail: ChimeDetail,
});

export class MeetingEventError extends Error {
  override readonly name: string = 'MeetingEventError';
}

/**
 * One EventBridge event from `aws.chime` → our event, or `undefined` for event types we do not act on (video
 * and content start/stop, capability updates, transcription). A malformed event throws `MeetingEventError`
 * (naming what is wrong, never echoing values) so it lands in the dead-letter queue instead of being lost.
 */
export function parseChimeMeetingEvent(input: unknown): MeetingEvent | undefined {
  const parsed = ChimeEnvelope.safeParse(input);
  if (!parsed.success) {
    const where = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
    throw new MeetingEventError(`not a Chime meeting state change: ${where}`);
  }
  const { id, detail } = parsed.data;
  const type = detail.eventType.replace(/^chime:/, '');
  const base = {
    meetingId: detail.meetingId,
    at: detail.timestamp,
    ...(detail.externalMeetingId ? { externalMeetingId: detail.externalMeetingId } : {}),
  };
  if ((MEETING_EVENT_TYPES as readonly string[]).includes(type)) {
    return {
      ...base,
      type: type as MeetingLifecycleEventType,
      eventId: id ?? `${detail.eventType}:${detail.meetingId}:${detail.timestamp}`,
    };
  }
  if ((ATTENDEE_EVENT_TYPES as readonly string[]).includes(type)) {
    if (!detail.attendeeId) throw new MeetingEventError(`${detail.eventType} without detail.attendeeId`);
    return {
      ...base,
      type: type as AttendeeEventType,
      attendeeId: detail.attendeeId,
      ...(detail.externalUserId ? { externalUserId: detail.externalUserId } : {}),
      // EventBridge gives every event an id; the fallback keeps duplicates recognisable without one.
      eventId: id ?? `${detail.eventType}:${detail.attendeeId}:${detail.timestamp}`,
    };
  }
  return undefined;
}
