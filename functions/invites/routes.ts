import type { TableGrants } from '../../layers/functions/definition';
import { defineRoute, type RouteDefinition } from '../../layers/http/route';
import { MAX_CLINICIAN_TEXT_CHARS } from '../../layers/universal/invite-message';
import { INVITE_STATUSES, TIMELINE_VIEW_EVENTS } from '../../layers/universal/invite-status';
import * as z from '../../layers/validation/z';
import { InviteLinkSettings, InviteSettings } from './invite-settings';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/u;

const LookupId = z.string().check(z.regex(UUID, 'is not a lookup id: look the patient up first'));

export const InviteIdParams = z.strictObject({
  inviteId: z.string().check(z.regex(UUID, 'is not an invitation id')),
});

/** `Idempotency-Key` (IETF httpapi draft): a UUID the console makes once per send and repeats on a retry. */
export const IdempotencyHeaders = z.strictObject({
  'idempotency-key': z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? 'is required: send a new UUID with each invitation, and the same one when you retry it'
          : 'must be a UUID',
    })
    .check(z.toLowerCase(), z.regex(UUID, 'must be a UUID')),
});

export const CreateInviteRequest = z.strictObject({
  lookupId: LookupId,
  /** The clinician's own words, e.g. "Dr Patel will call at 2pm." Checked for length, abuse and PHI. */
  message: z.optional(
    z
      .string()
      .check(
        z.maxLength(MAX_CLINICIAN_TEXT_CHARS * 4, `must be ${MAX_CLINICIAN_TEXT_CHARS} characters or fewer`),
      ),
  ),
  /**
   * The sender has read the warnings about what looks like an NHS number, a date of birth or clinical detail
   * in the message, and sends it anyway.
   */
  confirmSensitiveContent: z.optional(z.boolean()),
});

const Iso = z.iso.datetime({ offset: true });

export const DeliveryView = z.strictObject({
  state: z.enum([
    'created',
    'queued',
    'sending',
    'sent',
    'delivered',
    'failed',
    'unknown',
    'cancelled',
    'expired',
  ]),
  at: Iso,
  /** For a failure: permanent, temporary or technical, and why (a code; `whatToDo` says it in words). */
  failure: z.nullable(
    z.strictObject({ kind: z.enum(['permanent', 'temporary', 'technical']), reason: z.string() }),
  ),
});

export const InviteSummary = z.strictObject({
  inviteId: z.string(),
  createdAt: Iso,
  createdBy: z.strictObject({ name: z.string() }),
  patient: z.strictObject({ name: z.string(), mobileEnding: z.string() }),
  /** One word for the list: the invitation's state, or where its text is. */
  status: z.enum(INVITE_STATUSES),
  /** The status as a sentence. */
  statusText: z.string(),
  /** For failures and expired invitations: what the clinician can do. */
  whatToDo: z.nullable(z.string()),
  delivery: DeliveryView,
  /** When the link stops working; null until the text is queued (a held message has none yet). */
  expiresAt: z.nullable(Iso),
  actions: z.strictObject({ cancel: z.boolean(), resend: z.boolean() }),
  resendOf: z.nullable(z.string()),
  replacedBy: z.nullable(z.string()),
});

export const InviteDetail = z.extend(InviteSummary, {
  /** The clinician's own text, as sent (never the link or the code). */
  message: z.nullable(z.string()),
  timeline: z.array(
    z.strictObject({
      event: z.enum(TIMELINE_VIEW_EVENTS),
      at: Iso,
      text: z.string(),
      by: z.nullable(z.string()),
    }),
  ),
  review: z.nullable(
    z.strictObject({
      reasons: z.array(z.string()),
      decision: z.nullable(z.enum(['released', 'rejected'])),
      decidedBy: z.nullable(z.string()),
      decidedAt: z.nullable(Iso),
    }),
  ),
});

export const HeldMessageView = z.strictObject({
  inviteId: z.string(),
  heldAt: Iso,
  createdBy: z.strictObject({ name: z.string(), role: z.nullable(z.string()) }),
  /** The clinician's text as they wrote it. */
  text: z.string(),
  /** Why the scanner flagged it, e.g. `swearing ("f*ck")` or `a threat (like "I will hurt you")`. */
  reasons: z.array(z.string()),
  /** The caller wrote it: another clinical lead must decide. */
  ownMessage: z.boolean(),
});

export const SmsStatus = z.strictObject({
  textable: z.boolean(),
  /** Why not, in words: "not a UK mobile", "this patient has asked not to receive texts from the practice". */
  reason: z.nullable(z.string()),
  optedOut: z.boolean(),
});

const practiceData = (records: 'read' | 'readwrite', recordsScope: 'practice' | 'any' = 'practice') =>
  ({
    // Read-write: the practice's data key is made (wrapped under its key) on first use.
    directory: { access: 'readwrite', scope: 'practice' },
    records: { access: records, scope: recordsScope },
    ...(records === 'readwrite' ? { audit: { access: 'append', scope: 'practice' } } : {}),
  }) satisfies TableGrants;

const INVITE_ALARMS = [
  {
    metric: 'InviteRateLimited',
    threshold: 20,
    periodMinutes: 60,
    description:
      'Invitations refused by their rate limits 20 or more times in an hour: a member or a script sending ' +
      'too many texts (see the practice audit trail), or limits set too low.',
  },
] as const;

/**
 * What the three routes that queue a text (create, re-send, release) use, as `sending-wiring.ts` builds them:
 * the practice keys, the send queue and the link key, the link settings, and time for the queue's answer.
 */
const QUEUES_A_TEXT = {
  uses: ['practice-keys', 'invite-queue', 'invite-link-key'],
  settings: InviteLinkSettings,
  lambda: { timeoutSeconds: 15 },
  tables: practiceData('readwrite', 'any'),
} satisfies Partial<RouteDefinition>;

export const createInviteRoute = defineRoute({
  id: 'createInvite',
  method: 'POST',
  path: '/api/invites',
  area: 'invites',
  auth: 'staff',
  permission: 'patients.invite',
  summary: 'Invite the patient of a lookup to a video consultation by SMS',
  description:
    'The mobile comes from the lookup, never from the caller. The text holds the practice name, a unique ' +
    'link and a 6-digit code, and the clinician’s optional message (at most 300 characters; the whole SMS at ' +
    'most 2 segments). A message the abuse scanner flags is held for the practice’s clinical lead instead of ' +
    'sent (`status: held`); one that looks like it holds an NHS number, a date of birth or clinical detail is ' +
    'refused (422, `confirm-sensitive-content`) until `confirmSensitiveContent` is true. A new invitation for ' +
    'the same lookup replaces the previous one. The `Idempotency-Key` header is required: the same key again ' +
    'answers with the same invitation and sends nothing. Limited per number per day, per member per hour and ' +
    'per practice per day.',
  tags: ['invites'],
  request: {
    headers: IdempotencyHeaders,
    body: CreateInviteRequest,
    example: {
      body: { lookupId: '0190b6a4-7c1e-7a3b-9c2d-4e5f60718293', message: 'Dr Patel will call at 2pm.' },
      headers: { 'idempotency-key': '5b1f0c7e-2d4a-4b8e-9f3c-1a2b3c4d5e6f' },
    },
  },
  response: { status: 201, description: 'The invitation (queued, or held for review)', schema: InviteDetail },
  errors: [404, 409, 422, 429, 503],
  ...QUEUES_A_TEXT,
  alarms: INVITE_ALARMS,
});

export const listInvitesRoute = defineRoute({
  id: 'listInvites',
  method: 'GET',
  path: '/api/invites',
  area: 'invites',
  auth: 'staff',
  permission: 'patients.invite',
  summary: 'The practice’s invitations of one day (today by default, UK time), newest first',
  tags: ['invites'],
  request: {
    query: z.strictObject({
      day: z.optional(
        z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/u, 'must be a date, written YYYY-MM-DD')),
      ),
    }),
  },
  response: {
    status: 200,
    description: 'The invitations',
    schema: z.strictObject({ day: z.string(), invites: z.array(InviteSummary) }),
  },
  uses: ['practice-keys'],
  settings: InviteSettings,
  tables: practiceData('read'),
});

export const getInviteRoute = defineRoute({
  id: 'getInvite',
  method: 'GET',
  path: '/api/invites/{inviteId}',
  area: 'invites',
  auth: 'staff',
  permission: 'patients.invite',
  summary: 'One invitation and its timeline',
  tags: ['invites'],
  request: { params: InviteIdParams },
  response: { status: 200, description: 'The invitation', schema: InviteDetail },
  errors: [404],
  uses: ['practice-keys'],
  settings: InviteSettings,
  tables: practiceData('read'),
});

export const cancelInviteRoute = defineRoute({
  id: 'cancelInvite',
  method: 'POST',
  path: '/api/invites/{inviteId}/cancel',
  area: 'invites',
  auth: 'staff',
  permission: 'patients.invite',
  summary: 'Cancel an invitation: its link and code stop working, and a text not yet sent is not sent',
  tags: ['invites'],
  request: { params: InviteIdParams },
  response: { status: 200, description: 'The invitation, cancelled', schema: InviteDetail },
  errors: [404, 409],
  uses: ['practice-keys'],
  settings: InviteSettings,
  tables: practiceData('readwrite', 'any'),
});

export const resendInviteRoute = defineRoute({
  id: 'resendInvite',
  method: 'POST',
  path: '/api/invites/{inviteId}/resend',
  area: 'invites',
  auth: 'staff',
  permission: 'patients.invite',
  summary: 'Send the invitation again with a new link and code; the old ones stop working',
  description:
    'A new invitation to the same number with the same message replaces this one. Needs an ' +
    '`Idempotency-Key`, like a new invitation, and counts against the same limits.',
  tags: ['invites'],
  request: {
    headers: IdempotencyHeaders,
    params: InviteIdParams,
    example: { headers: { 'idempotency-key': '6c2e1d8f-3e5b-4c9f-8a4d-2b3c4d5e6f70' } },
  },
  response: { status: 201, description: 'The new invitation', schema: InviteDetail },
  errors: [404, 409, 422, 429, 503],
  ...QUEUES_A_TEXT,
  alarms: INVITE_ALARMS,
});

export const listHeldMessagesRoute = defineRoute({
  id: 'listHeldMessages',
  method: 'GET',
  path: '/api/held-messages',
  area: 'invites',
  auth: 'staff',
  permission: 'messages.review',
  summary: 'Messages held for the clinical lead’s review, oldest first',
  tags: ['invites'],
  request: {},
  response: {
    status: 200,
    description: 'The review queue',
    schema: z.strictObject({ messages: z.array(HeldMessageView) }),
  },
  uses: ['practice-keys'],
  tables: practiceData('read'),
});

export const releaseHeldMessageRoute = defineRoute({
  id: 'releaseHeldMessage',
  method: 'POST',
  path: '/api/held-messages/{inviteId}/release',
  area: 'invites',
  auth: 'staff',
  permission: 'messages.review',
  summary: 'Release a held message: the invitation is sent now',
  description: 'Another clinical lead than the message’s author must decide (409 for one’s own).',
  tags: ['invites'],
  request: { params: InviteIdParams },
  response: { status: 200, description: 'The invitation, queued', schema: InviteDetail },
  errors: [404, 409, 422, 503],
  ...QUEUES_A_TEXT,
});

export const rejectHeldMessageRoute = defineRoute({
  id: 'rejectHeldMessage',
  method: 'POST',
  path: '/api/held-messages/{inviteId}/reject',
  area: 'invites',
  auth: 'staff',
  permission: 'messages.review',
  summary: 'Reject a held message: nothing is sent, and its author sees it was rejected',
  tags: ['invites'],
  request: { params: InviteIdParams },
  response: { status: 200, description: 'The invitation, rejected', schema: InviteDetail },
  errors: [404, 409],
  uses: ['practice-keys'],
  settings: InviteSettings,
  tables: practiceData('readwrite'),
});

const OptRequest = z.strictObject({ lookupId: LookupId });

export const recordSmsOptOutRoute = defineRoute({
  id: 'recordSmsOptOut',
  method: 'POST',
  path: '/api/sms-opt-outs',
  area: 'invites',
  auth: 'staff',
  permission: 'patients.invite',
  summary: 'Record that the patient of a lookup asked the practice not to text them',
  description:
    'Kept per practice by a blind index of the number, never the number in clear. Invitations to the number ' +
    'are refused from then on, and a text not yet sent is not sent. Recording it twice changes nothing.',
  tags: ['invites'],
  request: { body: OptRequest, example: { body: { lookupId: '0190b6a4-7c1e-7a3b-9c2d-4e5f60718293' } } },
  response: { status: 200, description: 'Whether the patient can now be texted', schema: SmsStatus },
  errors: [404, 422],
  uses: ['practice-keys'],
  settings: InviteSettings,
  tables: practiceData('readwrite'),
});

export const recordSmsOptInRoute = defineRoute({
  id: 'recordSmsOptIn',
  method: 'POST',
  path: '/api/sms-opt-ins',
  area: 'invites',
  auth: 'staff',
  permission: 'patients.invite',
  summary: 'Record that the patient of a lookup asked to be texted again',
  tags: ['invites'],
  request: { body: OptRequest, example: { body: { lookupId: '0190b6a4-7c1e-7a3b-9c2d-4e5f60718293' } } },
  response: { status: 200, description: 'Whether the patient can now be texted', schema: SmsStatus },
  errors: [404, 422],
  uses: ['practice-keys'],
  settings: InviteSettings,
  tables: practiceData('readwrite'),
});

export const inviteRoutes = [
  createInviteRoute,
  listInvitesRoute,
  getInviteRoute,
  cancelInviteRoute,
  resendInviteRoute,
  listHeldMessagesRoute,
  releaseHeldMessageRoute,
  rejectHeldMessageRoute,
  recordSmsOptOutRoute,
  recordSmsOptInRoute,
];
