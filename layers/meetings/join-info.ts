import * as z from '../validation/z';
import { MEDIA_REGIONS } from './regions';

/**
 * What one attendee's browser needs to join a meeting, and nothing more: it is handed only to its own
 * attendee (the join token is that attendee's credential). The same shape comes from the Chime adapter and
 * the local one; `provider` tells the browser which video session to start. Field names are ours (camelCase);
 * the Chime session maps them back to the SDK's `CreateMeeting`/`CreateAttendee` response shapes.
 */
export const CapabilitySchema = z.enum(['SendReceive', 'Send', 'Receive', 'None']);
export type Capability = z.infer<typeof CapabilitySchema>;

export const AttendeeCapabilitiesSchema = z.object({
  audio: CapabilitySchema,
  video: CapabilitySchema,
  content: CapabilitySchema,
});
export type AttendeeCapabilities = z.infer<typeof AttendeeCapabilitiesSchema>;

export const MediaPlacementSchema = z.object({
  signalingUrl: z.string(),
  audioHostUrl: z.optional(z.string()),
  audioFallbackUrl: z.optional(z.string()),
  turnControlUrl: z.optional(z.string()),
  eventIngestionUrl: z.optional(z.string()),
  screenDataUrl: z.optional(z.string()),
  screenSharingUrl: z.optional(z.string()),
  screenViewingUrl: z.optional(z.string()),
});
export type MediaPlacement = z.infer<typeof MediaPlacementSchema>;

export const MeetingFeaturesSchema = z.object({
  videoMaxResolution: z.enum(['None', 'HD', 'FHD']),
  contentMaxResolution: z.enum(['None', 'FHD', 'UHD']),
  attendeeMaxCount: z.number(),
});
export type MeetingFeatures = z.infer<typeof MeetingFeaturesSchema>;

export const MeetingInfoSchema = z.object({
  meetingId: z.string(),
  externalMeetingId: z.string(),
  mediaRegion: z.enum(MEDIA_REGIONS),
  mediaPlacement: MediaPlacementSchema,
  meetingFeatures: MeetingFeaturesSchema,
});
export type MeetingInfo = z.infer<typeof MeetingInfoSchema>;

export const AttendeeInfoSchema = z.object({
  attendeeId: z.string(),
  externalUserId: z.string(),
  joinToken: z.string(),
  capabilities: AttendeeCapabilitiesSchema,
});
export type AttendeeInfo = z.infer<typeof AttendeeInfoSchema>;

export const JoinInfoSchema = z.object({
  provider: z.enum(['chime', 'local']),
  meeting: MeetingInfoSchema,
  attendee: AttendeeInfoSchema,
});
export type JoinInfo = z.infer<typeof JoinInfoSchema>;

/** The clinician hosts with audio and video from the start; nobody shares a screen (content is off). */
export const HOST_CAPABILITIES: AttendeeCapabilities = {
  audio: 'SendReceive',
  video: 'SendReceive',
  content: 'None',
};
/** The patient waits with nothing flowing either way until admitted. */
export const WAITING_CAPABILITIES: AttendeeCapabilities = { audio: 'None', video: 'None', content: 'None' };
/** Admitted: audio and video both ways, still no content share. */
export const ADMITTED_CAPABILITIES: AttendeeCapabilities = HOST_CAPABILITIES;
