import {
  BadRequestException,
  ChimeSDKMeetingsClient,
  CreateMeetingWithAttendeesCommand,
  DeleteAttendeeCommand,
  DeleteMeetingCommand,
  LimitExceededException,
  NotFoundException,
  ServiceUnavailableException,
  ThrottlingException,
  UpdateAttendeeCapabilitiesCommand,
} from '@aws-sdk/client-chime-sdk-meetings';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CHIME_ACTIONS_USED,
  ChimeMeetings,
  chimeMeetingsClient,
} from '../../../layers/meetings/chime-meetings';
import {
  type CreateMeetingInput,
  MeetingNotFoundError,
  MeetingRequestError,
  MeetingServiceUnavailableError,
} from '../../../layers/meetings/meeting-provider';
import type { MediaRegion } from '../../../layers/meetings/regions';
import { logger } from '../../../layers/observability/powertools';

const chime = mockClient(ChimeSDKMeetingsClient);
const MEETING_ID = '11111111-2222-4333-8444-555555555555';
const CLINICIAN_ATTENDEE = 'aaaaaaaa-0000-4000-8000-000000000001';
const PATIENT_ATTENDEE = 'aaaaaaaa-0000-4000-8000-000000000002';

const input: CreateMeetingInput = {
  consultationId: 'cons_01JB8ZQ4W7',
  mediaRegion: 'eu-west-2',
  clinicianExternalId: 'stf_7Hq2Lx',
  patientExternalId: 'inv_Zp93Ka',
  tags: { practice: 'b82001', stage: 'prod' },
};

const meetingResponse = {
  Meeting: {
    MeetingId: MEETING_ID,
    ExternalMeetingId: input.consultationId,
    MediaRegion: 'eu-west-2',
    MediaPlacement: {
      AudioHostUrl: 'abc.k.m1.ew2.app.chime.aws:3478',
      AudioFallbackUrl: 'wss://haxrp.m1.ew2.app.chime.aws:443/calls/x',
      SignalingUrl: 'wss://signal.m1.ew2.app.chime.aws/control/x',
      TurnControlUrl: 'https://ccp.cp.ew2.app.chime.aws/v2/turn_sessions',
      EventIngestionUrl: 'https://data.svc.ew2.ingest.chime.aws/v1/client-events',
    },
  },
  Attendees: [
    { ExternalUserId: 'stf_7Hq2Lx', AttendeeId: CLINICIAN_ATTENDEE, JoinToken: 'clinician-join-token' },
    { ExternalUserId: 'inv_Zp93Ka', AttendeeId: PATIENT_ATTENDEE, JoinToken: 'patient-join-token' },
  ],
  Errors: [],
};

const noSleep = { sleep: async () => undefined, random: () => 0.5 };
const adapter = () => new ChimeMeetings({ client: new ChimeSDKMeetingsClient({}), retryDeps: noSleep });

/** Every command the mock saw, as IAM action names. */
function actionsSent(): string[] {
  return chime.calls().map((call) => {
    const command = call.args[0] as { constructor: { name: string } };
    return `chime:${command.constructor.name.replace(/Command$/, '')}`;
  });
}

const throttled = () => new ThrottlingException({ message: 'Rate exceeded', $metadata: {} });

let logged: string[];
beforeEach(() => {
  chime.reset();
  logged = [];
  for (const level of ['warn', 'error', 'info'] as const) {
    vi.spyOn(logger, level).mockImplementation(
      (...args: unknown[]) => void logged.push(JSON.stringify(args)),
    );
  }
});
afterEach(() => vi.restoreAllMocks());

describe('the Chime meetings adapter', () => {
  it('creates the meeting and both attendees in one call, with exactly these parameters', async () => {
    chime.on(CreateMeetingWithAttendeesCommand).resolves(meetingResponse);
    await adapter().createMeeting(input);

    expect(chime.commandCalls(CreateMeetingWithAttendeesCommand)).toHaveLength(1);
    expect(chime.commandCalls(CreateMeetingWithAttendeesCommand)[0]?.args[0].input).toEqual({
      ClientRequestToken: 'cons_01JB8ZQ4W7',
      ExternalMeetingId: 'cons_01JB8ZQ4W7',
      MediaRegion: 'eu-west-2',
      MeetingFeatures: {
        Video: { MaxResolution: 'HD' },
        Content: { MaxResolution: 'None' },
        Attendee: { MaxCount: 2 },
      },
      Attendees: [
        {
          ExternalUserId: 'stf_7Hq2Lx',
          Capabilities: { Audio: 'SendReceive', Video: 'SendReceive', Content: 'None' },
        },
        // The waiting room: nothing flows to or from the patient until they are admitted.
        { ExternalUserId: 'inv_Zp93Ka', Capabilities: { Audio: 'None', Video: 'None', Content: 'None' } },
      ],
      Tags: [
        { Key: 'practice', Value: 'b82001' },
        { Key: 'stage', Value: 'prod' },
      ],
    });
  });

  it('never asks for what could record or widen the meeting', async () => {
    chime.on(CreateMeetingWithAttendeesCommand).resolves(meetingResponse);
    await adapter().createMeeting(input);
    const request = chime.commandCalls(CreateMeetingWithAttendeesCommand)[0]?.args[0].input ?? {};
    // No event targets outside EventBridge, no media replication from or to another meeting, no host id.
    for (const key of ['NotificationsConfiguration', 'PrimaryMeetingId', 'MeetingHostId', 'TenantIds']) {
      expect(request).not.toHaveProperty(key);
    }
  });

  it('hands each attendee only its own join token', async () => {
    chime.on(CreateMeetingWithAttendeesCommand).resolves(meetingResponse);
    const created = await adapter().createMeeting(input);

    expect(created.meeting).toEqual({
      meetingId: MEETING_ID,
      externalMeetingId: 'cons_01JB8ZQ4W7',
      mediaRegion: 'eu-west-2',
      mediaPlacement: {
        signalingUrl: 'wss://signal.m1.ew2.app.chime.aws/control/x',
        audioHostUrl: 'abc.k.m1.ew2.app.chime.aws:3478',
        audioFallbackUrl: 'wss://haxrp.m1.ew2.app.chime.aws:443/calls/x',
        turnControlUrl: 'https://ccp.cp.ew2.app.chime.aws/v2/turn_sessions',
        eventIngestionUrl: 'https://data.svc.ew2.ingest.chime.aws/v1/client-events',
      },
      meetingFeatures: { videoMaxResolution: 'HD', contentMaxResolution: 'None', attendeeMaxCount: 2 },
    });
    expect(created.clinician).toEqual({
      provider: 'chime',
      meeting: created.meeting,
      attendee: {
        attendeeId: CLINICIAN_ATTENDEE,
        externalUserId: 'stf_7Hq2Lx',
        joinToken: 'clinician-join-token',
        capabilities: { audio: 'SendReceive', video: 'SendReceive', content: 'None' },
      },
    });
    expect(created.patient.attendee).toEqual({
      attendeeId: PATIENT_ATTENDEE,
      externalUserId: 'inv_Zp93Ka',
      joinToken: 'patient-join-token',
      capabilities: { audio: 'None', video: 'None', content: 'None' },
    });
    expect(JSON.stringify(created.patient)).not.toContain('clinician-join-token');
    expect(JSON.stringify(created.clinician)).not.toContain('patient-join-token');
  });

  it('uses the request token given for a second meeting of one consultation', async () => {
    chime.on(CreateMeetingWithAttendeesCommand).resolves(meetingResponse);
    await adapter().createMeeting({ ...input, requestToken: 'cons_01JB8ZQ4W7-2' });
    expect(chime.commandCalls(CreateMeetingWithAttendeesCommand)[0]?.args[0].input.ClientRequestToken).toBe(
      'cons_01JB8ZQ4W7-2',
    );
  });

  it.each([
    [
      'an NHS number as the patient id',
      { patientExternalId: '9000000009' },
      /patientExternalId must be an opaque id, not a number/,
    ],
    ['a phone number', { patientExternalId: '07700-900123' }, /not a number/],
    [
      'an email address',
      { clinicianExternalId: 'dr.patel@nhs.net' },
      /clinicianExternalId must be an opaque id/,
    ],
    ['a name with spaces', { patientExternalId: 'Jane Smith' }, /patientExternalId must be an opaque id/],
    ['the same id twice', { patientExternalId: 'stf_7Hq2Lx' }, /different external ids/],
    ['a non-EU media region', { mediaRegion: 'us-east-1' as MediaRegion }, /not an allowed media region/],
    ['a long tag', { tags: { practice: 'x'.repeat(129), stage: 'prod' } }, /tag practice/],
  ])('refuses %s before calling Chime', async (_name, change, message) => {
    await expect(adapter().createMeeting({ ...input, ...change })).rejects.toThrow(message);
    expect(chime.calls()).toHaveLength(0);
  });

  it('retries throttling and service errors with backoff and jitter, then succeeds', async () => {
    chime
      .on(CreateMeetingWithAttendeesCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(new LimitExceededException({ message: 'limit', $metadata: {} }))
      .rejectsOnce(new ServiceUnavailableException({ message: 'down', $metadata: {} }))
      .resolves(meetingResponse);
    const delays: number[] = [];
    const meetings = new ChimeMeetings({
      client: new ChimeSDKMeetingsClient({}),
      retryDeps: { sleep: async (ms) => void delays.push(ms), random: () => 0.999 },
    });
    const created = await meetings.createMeeting(input);
    expect(created.meeting.meetingId).toBe(MEETING_ID);
    expect(chime.commandCalls(CreateMeetingWithAttendeesCommand)).toHaveLength(4);
    // Full jitter below a doubling ceiling (100, 200, 400 ms); the same request token every time.
    expect(delays).toEqual([99, 199, 399]);
    const tokens = chime
      .commandCalls(CreateMeetingWithAttendeesCommand)
      .map((c) => c.args[0].input.ClientRequestToken);
    expect(new Set(tokens)).toEqual(new Set(['cons_01JB8ZQ4W7']));
    // Each retry is logged by command and error class; nothing of the meeting's credentials or ids.
    expect(logged).toHaveLength(3);
    expect(logged.join()).toContain('ThrottlingException');
    expect(logged.join()).not.toMatch(/join-token|inv_Zp93Ka|stf_7Hq2Lx/);
  });

  it('gives up after five attempts with MeetingServiceUnavailableError', async () => {
    chime.on(CreateMeetingWithAttendeesCommand).rejects(throttled());
    await expect(adapter().createMeeting(input)).rejects.toThrow(MeetingServiceUnavailableError);
    expect(chime.commandCalls(CreateMeetingWithAttendeesCommand)).toHaveLength(5);
  });

  it('does not retry a request Chime refuses', async () => {
    chime
      .on(CreateMeetingWithAttendeesCommand)
      .rejects(new BadRequestException({ message: 'no', $metadata: {} }));
    await expect(adapter().createMeeting(input)).rejects.toThrow(MeetingRequestError);
    expect(chime.commandCalls(CreateMeetingWithAttendeesCommand)).toHaveLength(1);
  });

  it('ends a meeting whose attendees Chime refused, rather than leave it running', async () => {
    chime.on(CreateMeetingWithAttendeesCommand).resolves({
      ...meetingResponse,
      Attendees: meetingResponse.Attendees.slice(0, 1),
      Errors: [{ ExternalUserId: 'inv_Zp93Ka', ErrorCode: 'Conflict', ErrorMessage: 'x' }],
    });
    chime.on(DeleteMeetingCommand).resolves({});
    await expect(adapter().createMeeting(input)).rejects.toThrow(/refused 1 attendee/);
    expect(chime.commandCalls(DeleteMeetingCommand)[0]?.args[0].input).toEqual({ MeetingId: MEETING_ID });
  });

  it('admits the patient: audio and video both ways, content still none', async () => {
    chime.on(UpdateAttendeeCapabilitiesCommand).rejectsOnce(throttled()).resolves({});
    await adapter().admit(MEETING_ID, PATIENT_ATTENDEE);
    const calls = chime.commandCalls(UpdateAttendeeCapabilitiesCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input).toEqual({
      MeetingId: MEETING_ID,
      AttendeeId: PATIENT_ATTENDEE,
      Capabilities: { Audio: 'SendReceive', Video: 'SendReceive', Content: 'None' },
    });
  });

  it('capabilities go None at creation, then SendReceive at admission, in that order', async () => {
    chime.on(CreateMeetingWithAttendeesCommand).resolves(meetingResponse);
    chime.on(UpdateAttendeeCapabilitiesCommand).resolves({});
    const meetings = adapter();
    const created = await meetings.createMeeting(input);
    await meetings.admit(created.meeting.meetingId, created.patient.attendee.attendeeId);
    const patientCapabilities = chime.calls().map((call) => {
      const request = (call.args[0] as unknown as { input: Record<string, unknown> }).input;
      const attendees = request.Attendees as { ExternalUserId: string; Capabilities: unknown }[] | undefined;
      return attendees
        ? attendees.find((a) => a.ExternalUserId === 'inv_Zp93Ka')?.Capabilities
        : request.Capabilities;
    });
    expect(patientCapabilities).toEqual([
      { Audio: 'None', Video: 'None', Content: 'None' },
      { Audio: 'SendReceive', Video: 'SendReceive', Content: 'None' },
    ]);
  });

  it('admitting into a meeting that has ended is MeetingNotFoundError', async () => {
    chime
      .on(UpdateAttendeeCapabilitiesCommand)
      .rejects(new NotFoundException({ message: 'gone', $metadata: {} }));
    await expect(adapter().admit(MEETING_ID, PATIENT_ATTENDEE)).rejects.toThrow(MeetingNotFoundError);
  });

  it('removes an attendee, and removing one already gone is fine', async () => {
    chime
      .on(DeleteAttendeeCommand)
      .resolvesOnce({})
      .rejects(new NotFoundException({ message: 'gone', $metadata: {} }));
    await adapter().removeAttendee(MEETING_ID, PATIENT_ATTENDEE);
    await adapter().removeAttendee(MEETING_ID, PATIENT_ATTENDEE);
    expect(chime.commandCalls(DeleteAttendeeCommand)[0]?.args[0].input).toEqual({
      MeetingId: MEETING_ID,
      AttendeeId: PATIENT_ATTENDEE,
    });
  });

  it('ends a meeting; one already ended (NotFound) is already done', async () => {
    chime
      .on(DeleteMeetingCommand)
      .rejectsOnce(throttled())
      .resolvesOnce({})
      .rejects(new NotFoundException({ message: 'gone', $metadata: {} }));
    await adapter().endMeeting(MEETING_ID);
    await expect(adapter().endMeeting(MEETING_ID)).resolves.toBeUndefined();
    expect(chime.commandCalls(DeleteMeetingCommand)).toHaveLength(3);
  });

  it('a whole consultation calls only the Chime APIs its IAM policy allows: nothing that records', async () => {
    chime.on(CreateMeetingWithAttendeesCommand).resolves(meetingResponse);
    chime.on(UpdateAttendeeCapabilitiesCommand).resolves({});
    chime.on(DeleteAttendeeCommand).resolves({});
    chime.on(DeleteMeetingCommand).resolves({});
    const meetings = adapter();
    const created = await meetings.createMeeting(input);
    await meetings.admit(MEETING_ID, created.patient.attendee.attendeeId);
    await meetings.removeAttendee(MEETING_ID, created.patient.attendee.attendeeId);
    await meetings.endMeeting(MEETING_ID);

    expect(actionsSent()).toEqual([
      'chime:CreateMeetingWithAttendees',
      'chime:UpdateAttendeeCapabilities',
      'chime:DeleteAttendee',
      'chime:DeleteMeeting',
    ]);
    for (const action of actionsSent()) expect(CHIME_ACTIONS_USED).toContain(action);
    expect(actionsSent().some((a) => /Pipeline|Transcription|CreateAttendee$|DialOut/.test(a))).toBe(false);
  });

  it('makes its client in an EU control region with the SDK retries off (ours are the only ones)', async () => {
    const client = chimeMeetingsClient('eu-central-1');
    expect(await client.config.region()).toBe('eu-central-1');
    expect(await client.config.maxAttempts()).toBe(1);
    expect(() => chimeMeetingsClient('us-east-1')).toThrow(/not an EU control region/);
  });
});
