import { StaffRole } from '../../layers/directory/model';
import { defineRoute } from '../../layers/http/route';
import { ACCEPTABLE_USE_POLICY } from '../../layers/identity/acceptable-use';
import { ACTIONS } from '../../layers/universal/permissions';
import { nameText } from '../../layers/validation/text';
import * as z from '../../layers/validation/z';
import { StaffEmailSettings } from '../identity/staff-email-policy';

export const MeResponse = z.strictObject({
  staff: z.strictObject({ name: z.string(), email: z.string(), role: StaffRole }),
  practice: z.strictObject({ id: z.string(), name: z.string(), odsCode: z.string(), demo: z.boolean() }),
  /** What this member's role allows; the console shows only what they may use. */
  permissions: z.array(z.enum(ACTIONS)),
  acceptableUse: z.strictObject({
    currentVersion: z.string(),
    /** False until the member accepts the current version; every other staff route answers 403 till then. */
    accepted: z.boolean(),
  }),
});

export const getMeRoute = defineRoute({
  id: 'getMe',
  method: 'GET',
  path: '/api/me',
  area: 'account',
  auth: 'staff',
  requiresAcceptableUse: false,
  summary: 'The signed-in staff member and their practice',
  description:
    'A member who cannot use the console yet gets 403 with a problem `type` saying why: ' +
    '`urn:clinic-connect:problem:no-practice` (register with a practice first), `…:pending-approval`, ' +
    '`…:rejected` or `…:suspended`.',
  tags: ['account'],
  request: {},
  response: { status: 200, description: 'Who is signed in, for which practice', schema: MeResponse },
  tables: { directory: { access: 'read', scope: 'practice' } },
});

export const AcceptableUsePolicy = z.strictObject({
  version: z.string(),
  title: z.string(),
  points: z.array(z.string()),
});

export const getAcceptableUsePolicyRoute = defineRoute({
  id: 'getAcceptableUsePolicy',
  method: 'GET',
  path: '/api/acceptable-use-policy',
  area: 'account',
  auth: 'public',
  summary: 'The current acceptable-use policy for staff',
  tags: ['account'],
  request: {},
  response: { status: 200, description: 'The policy text and its version', schema: AcceptableUsePolicy },
});

export const acceptAcceptableUsePolicyRoute = defineRoute({
  id: 'acceptAcceptableUsePolicy',
  method: 'POST',
  path: '/api/acceptable-use-policy/acceptances',
  area: 'account',
  auth: 'staff',
  requiresAcceptableUse: false,
  summary: 'Accept the current acceptable-use policy',
  description: 'Records the acceptance with its version. A version that is no longer current gets 409.',
  tags: ['account'],
  request: {
    body: z.strictObject({
      version: z
        .string()
        .check(
          z.minLength(1, 'Say which version of the policy you accept'),
          z.maxLength(40, 'is not a version of the policy'),
        ),
    }),
    example: { body: { version: ACCEPTABLE_USE_POLICY.version } },
  },
  response: {
    status: 201,
    description: 'Accepted',
    schema: z.strictObject({ version: z.string(), acceptedAt: z.string() }),
  },
  errors: [409],
  tables: {
    directory: { access: 'readappend', scope: 'practice' },
    audit: { access: 'append', scope: 'practice' },
  },
});

export const registerWithPracticeRoute = defineRoute({
  id: 'registerWithPractice',
  method: 'POST',
  path: '/api/registrations',
  area: 'account',
  auth: 'account',
  summary: 'Ask to join a practice',
  description:
    'A signed-in account with no practice asks to join one, named by its ODS code. The account becomes a ' +
    'pending member until a practice admin approves it. An account belongs to one practice only (409).',
  tags: ['account'],
  request: {
    body: z.strictObject({
      odsCode: z
        .string()
        .check(
          z.trim(),
          z.toUpperCase(),
          z.regex(/^[A-Z0-9]{3,10}$/, 'Enter your practice’s ODS code, for example A81001'),
        ),
      name: nameText({ label: 'Full name', missing: 'Enter your full name' }),
    }),
    example: { body: { odsCode: 'A81001', name: 'Jo Bloggs' } },
  },
  response: {
    status: 201,
    description: 'Registered: waiting for approval, or active when invited',
    schema: z.strictObject({
      /** `active` when the practice invited this address (its first admin), else `pending` approval. */
      status: z.enum(['pending', 'active']),
      practice: z.strictObject({ name: z.string(), odsCode: z.string() }),
    }),
  },
  errors: [404, 409],
  settings: StaffEmailSettings,
  tables: {
    // The practice's: the new staff record, the invitation it uses up (deleted). The account's: its
    // membership pointer (read, then created), and finding the practice by its ODS code.
    directory: { access: 'readwrite', scope: 'practice', accountKeys: 'readappend' },
    audit: { access: 'append', scope: 'practice' },
  },
});

export const accountRoutes = [
  getMeRoute,
  getAcceptableUsePolicyRoute,
  acceptAcceptableUsePolicyRoute,
  registerWithPracticeRoute,
];
