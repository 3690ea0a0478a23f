import { describe, expect, it } from 'vitest';
import {
  CHIME_MEETING_EVENT_PATTERN,
  MeetingEventError,
  parseChimeMeetingEvent,
} from '../../../layers/meetings/meeting-events';
import { chimeEvent, DOCUMENTED_EVENTS } from './support/chime-events';

const ID = '87654321-4321-4321-1234-111122223333';

describe('Chime meeting state change events', () => {
  it('has every documented example the state machine relies on', () => {
    for (const type of [
      'MeetingStarted',
      'MeetingEnded',
      'AttendeeAdded',
      'AttendeeDeleted',
      'AttendeeJoined',
      'AttendeeLeft',
      'AttendeeDropped',
    ]) {
      expect(DOCUMENTED_EVENTS.has(`chime:${type}`), type).toBe(true);
    }
  });

  const expected: [string, Record<string, unknown>][] = [
    [
      'chime:MeetingStarted',
      { type: 'MeetingStarted', meetingId: ID, externalMeetingId: ID, at: 12344566754 },
    ],
    ['chime:MeetingEnded', { type: 'MeetingEnded', meetingId: ID, externalMeetingId: ID, at: 12344566754 }],
    ...[
      'AttendeeAdded',
      'AttendeeDeleted',
      'AttendeeAuthorized',
      'AttendeeJoined',
      'AttendeeLeft',
      'AttendeeDropped',
    ].map((type): [string, Record<string, unknown>] => [
      `chime:${type}`,
      { type, meetingId: ID, externalMeetingId: ID, attendeeId: ID, externalUserId: ID, at: 12344566754 },
    ]),
  ];

  it.each(expected)('reads the documented %s', (heading, event) => {
    const documented = DOCUMENTED_EVENTS.get(heading);
    expect(parseChimeMeetingEvent(documented?.event)).toEqual({ ...event, eventId: expect.any(String) });
  });

  it('uses the EventBridge event id to recognise duplicates, when there is one', () => {
    const older = DOCUMENTED_EVENTS.get(
      'chime:AttendeeDropped (older revision of the page, with an event id)',
    );
    expect(parseChimeMeetingEvent(older?.event)).toMatchObject({
      type: 'AttendeeDropped',
      eventId: '12345678-1234-1234-1234-111122223333',
      attendeeId: ID,
    });
  });

  it('without an id, the same event twice gets the same key and a different one another', () => {
    const a = parseChimeMeetingEvent(chimeEvent('AttendeeJoined', { attendeeId: 'a1', timestamp: 1 }));
    const again = parseChimeMeetingEvent(chimeEvent('AttendeeJoined', { attendeeId: 'a1', timestamp: 1 }));
    const later = parseChimeMeetingEvent(chimeEvent('AttendeeJoined', { attendeeId: 'a1', timestamp: 2 }));
    const left = parseChimeMeetingEvent(chimeEvent('AttendeeLeft', { attendeeId: 'a1', timestamp: 1 }));
    expect(a?.eventId).toBe(again?.eventId);
    expect(new Set([a?.eventId, later?.eventId, left?.eventId]).size).toBe(3);
  });

  it('ignores event types the app does not act on', () => {
    expect(
      parseChimeMeetingEvent(DOCUMENTED_EVENTS.get('chime:AttendeeVideoStarted')?.event),
    ).toBeUndefined();
    expect(
      parseChimeMeetingEvent(chimeEvent('AttendeeJoined', { eventType: 'chime:AttendeeContentJoined' })),
    ).toBeUndefined();
  });

  it.each([
    ['another source', (e: Record<string, unknown>) => ({ ...e, source: 'aws.s3' }), /source/],
    [
      'another detail type',
      (e: Record<string, unknown>) => ({ ...e, 'detail-type': 'Object Created' }),
      /detail-type/,
    ],
    [
      'no meeting id',
      (e: Record<string, unknown>) => ({ ...e, detail: { ...(e.detail as object), meetingId: undefined } }),
      /detail.meetingId/,
    ],
    [
      'a timestamp that is not a number',
      (e: Record<string, unknown>) => ({ ...e, detail: { ...(e.detail as object), timestamp: 'soon' } }),
      /detail.timestamp/,
    ],
    [
      'an attendee event without attendee',
      (e: Record<string, unknown>) => ({ ...e, detail: { ...(e.detail as object), attendeeId: undefined } }),
      /without detail.attendeeId/,
    ],
  ])('refuses %s (to the dead-letter queue, not silently)', (_name, change, message) => {
    const event = change(chimeEvent('AttendeeJoined', { attendeeId: 'a1', timestamp: 1 }));
    expect(() => parseChimeMeetingEvent(event)).toThrow(MeetingEventError);
    expect(() => parseChimeMeetingEvent(event)).toThrow(message);
  });

  it('routes only the lifecycle events it reads', () => {
    expect(CHIME_MEETING_EVENT_PATTERN).toEqual({
      source: ['aws.chime'],
      'detail-type': ['Chime Meeting State Change'],
      detail: {
        eventType: [
          'chime:MeetingStarted',
          'chime:MeetingEnded',
          'chime:AttendeeAdded',
          'chime:AttendeeJoined',
          'chime:AttendeeLeft',
          'chime:AttendeeDropped',
          'chime:AttendeeDeleted',
          'chime:AttendeeAuthorized',
        ],
      },
    });
  });
});
