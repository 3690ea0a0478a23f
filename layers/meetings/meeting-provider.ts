import type { JoinInfo, MeetingInfo } from './join-info';
import type { MediaRegion } from './regions';

/**
 * Port: the video meeting service. In AWS the Amazon Chime SDK (`ChimeMeetings`); locally `LocalMeetings`
 * with a WebSocket signalling server and WebRTC between the two browsers. Both create the patient attendee
 * with every capability None (a waiting room: nothing flows either way) and admit it by changing capabilities.
 *
 * Nothing identifying reaches the meeting service: the consultation and the attendees are named by opaque ids
 * only (no names, no NHS numbers, no phone numbers or emails), which `assertOpaqueId` enforces.
 */
export interface MeetingProvider {
  /** Idempotent per consultation (or `requestToken`): a retried call returns the same meeting. */
  createMeeting(input: CreateMeetingInput): Promise<CreatedMeeting>;
  /** Lets a waiting attendee in: audio and video both ways, content still none. */
  admit(meetingId: string, attendeeId: string): Promise<void>;
  /** Removes an attendee; its join token stops working. Removing one already gone is not an error. */
  removeAttendee(meetingId: string, attendeeId: string): Promise<void>;
  /** Ends the meeting for everyone. Ending one already ended (or expired) is not an error. */
  endMeeting(meetingId: string): Promise<void>;
}

export interface CreateMeetingInput {
  /** Our consultation's opaque id: the meeting's external id and, by default, its idempotency token. */
  consultationId: string;
  /** Already parsed with `parseMediaRegion`; adapters check again. */
  mediaRegion: MediaRegion;
  clinicianExternalId: string;
  patientExternalId: string;
  /** Cost allocation and clean-up; ids only. */
  tags: { practice: string; stage: string };
  /**
   * Overrides the idempotency token (default: the consultation id), for a second meeting of one consultation
   * after the first has ended.
   */
  requestToken?: string;
}

export interface CreatedMeeting {
  meeting: MeetingInfo;
  clinician: JoinInfo;
  patient: JoinInfo;
}

/** The meeting (or the attendee) no longer exists: ended, expired (5 minutes without audio) or removed. */
export class MeetingNotFoundError extends Error {
  override readonly name: string = 'MeetingNotFoundError';
}

/** The meeting service is throttling us or failing, after our retries: the API answers 503. */
export class MeetingServiceUnavailableError extends Error {
  override readonly name: string = 'MeetingServiceUnavailableError';
}

/** We asked for something the meeting service (or this port) refuses: a bug on our side. */
export class MeetingRequestError extends Error {
  override readonly name: string = 'MeetingRequestError';
}

/** Chime's own limits on ExternalMeetingId, ExternalUserId and ClientRequestToken, narrowed to URL-safe ids. */
const OPAQUE_ID = /^[A-Za-z0-9_-]{2,64}$/;

/**
 * Refuses anything but an opaque id, and anything made only of digits (an NHS number or a phone number typed
 * into the wrong field): the meeting service and its events must never carry who the patient is. Messages name
 * the field, never the value.
 */
export function assertOpaqueId(field: string, value: unknown): string {
  if (typeof value !== 'string' || !OPAQUE_ID.test(value)) {
    throw new MeetingRequestError(`${field} must be an opaque id: 2-64 letters, digits, '-' or '_'`);
  }
  if (/^[\d_-]+$/.test(value)) {
    throw new MeetingRequestError(`${field} must be an opaque id, not a number`);
  }
  return value;
}

/** Tag values: ids only (a practice id, a stage name). */
export function assertTagValue(field: string, value: unknown): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_.:-]{1,128}$/.test(value)) {
    throw new MeetingRequestError(`tag ${field} must be an id of at most 128 characters`);
  }
  return value;
}
