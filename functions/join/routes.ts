import type { TableGrants } from '../../layers/functions/definition';
import { defineRoute } from '../../layers/http/route';
import { JoinInfoSchema } from '../../layers/meetings/join-info';
import * as z from '../../layers/validation/z';

/**
 * The patient's join API: public (no sign-in; the link's token and then the join session are the
 * credentials), and every secret in a POST body, never in a URL (access logs, browser history, Referer).
 * Strict schemas: anything unexpected is a 400 that says what is wrong, and nothing changes.
 */

/** The link's token as the SMS carries it (base64url). */
const LinkToken = z.string().check(z.regex(/^[A-Za-z0-9_-]{16,64}$/, 'is not the token of a link'));
/** The join session the page gets for the right code (base64url of 32 bytes). */
const JoinSession = z.string().check(z.regex(/^[A-Za-z0-9_-]{43}$/, 'is not a join session'));
const Code = z
  .string()
  .check(
    z.maxLength(20, 'Enter the 6-digit code from your text message'),
    z.regex(/^\s*(\d\s*){6}$/, 'Enter the 6 digits of the code from your text message'),
  );
const Step = z.enum(['code-entry', 'device-check', 'waiting', 'admitted', 'in-call']);

const JOIN_TABLES: TableGrants = {
  // The token's pointer is in the PLATFORM partition; the invite and consultation in the practice's.
  records: { access: 'readwrite', scope: 'any' },
  directory: { access: 'readwrite', scope: 'practice' },
  audit: { access: 'append', scope: 'practice' },
};

const common = {
  area: 'join',
  auth: 'public' as const,
  tags: ['join'],
  tables: JOIN_TABLES,
  // The token's keyed hash (invite link key) and the practice's code key.
  uses: ['practice-keys' as const, 'invite-link-key' as const],
};

export const openJoinLinkRoute = defineRoute({
  ...common,
  id: 'openJoinLink',
  method: 'POST',
  path: '/api/join/open',
  summary: 'The join page opened its link: the practice’s name and what entering the code means',
  description:
    'Called by the page’s script only, never by loading /j/<token>: link-preview bots that fetch the URL ' +
    'record nothing. Records "link opened" once. An unknown, cancelled, expired or ended link gets one ' +
    'answer that does not say which. With the join session of this browser, says where to resume.',
  request: {
    body: z.strictObject({ token: LinkToken, session: z.optional(JoinSession) }),
    example: { body: { token: 'AAAAAAAAAAAAAAAAAAAAAA' } },
  },
  response: {
    status: 200,
    description: 'The practice and the consent wording',
    schema: z.strictObject({
      practiceName: z.string(),
      consentText: z.string(),
      wordingVersion: z.string(),
      /** Where this browser's join session is, if it sent one that is still good. */
      resume: z.nullable(z.enum(['device-check', 'waiting', 'call'])),
    }),
  },
  errors: [403, 404, 429],
});

export const enterJoinCodeRoute = defineRoute({
  ...common,
  id: 'enterJoinCode',
  method: 'POST',
  path: '/api/join/code',
  summary: 'The patient enters the 6-digit code: consent',
  description:
    'The right code records consent (once: the invite, the time, the wording version, a user-agent summary) ' +
    'and answers with a join session for this browser only. At most 5 wrong codes, then the link is locked ' +
    'and even the right code is refused; a per-client throttle on top. Every attempt is audited, never the code.',
  request: {
    body: z.strictObject({ token: LinkToken, code: Code, wordingVersion: z.string().check(z.maxLength(40)) }),
    example: {
      body: { token: 'AAAAAAAAAAAAAAAAAAAAAA', code: '123456', wordingVersion: 'video-consent-v1' },
    },
  },
  response: {
    status: 200,
    description: 'Consent recorded; the join session',
    schema: z.strictObject({ session: z.string(), hostName: z.string() }),
  },
  errors: [403, 404, 409, 429],
});

const SessionBody = { token: LinkToken, session: JoinSession };

export const DeviceCheckBody = z.strictObject({
  ...SessionBody,
  summary: z.strictObject({
    browserSupported: z.boolean(),
    camera: z.boolean(),
    microphone: z.boolean(),
    microphoneLevel: z.boolean(),
    network: z.enum(['good', 'unreachable', 'not-checked']),
  }),
  /** The Network Information API's `type`/`effectiveType` where the browser has one. */
  networkType: z.optional(z.string().check(z.regex(/^[a-z0-9-]{1,20}$/))),
});

export const reportDeviceCheckRoute = defineRoute({
  ...common,
  id: 'reportDeviceCheck',
  method: 'POST',
  path: '/api/join/device-check',
  summary: 'The result of the patient’s device check, for the clinician',
  description: 'Yes/no answers only: never device names.',
  request: {
    body: DeviceCheckBody,
    example: {
      body: {
        token: 'AAAAAAAAAAAAAAAAAAAAAA',
        session: 'A'.repeat(43),
        summary: {
          browserSupported: true,
          camera: true,
          microphone: true,
          microphoneLevel: true,
          network: 'good',
        },
      },
    },
  },
  response: { status: 200, description: 'Recorded', schema: z.strictObject({ recorded: z.literal(true) }) },
  errors: [403, 404],
});

const JoinStatus = z.strictObject({
  state: z.enum(['device-check', 'waiting', 'admitted', 'in-call', 'ended']),
  /** Who will let the patient in: "Dr Patel". */
  hostName: z.string(),
  /** The patient's own join info: once, the first time this is asked after they were let in. */
  joinInfo: z.nullable(JoinInfoSchema),
  /** How the consultation ended, in words, once it has. */
  endedText: z.nullable(z.string()),
  /** When to ask again. */
  pollAfterMs: z.number(),
});

export const enterWaitingRoomRoute = defineRoute({
  ...common,
  id: 'enterWaitingRoom',
  method: 'POST',
  path: '/api/join/wait',
  summary: 'The patient goes into the waiting room (after the device check)',
  request: {
    body: z.strictObject(SessionBody),
    example: { body: { token: 'AAAAAAAAAAAAAAAAAAAAAA', session: 'A'.repeat(43) } },
  },
  response: { status: 200, description: 'Waiting', schema: JoinStatus },
  errors: [403, 404],
});

export const getJoinStatusRoute = defineRoute({
  ...common,
  id: 'getJoinStatus',
  method: 'POST',
  path: '/api/join/status',
  summary: 'Where the patient is: waiting, let in (with their join info, once), ended',
  request: {
    body: z.strictObject(SessionBody),
    example: { body: { token: 'AAAAAAAAAAAAAAAAAAAAAA', session: 'A'.repeat(43) } },
  },
  response: { status: 200, description: 'The patient’s state', schema: JoinStatus },
  errors: [403, 404],
});

export const leaveConsultationRoute = defineRoute({
  ...common,
  id: 'leaveConsultation',
  method: 'POST',
  path: '/api/join/leave',
  summary: 'The patient leaves: dissent, with the time and the step',
  description:
    'The Leave button is dissent at once. A closed page (sendBeacon) is dissent unless the same join session ' +
    'comes back within a minute (a reload does; a closed tab does not). Before the code, it is noted for ' +
    'the clinician and the link still works.',
  request: {
    body: z.strictObject({
      token: LinkToken,
      session: z.optional(JoinSession),
      step: Step,
      how: z.enum(['button', 'page-closed']),
    }),
    example: { body: { token: 'AAAAAAAAAAAAAAAAAAAAAA', step: 'code-entry', how: 'page-closed' } },
  },
  response: { status: 200, description: 'Recorded', schema: z.strictObject({ recorded: z.boolean() }) },
  errors: [404],
});

export const stopTextsRoute = defineRoute({
  ...common,
  id: 'stopTexts',
  method: 'POST',
  path: '/api/join/stop-texts',
  summary: '"Stop texts from this practice": the patient’s opt-out (R8)',
  request: {
    body: z.strictObject({ token: LinkToken }),
    example: { body: { token: 'AAAAAAAAAAAAAAAAAAAAAA' } },
  },
  response: {
    status: 200,
    description: 'Opted out',
    schema: z.strictObject({ message: z.string() }),
  },
  errors: [404],
});

export const joinRoutes = [
  openJoinLinkRoute,
  enterJoinCodeRoute,
  reportDeviceCheckRoute,
  enterWaitingRoomRoute,
  getJoinStatusRoute,
  leaveConsultationRoute,
  stopTextsRoute,
];
