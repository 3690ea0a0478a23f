import { describe, expect, it } from 'vitest';
import { LocalMeetings } from '../../../infra/local/meetings/local-meetings';
import type { MeetingEvent } from '../../../layers/meetings/meeting-events';
import { MeetingNotFoundError, MeetingRequestError } from '../../../layers/meetings/meeting-provider';
import type { MediaRegion } from '../../../layers/meetings/regions';

const input = {
  consultationId: 'cons_1',
  mediaRegion: 'eu-west-2' as MediaRegion,
  clinicianExternalId: 'stf_1',
  patientExternalId: 'inv_1',
  tags: { practice: 'demo', stage: 'local' },
};

function provider() {
  const meetings = new LocalMeetings({
    signallingUrl: 'ws://127.0.0.1:3000/meetings/signalling',
    now: () => 1_000,
  });
  const events: MeetingEvent[] = [];
  meetings.onMeetingEvent((event) => events.push(event));
  return { meetings, events };
}

describe('the local meetings adapter', () => {
  it('creates a meeting like Chime: the patient waiting with every capability None, opaque tokens', async () => {
    const { meetings, events } = provider();
    const created = await meetings.createMeeting(input);
    expect(created.meeting).toMatchObject({
      externalMeetingId: 'cons_1',
      mediaRegion: 'eu-west-2',
      mediaPlacement: { signalingUrl: 'ws://127.0.0.1:3000/meetings/signalling' },
      meetingFeatures: { videoMaxResolution: 'HD', contentMaxResolution: 'None', attendeeMaxCount: 2 },
    });
    expect(created.patient).toMatchObject({
      provider: 'local',
      attendee: { externalUserId: 'inv_1', capabilities: { audio: 'None', video: 'None', content: 'None' } },
    });
    expect(created.clinician.attendee.capabilities).toEqual({
      audio: 'SendReceive',
      video: 'SendReceive',
      content: 'None',
    });
    expect(created.patient.attendee.joinToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.patient.attendee.joinToken).not.toBe(created.clinician.attendee.joinToken);
    expect(events.map((e) => e.type)).toEqual(['AttendeeAdded', 'AttendeeAdded']);
  });

  it('is idempotent per request token while the meeting runs, and refuses to reuse it after', async () => {
    const { meetings } = provider();
    const first = await meetings.createMeeting(input);
    expect(await meetings.createMeeting(input)).toBe(first);
    await meetings.endMeeting(first.meeting.meetingId);
    await expect(meetings.createMeeting(input)).rejects.toThrow(MeetingRequestError);
    const second = await meetings.createMeeting({ ...input, requestToken: 'cons_1-2' });
    expect(second.meeting.meetingId).not.toBe(first.meeting.meetingId);
  });

  it('refuses what Chime would be refused: non-EU regions, identifying ids', async () => {
    const { meetings } = provider();
    await expect(
      meetings.createMeeting({ ...input, mediaRegion: 'us-east-1' as MediaRegion }),
    ).rejects.toThrow(/not an allowed media region/);
    await expect(meetings.createMeeting({ ...input, patientExternalId: '9000000009' })).rejects.toThrow(
      /not a number/,
    );
  });

  it('admits by changing capabilities; a gone meeting is MeetingNotFoundError', async () => {
    const { meetings } = provider();
    const created = await meetings.createMeeting(input);
    const changes: unknown[] = [];
    meetings.onChange((change) => changes.push(change));
    await meetings.admit(created.meeting.meetingId, created.patient.attendee.attendeeId);
    expect(meetings.authenticate(created.patient.attendee.joinToken)?.attendee.capabilities).toEqual({
      audio: 'SendReceive',
      video: 'SendReceive',
      content: 'None',
    });
    expect(changes).toHaveLength(1);
    await expect(meetings.admit('no-such-meeting', 'x')).rejects.toThrow(MeetingNotFoundError);
  });

  it('removal and ending kill the tokens, and repeating them is fine', async () => {
    const { meetings, events } = provider();
    const created = await meetings.createMeeting(input);
    await meetings.removeAttendee(created.meeting.meetingId, created.patient.attendee.attendeeId);
    await meetings.removeAttendee(created.meeting.meetingId, created.patient.attendee.attendeeId);
    expect(meetings.authenticate(created.patient.attendee.joinToken)).toBeUndefined();
    expect(meetings.authenticate(created.clinician.attendee.joinToken)).toBeDefined();
    await meetings.endMeeting(created.meeting.meetingId);
    await meetings.endMeeting(created.meeting.meetingId);
    expect(meetings.authenticate(created.clinician.attendee.joinToken)).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual([
      'AttendeeAdded',
      'AttendeeAdded',
      'AttendeeDeleted',
      'MeetingEnded',
    ]);
    expect(meetings.authenticate(undefined)).toBeUndefined();
    expect(meetings.authenticate('x'.repeat(1_000))).toBeUndefined();
  });

  it('a failing event listener does not break the meeting', async () => {
    const { meetings, events } = provider();
    meetings.onMeetingEvent(() => {
      throw new Error('handler bug');
    });
    await expect(meetings.createMeeting(input)).resolves.toBeDefined();
    expect(events).toHaveLength(2);
  });
});
