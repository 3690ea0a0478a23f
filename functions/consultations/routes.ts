import { defineEventFunction } from '../../layers/functions/event-function';
import { defineRoute } from '../../layers/http/route';
import { JoinInfoSchema } from '../../layers/meetings/join-info';
import { MEDIA_REGIONS, parseMediaRegion } from '../../layers/meetings/regions';
import { CONSULTATION_STATUSES } from '../../layers/universal/consultation-status';
import * as z from '../../layers/validation/z';
import { ConsultationSettings } from './consultation-settings';

/** A media region, checked against the EU list with the list in the message: never replaced by a default. */
export const MediaRegionField = z.string().check(
  z.superRefine((value, context) => {
    try {
      parseMediaRegion(value);
    } catch (error) {
      context.issues.push({ code: 'custom', message: (error as Error).message, input: value });
    }
  }),
);

export const ConsultationIdParams = z.strictObject({
  consultationId: z.string().check(z.regex(/^[A-Za-z0-9-]{8,64}$/, 'is not a consultation id')),
});

const DeviceCheckView = z.strictObject({
  at: z.string(),
  summary: z.strictObject({
    browserSupported: z.boolean(),
    camera: z.boolean(),
    microphone: z.boolean(),
    microphoneLevel: z.boolean(),
    network: z.enum(['good', 'unreachable', 'not-checked']),
  }),
  /** "camera ✓, microphone ✓, network good" */
  text: z.string(),
});

export const ConsultationView = z.strictObject({
  consultationId: z.string(),
  /** For staff screens only; null when the invite can no longer be read. */
  patientName: z.nullable(z.string()),
  status: z.enum(CONSULTATION_STATUSES),
  statusText: z.string(),
  wrongCodes: z.number(),
  consentedAt: z.nullable(z.string()),
  deviceCheck: z.nullable(DeviceCheckView),
  waitingSince: z.nullable(z.string()),
  mediaRegion: z.enum(MEDIA_REGIONS),
  mediaRegionName: z.string(),
  /** Until the clinician lets the patient in: the meeting is made in the region chosen then. */
  regionChangeable: z.boolean(),
  patientPresence: z.enum(['not-joined', 'joined', 'reconnecting', 'left']),
  clinicianPresence: z.enum(['not-joined', 'joined', 'reconnecting', 'left']),
  call: z.strictObject({
    startedAt: z.nullable(z.string()),
    durationSeconds: z.nullable(z.number()),
  }),
  dissent: z.nullable(
    z.strictObject({ at: z.string(), step: z.string(), reason: z.string(), text: z.string() }),
  ),
  ended: z.nullable(z.strictObject({ at: z.string(), reason: z.string() })),
  host: z.nullable(z.string()),
  events: z.array(z.strictObject({ event: z.string(), at: z.string(), detail: z.nullable(z.string()) })),
  /** Usage metadata (R14): no IP address, no device names. */
  usage: z.nullable(
    z.strictObject({
      browser: z.string(),
      browserVersion: z.string(),
      os: z.string(),
      networkType: z.nullable(z.string()),
    }),
  ),
});
export type ConsultationView = z.infer<typeof ConsultationView>;

const WaitingPatient = z.strictObject({
  consultationId: z.string(),
  patientName: z.nullable(z.string()),
  waitingSince: z.string(),
  waitedSeconds: z.number(),
  waitedText: z.string(),
});

export const ConsultationList = z.strictObject({
  /** Patients in the waiting room, longest waiting first: the header badge. */
  waiting: z.array(WaitingPatient),
  /** Everything not yet ended, and what ended today. */
  consultations: z.array(
    z.strictObject({
      consultationId: z.string(),
      patientName: z.nullable(z.string()),
      status: z.enum(CONSULTATION_STATUSES),
      statusText: z.string(),
      updatedAt: z.string(),
    }),
  ),
});

const PRACTICE_RECORDS = { records: { access: 'read', scope: 'practice' } } as const;

export const listConsultationsRoute = defineRoute({
  id: 'listConsultations',
  method: 'GET',
  path: '/api/consultations',
  area: 'consultations',
  auth: 'staff',
  permission: 'patients.invite',
  summary: 'Today’s video consultations and who is in the waiting room',
  description:
    'The waiting room (longest waiting first, with how long each has waited) for the badge on every console ' +
    'page, and each consultation’s status. Receptionists see the status too; only hosts join.',
  tags: ['consultations'],
  request: {},
  response: { status: 200, description: 'Waiting patients and consultations', schema: ConsultationList },
  uses: ['practice-keys'],
  tables: {
    directory: { access: 'readwrite', scope: 'practice' },
    ...PRACTICE_RECORDS,
  },
});

export const getConsultationRoute = defineRoute({
  id: 'getConsultation',
  method: 'GET',
  path: '/api/consultations/{consultationId}',
  area: 'consultations',
  auth: 'staff',
  permission: 'patients.invite',
  summary: 'One consultation: the patient’s journey, the device check, the call',
  description: 'Never carries join credentials: only "admit" hands a host theirs.',
  tags: ['consultations'],
  request: { params: ConsultationIdParams },
  response: { status: 200, description: 'The consultation', schema: ConsultationView },
  errors: [404],
  uses: ['practice-keys'],
  tables: {
    directory: { access: 'readwrite', scope: 'practice' },
    ...PRACTICE_RECORDS,
  },
});

const HOST_TABLES = {
  directory: { access: 'readwrite', scope: 'practice' },
  // Practice partitions for the consultation; the PLATFORM partition for the meeting's pointer.
  records: { access: 'readwrite', scope: 'any' },
  audit: { access: 'append', scope: 'practice' },
} as const;

export const admitPatientRoute = defineRoute({
  id: 'admitPatient',
  method: 'POST',
  path: '/api/consultations/{consultationId}/admit',
  area: 'consultations',
  auth: 'staff',
  permission: 'consultations.host',
  summary: 'Let the waiting patient in, and join the video yourself',
  description:
    'Makes the meeting in the consultation’s media region (or finds the one already made), lets the ' +
    'patient in (UpdateAttendeeCapabilities) and answers with the caller’s own join info. Calling it again ' +
    '(after a reload) rejoins the same meeting. The patient’s join info goes only to the patient’s page.',
  tags: ['consultations'],
  request: {
    params: ConsultationIdParams,
    body: z.strictObject({ mediaRegion: z.optional(MediaRegionField) }),
    example: { body: {} },
  },
  response: {
    status: 200,
    description: 'The consultation and the host’s join info',
    schema: z.strictObject({ consultation: ConsultationView, joinInfo: JoinInfoSchema }),
  },
  errors: [404, 409, 503],
  uses: ['meetings', 'practice-keys'],
  settings: ConsultationSettings,
  tables: HOST_TABLES,
});

export const endConsultationRoute = defineRoute({
  id: 'endConsultation',
  method: 'POST',
  path: '/api/consultations/{consultationId}/end',
  area: 'consultations',
  auth: 'staff',
  permission: 'consultations.host',
  summary: 'End the consultation: both attendees out, the meeting ended, the link and code dead',
  tags: ['consultations'],
  request: { params: ConsultationIdParams, body: z.strictObject({}), example: { body: {} } },
  response: { status: 200, description: 'The consultation, ended', schema: ConsultationView },
  errors: [404],
  uses: ['meetings', 'practice-keys'],
  settings: ConsultationSettings,
  tables: HOST_TABLES,
});

export const chooseConsultationRegionRoute = defineRoute({
  id: 'chooseConsultationRegion',
  method: 'PUT',
  path: '/api/consultations/{consultationId}/region',
  area: 'consultations',
  auth: 'staff',
  permission: 'consultations.host',
  summary: 'Choose where this consultation’s video is relayed (an EU media region)',
  description:
    'Before the patient is let in. Anything outside the EU list is refused with the list, never replaced.',
  tags: ['consultations'],
  request: {
    params: ConsultationIdParams,
    body: z.strictObject({ mediaRegion: MediaRegionField }),
    example: { body: { mediaRegion: 'eu-west-1' } },
  },
  response: { status: 200, description: 'The consultation', schema: ConsultationView },
  errors: [404, 409],
  uses: ['practice-keys'],
  tables: {
    directory: { access: 'readwrite', scope: 'practice' },
    records: { access: 'readwrite', scope: 'practice' },
  },
});

export const VideoSettingsView = z.strictObject({
  defaultMediaRegion: z.enum(MEDIA_REGIONS),
  regions: z.array(z.strictObject({ id: z.enum(MEDIA_REGIONS), name: z.string(), optIn: z.boolean() })),
});

export const getVideoSettingsRoute = defineRoute({
  id: 'getVideoSettings',
  method: 'GET',
  path: '/api/practice/video-settings',
  area: 'consultations',
  auth: 'staff',
  summary: 'The practice’s default media region for video, and the regions allowed',
  tags: ['consultations'],
  request: {},
  response: { status: 200, description: 'The video settings', schema: VideoSettingsView },
  tables: { records: { access: 'read', scope: 'practice' } },
});

export const updateVideoSettingsRoute = defineRoute({
  id: 'updateVideoSettings',
  method: 'PUT',
  path: '/api/practice/video-settings',
  area: 'consultations',
  auth: 'staff',
  permission: 'practice.settings',
  summary: 'Set the practice’s default media region (an EU region)',
  tags: ['consultations'],
  request: {
    body: z.strictObject({ defaultMediaRegion: MediaRegionField }),
    example: { body: { defaultMediaRegion: 'eu-west-2' } },
  },
  response: { status: 200, description: 'The video settings', schema: VideoSettingsView },
  errors: [400],
  tables: {
    records: { access: 'readwrite', scope: 'practice' },
    audit: { access: 'append', scope: 'practice' },
  },
});

export const consultationRoutes = [
  listConsultationsRoute,
  getConsultationRoute,
  admitPatientRoute,
  endConsultationRoute,
  chooseConsultationRegionRoute,
  getVideoSettingsRoute,
  updateVideoSettingsRoute,
];

const EVENT_TABLES = {
  records: { access: 'readwrite', scope: 'any' },
  audit: { access: 'append', scope: 'practice' },
} as const;

export const meetingEventsFunction = defineEventFunction({
  id: 'recordMeetingEvent',
  area: 'consultations',
  summary: 'Meeting and attendee state changes to the consultation state (joined, left, dropped, ended)',
  trigger: { capability: 'meetings' },
  uses: ['meetings'],
  settings: ConsultationSettings,
  tables: EVENT_TABLES,
});

export const graceSweepFunction = defineEventFunction({
  id: 'sweepConsultationGrace',
  area: 'consultations',
  summary:
    'Ends consultations whose patient dropped and did not come back within the grace period, and settles closed pages',
  trigger: { capability: 'schedule', options: { everyMinutes: 1 } },
  uses: ['meetings'],
  settings: ConsultationSettings,
  tables: EVENT_TABLES,
});

export const consultationEventFunctions = [meetingEventsFunction, graceSweepFunction];
