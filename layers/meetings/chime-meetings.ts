import {
  type Attendee,
  ChimeSDKMeetingsClient,
  CreateMeetingWithAttendeesCommand,
  type CreateMeetingWithAttendeesCommandInput,
  type CreateMeetingWithAttendeesCommandOutput,
  DeleteAttendeeCommand,
  DeleteMeetingCommand,
  type Meeting,
  UpdateAttendeeCapabilitiesCommand,
} from '@aws-sdk/client-chime-sdk-meetings';
import { logger } from '../observability/powertools';
import {
  ADMITTED_CAPABILITIES,
  type AttendeeCapabilities,
  HOST_CAPABILITIES,
  type JoinInfo,
  type MeetingFeatures,
  type MeetingInfo,
  WAITING_CAPABILITIES,
} from './join-info';
import {
  assertOpaqueId,
  assertTagValue,
  type CreatedMeeting,
  type CreateMeetingInput,
  MeetingNotFoundError,
  type MeetingProvider,
  MeetingRequestError,
  MeetingServiceUnavailableError,
} from './meeting-provider';
import { type ControlRegion, parseControlRegion, parseMediaRegion } from './regions';
import { DEFAULT_RETRY_POLICY, defaultRetryDeps, type RetryDeps, type RetryPolicy, withRetry } from './retry';

/**
 * Every Chime API this adapter calls, as IAM actions. infra/constructs/no-recording.ts allows exactly these and
 * nothing else, and the adapter's tests check that no other command is ever sent. (`chime:TagResource` is for
 * the tags set at creation; see no-recording.ts.)
 */
export const CHIME_ACTIONS_USED = [
  'chime:CreateMeetingWithAttendees',
  'chime:UpdateAttendeeCapabilities',
  'chime:DeleteAttendee',
  'chime:DeleteMeeting',
] as const;

/**
 * Two attendees, the clinician and the patient, and room for no one else: nobody can be added to listen in
 * (and the app's roles are denied CreateAttendee too). A rejoin with the same join token reuses its seat.
 */
export const MAX_ATTENDEES = 2;

export const MEETING_FEATURES: MeetingFeatures = {
  videoMaxResolution: 'HD',
  // Screen sharing is off for the whole meeting: a patient's screen could show anything.
  contentMaxResolution: 'None',
  attendeeMaxCount: MAX_ATTENDEES,
};

/**
 * The meetings client, in an EU control region. The SDK's own retries are off (`maxAttempts: 1`) so that the
 * adapter's backoff is the only one: two layers of retries would multiply under throttling.
 */
export function chimeMeetingsClient(controlRegion: ControlRegion | string): ChimeSDKMeetingsClient {
  return new ChimeSDKMeetingsClient({ region: parseControlRegion(controlRegion), maxAttempts: 1 });
}

const RETRYABLE = new Set([
  'ThrottlingException',
  'ServiceUnavailableException',
  'ServiceFailureException',
  'LimitExceededException',
]);

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'UnknownError';
}

function isRetryable(error: unknown): boolean {
  return RETRYABLE.has(errorName(error));
}

function toCapabilities(capabilities: AttendeeCapabilities) {
  return { Audio: capabilities.audio, Video: capabilities.video, Content: capabilities.content };
}

export interface ChimeMeetingsOptions {
  client: ChimeSDKMeetingsClient;
  retryPolicy?: RetryPolicy;
  retryDeps?: RetryDeps;
}

/**
 * The Amazon Chime SDK meetings adapter. One `CreateMeetingWithAttendees` call makes the meeting and both
 * attendees (one call against the 10-per-second quota, and no half-made meeting); the patient waits with every
 * capability None until `admit`. Throttling and service failures are retried with backoff and jitter; what is
 * left after that is a `MeetingServiceUnavailableError`.
 *
 * Logs name the command and the error class only: join tokens never reach a log.
 */
export class ChimeMeetings implements MeetingProvider {
  private readonly client: ChimeSDKMeetingsClient;
  private readonly retryPolicy: RetryPolicy;
  private readonly retryDeps: RetryDeps;

  constructor(options: ChimeMeetingsOptions) {
    this.client = options.client;
    this.retryPolicy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
    this.retryDeps = options.retryDeps ?? defaultRetryDeps;
  }

  /** The exact request: exported so the tests (and a reader) see every parameter in one place. */
  static createRequest(input: CreateMeetingInput): CreateMeetingWithAttendeesCommandInput {
    const consultationId = assertOpaqueId('consultationId', input.consultationId);
    const clinician = assertOpaqueId('clinicianExternalId', input.clinicianExternalId);
    const patient = assertOpaqueId('patientExternalId', input.patientExternalId);
    if (clinician === patient) throw new MeetingRequestError('the two attendees need different external ids');
    return {
      ClientRequestToken: assertOpaqueId('requestToken', input.requestToken ?? consultationId),
      ExternalMeetingId: consultationId,
      MediaRegion: parseMediaRegion(input.mediaRegion),
      MeetingFeatures: {
        Video: { MaxResolution: MEETING_FEATURES.videoMaxResolution },
        Content: { MaxResolution: MEETING_FEATURES.contentMaxResolution },
        Attendee: { MaxCount: MEETING_FEATURES.attendeeMaxCount },
      },
      Attendees: [
        { ExternalUserId: clinician, Capabilities: toCapabilities(HOST_CAPABILITIES) },
        { ExternalUserId: patient, Capabilities: toCapabilities(WAITING_CAPABILITIES) },
      ],
      Tags: [
        { Key: 'practice', Value: assertTagValue('practice', input.tags.practice) },
        { Key: 'stage', Value: assertTagValue('stage', input.tags.stage) },
      ],
    };
  }

  async createMeeting(input: CreateMeetingInput): Promise<CreatedMeeting> {
    const request = ChimeMeetings.createRequest(input);
    const response: CreateMeetingWithAttendeesCommandOutput = (await this.send(
      'CreateMeetingWithAttendees',
      () => this.client.send(new CreateMeetingWithAttendeesCommand(request)),
    )) ?? { $metadata: {} };
    if (response.Errors && response.Errors.length > 0) {
      // Partial success leaves a meeting that cannot be used: end it rather than leave it running.
      const meetingId = response.Meeting?.MeetingId;
      if (meetingId) await this.endMeeting(meetingId).catch(() => undefined);
      throw new MeetingRequestError(
        `Chime refused ${response.Errors.length} attendee(s): ${response.Errors.map((e) => e.ErrorCode).join(', ')}`,
      );
    }
    const meeting = toMeetingInfo(response.Meeting);
    const attendees = response.Attendees ?? [];
    const clinician = attendees.find((a) => a.ExternalUserId === input.clinicianExternalId);
    const patient = attendees.find((a) => a.ExternalUserId === input.patientExternalId);
    return {
      meeting,
      clinician: toJoinInfo(meeting, clinician, HOST_CAPABILITIES),
      patient: toJoinInfo(meeting, patient, WAITING_CAPABILITIES),
    };
  }

  async admit(meetingId: string, attendeeId: string): Promise<void> {
    await this.send('UpdateAttendeeCapabilities', () =>
      this.client.send(
        new UpdateAttendeeCapabilitiesCommand({
          MeetingId: meetingId,
          AttendeeId: attendeeId,
          Capabilities: toCapabilities(ADMITTED_CAPABILITIES),
        }),
      ),
    );
  }

  async removeAttendee(meetingId: string, attendeeId: string): Promise<void> {
    await this.send(
      'DeleteAttendee',
      () => this.client.send(new DeleteAttendeeCommand({ MeetingId: meetingId, AttendeeId: attendeeId })),
      { notFoundIsDone: true },
    );
  }

  async endMeeting(meetingId: string): Promise<void> {
    await this.send(
      'DeleteMeeting',
      () => this.client.send(new DeleteMeetingCommand({ MeetingId: meetingId })),
      {
        notFoundIsDone: true,
      },
    );
  }

  private async send<T>(
    command: string,
    call: () => Promise<T>,
    options: { notFoundIsDone?: boolean } = {},
  ): Promise<T | undefined> {
    try {
      return await withRetry(call, isRetryable, this.retryPolicy, this.retryDeps, (error, attempt, delayMs) =>
        logger.warn('Chime call retried', { command, error: errorName(error), attempt, delayMs }),
      );
    } catch (error) {
      const name = errorName(error);
      if (name === 'NotFoundException') {
        // Already ended (DeleteMeeting sends MeetingEnded itself) or expired 5 minutes after the last audio left.
        if (options.notFoundIsDone) return undefined;
        throw new MeetingNotFoundError(`${command}: the meeting or attendee no longer exists`);
      }
      logger.error('Chime call failed', { command, error: name });
      if (isRetryable(error)) {
        throw new MeetingServiceUnavailableError(
          `${command}: the meeting service is not answering (${name})`,
        );
      }
      throw new MeetingRequestError(`${command} was refused (${name})`);
    }
  }
}

function toMeetingInfo(meeting: Meeting | undefined): MeetingInfo {
  const placement = meeting?.MediaPlacement;
  if (!meeting?.MeetingId || !meeting.ExternalMeetingId || !placement?.SignalingUrl) {
    throw new MeetingRequestError('Chime answered without a meeting id or signalling URL');
  }
  const optional = (key: string, value: string | undefined) => (value ? { [key]: value } : {});
  return {
    meetingId: meeting.MeetingId,
    externalMeetingId: meeting.ExternalMeetingId,
    mediaRegion: parseMediaRegion(meeting.MediaRegion),
    mediaPlacement: {
      signalingUrl: placement.SignalingUrl,
      ...optional('audioHostUrl', placement.AudioHostUrl),
      ...optional('audioFallbackUrl', placement.AudioFallbackUrl),
      ...optional('turnControlUrl', placement.TurnControlUrl),
      ...optional('eventIngestionUrl', placement.EventIngestionUrl),
      ...optional('screenDataUrl', placement.ScreenDataUrl),
      ...optional('screenSharingUrl', placement.ScreenSharingUrl),
      ...optional('screenViewingUrl', placement.ScreenViewingUrl),
    },
    meetingFeatures: MEETING_FEATURES,
  };
}

function toJoinInfo(
  meeting: MeetingInfo,
  attendee: Attendee | undefined,
  capabilities: AttendeeCapabilities,
): JoinInfo {
  if (!attendee?.AttendeeId || !attendee.JoinToken || !attendee.ExternalUserId) {
    throw new MeetingRequestError('Chime answered without both attendees');
  }
  return {
    provider: 'chime',
    meeting,
    attendee: {
      attendeeId: attendee.AttendeeId,
      externalUserId: attendee.ExternalUserId,
      joinToken: attendee.JoinToken,
      capabilities,
    },
  };
}
