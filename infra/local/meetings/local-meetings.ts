import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  ADMITTED_CAPABILITIES,
  type AttendeeCapabilities,
  HOST_CAPABILITIES,
  type JoinInfo,
  type MeetingFeatures,
  type MeetingInfo,
  WAITING_CAPABILITIES,
} from '../../../layers/meetings/join-info';
import type { MeetingEvent } from '../../../layers/meetings/meeting-events';
import {
  assertOpaqueId,
  assertTagValue,
  type CreatedMeeting,
  type CreateMeetingInput,
  MeetingNotFoundError,
  type MeetingProvider,
  MeetingRequestError,
} from '../../../layers/meetings/meeting-provider';
import { type MediaRegion, parseMediaRegion } from '../../../layers/meetings/regions';
import { logger } from '../../../layers/observability/powertools';

/**
 * The local stand-in for Chime meetings (`npm start`, tests): the same port, the same rules (opaque ids, EU
 * media regions only, the patient waiting with every capability None, idempotent creation, removal and ending
 * that are fine to repeat), and the same domain events. Media goes peer to peer between the two browsers;
 * the WebSocket signalling server (infra/local/meetings/signalling-server.ts) shares this object's state: it
 * authenticates each socket by its join token and relays a peer's media only once both may send.
 *
 * This object raises AttendeeAdded, AttendeeDeleted and MeetingEnded (what Chime raises for API calls); the
 * signalling server raises MeetingStarted and AttendeeJoined / Left / Dropped / Authorized through `raise`,
 * so one listener sees everything, as the event handler does from EventBridge in AWS.
 */

export interface LocalAttendee {
  attendeeId: string;
  externalUserId: string;
  capabilities: AttendeeCapabilities;
}

export interface LocalMeeting {
  meetingId: string;
  externalMeetingId: string;
  mediaRegion: MediaRegion;
  attendees: Map<string, LocalAttendee>;
  ended: boolean;
}

/** What the signalling server must act on: an admitted patient, a removed attendee, an ended meeting. */
export type LocalMeetingChange =
  | { type: 'capabilities'; meetingId: string; attendeeId: string; capabilities: AttendeeCapabilities }
  | { type: 'attendee-removed'; meetingId: string; attendeeId: string }
  | { type: 'meeting-ended'; meetingId: string };

export interface LocalMeetingsOptions {
  /** The WebSocket URL browsers connect to, put in each JoinInfo's media placement. */
  signallingUrl: string;
  now?: () => number;
}

const FEATURES: MeetingFeatures = {
  videoMaxResolution: 'HD',
  contentMaxResolution: 'None',
  attendeeMaxCount: 2,
};

function tokenHash(joinToken: string): string {
  return createHash('sha256').update(joinToken).digest('base64url');
}

export class LocalMeetings implements MeetingProvider {
  private readonly meetings = new Map<string, LocalMeeting>();
  private readonly byRequestToken = new Map<string, { meetingId: string; created: CreatedMeeting }>();
  /** sha256 of each join token → its attendee; the tokens themselves are only ever in the JoinInfos. */
  private readonly tokens = new Map<string, { meetingId: string; attendeeId: string }>();
  private readonly eventListeners = new Set<(event: MeetingEvent) => void>();
  private readonly changeListeners = new Set<(change: LocalMeetingChange) => void>();
  readonly signallingUrl: string;
  private readonly now: () => number;

  constructor(options: LocalMeetingsOptions) {
    this.signallingUrl = options.signallingUrl;
    this.now = options.now ?? Date.now;
  }

  async createMeeting(input: CreateMeetingInput): Promise<CreatedMeeting> {
    const consultationId = assertOpaqueId('consultationId', input.consultationId);
    const clinicianId = assertOpaqueId('clinicianExternalId', input.clinicianExternalId);
    const patientId = assertOpaqueId('patientExternalId', input.patientExternalId);
    if (clinicianId === patientId)
      throw new MeetingRequestError('the two attendees need different external ids');
    const mediaRegion = parseMediaRegion(input.mediaRegion);
    assertTagValue('practice', input.tags.practice);
    assertTagValue('stage', input.tags.stage);
    const requestToken = assertOpaqueId('requestToken', input.requestToken ?? consultationId);

    const existing = this.byRequestToken.get(requestToken);
    if (existing) {
      if (this.meetings.get(existing.meetingId)?.ended === false) return existing.created;
      throw new MeetingRequestError('this request token already made a meeting that has ended; use another');
    }

    const meetingId = randomUUID();
    const meetingInfo: MeetingInfo = {
      meetingId,
      externalMeetingId: consultationId,
      mediaRegion,
      mediaPlacement: { signalingUrl: this.signallingUrl },
      meetingFeatures: FEATURES,
    };
    const meeting: LocalMeeting = {
      meetingId,
      externalMeetingId: consultationId,
      mediaRegion,
      attendees: new Map(),
      ended: false,
    };
    const addAttendee = (externalUserId: string, capabilities: AttendeeCapabilities): JoinInfo => {
      const attendeeId = randomUUID();
      const joinToken = randomBytes(32).toString('base64url');
      meeting.attendees.set(attendeeId, { attendeeId, externalUserId, capabilities: { ...capabilities } });
      this.tokens.set(tokenHash(joinToken), { meetingId, attendeeId });
      return {
        provider: 'local',
        meeting: meetingInfo,
        attendee: { attendeeId, externalUserId, joinToken, capabilities: { ...capabilities } },
      };
    };
    const created: CreatedMeeting = {
      meeting: meetingInfo,
      clinician: addAttendee(clinicianId, HOST_CAPABILITIES),
      patient: addAttendee(patientId, WAITING_CAPABILITIES),
    };
    this.meetings.set(meetingId, meeting);
    this.byRequestToken.set(requestToken, { meetingId, created });
    for (const attendee of meeting.attendees.values()) {
      this.raise({
        type: 'AttendeeAdded',
        eventId: randomUUID(),
        meetingId,
        externalMeetingId: consultationId,
        attendeeId: attendee.attendeeId,
        externalUserId: attendee.externalUserId,
        at: this.now(),
      });
    }
    return created;
  }

  async admit(meetingId: string, attendeeId: string): Promise<void> {
    const attendee = this.liveAttendee(meetingId, attendeeId);
    attendee.capabilities = { ...ADMITTED_CAPABILITIES };
    this.change({ type: 'capabilities', meetingId, attendeeId, capabilities: { ...attendee.capabilities } });
  }

  async removeAttendee(meetingId: string, attendeeId: string): Promise<void> {
    const meeting = this.meetings.get(meetingId);
    const attendee = meeting?.attendees.get(attendeeId);
    if (!meeting || meeting.ended || !attendee) return;
    meeting.attendees.delete(attendeeId);
    for (const [hash, owner] of this.tokens) if (owner.attendeeId === attendeeId) this.tokens.delete(hash);
    this.change({ type: 'attendee-removed', meetingId, attendeeId });
    this.raise({
      type: 'AttendeeDeleted',
      eventId: randomUUID(),
      meetingId,
      externalMeetingId: meeting.externalMeetingId,
      attendeeId,
      externalUserId: attendee.externalUserId,
      at: this.now(),
    });
  }

  async endMeeting(meetingId: string): Promise<void> {
    const meeting = this.meetings.get(meetingId);
    if (!meeting || meeting.ended) return;
    meeting.ended = true;
    for (const [hash, owner] of this.tokens) if (owner.meetingId === meetingId) this.tokens.delete(hash);
    this.change({ type: 'meeting-ended', meetingId });
    this.raise({
      type: 'MeetingEnded',
      eventId: randomUUID(),
      meetingId,
      externalMeetingId: meeting.externalMeetingId,
      at: this.now(),
    });
  }

  /** The attendee a join token belongs to, while its meeting runs and it has not been removed. */
  authenticate(joinToken: unknown): { meeting: LocalMeeting; attendee: LocalAttendee } | undefined {
    if (typeof joinToken !== 'string' || joinToken.length === 0 || joinToken.length > 256) return undefined;
    const owner = this.tokens.get(tokenHash(joinToken));
    const meeting = owner && this.meetings.get(owner.meetingId);
    const attendee = owner && meeting?.attendees.get(owner.attendeeId);
    if (!meeting || meeting.ended || !attendee) return undefined;
    return { meeting, attendee };
  }

  meeting(meetingId: string): LocalMeeting | undefined {
    return this.meetings.get(meetingId);
  }

  /** Every domain event, from this object and from the signalling server. Returns the unsubscribe. */
  onMeetingEvent(listener: (event: MeetingEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onChange(listener: (change: LocalMeetingChange) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** For the signalling server: events that Chime raises from the media side. */
  raise(event: MeetingEvent): void {
    for (const listener of this.eventListeners) {
      // A failing consumer must not break the meeting for the people in it (EventBridge would retry it).
      try {
        listener(event);
      } catch (error) {
        logger.error('Meeting event listener failed', { type: event.type, error: (error as Error).name });
      }
    }
  }

  timeNow(): number {
    return this.now();
  }

  private liveAttendee(meetingId: string, attendeeId: string): LocalAttendee {
    const meeting = this.meetings.get(meetingId);
    const attendee = meeting?.attendees.get(attendeeId);
    if (!meeting || meeting.ended || !attendee) {
      throw new MeetingNotFoundError('the meeting or attendee no longer exists');
    }
    return attendee;
  }

  private change(change: LocalMeetingChange): void {
    for (const listener of this.changeListeners) listener(change);
  }
}
