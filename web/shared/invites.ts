import type { input, output } from 'zod/v4/core';
import type {
  createInviteRoute,
  HeldMessageView,
  InviteDetail as InviteDetailSchema,
  InviteSummary as InviteSummarySchema,
  listHeldMessagesRoute,
  listInvitesRoute,
  SmsStatus as SmsStatusSchema,
} from '../../functions/invites/routes';

/**
 * The invitation API's types, inferred from its zod schemas (type-only: no zod in the bundle). The console
 * names the routes: `POST /api/invites` (with an `Idempotency-Key`), `GET /api/invites`, `GET
 * /api/invites/{id}`, `POST /api/invites/{id}/cancel` and `/resend`, the review queue under
 * `/api/held-messages`, and `POST /api/sms-opt-outs` / `/api/sms-opt-ins`.
 */
export type CreateInviteRequest = input<NonNullable<typeof createInviteRoute.request.body>>;
export type InviteSummary = output<typeof InviteSummarySchema>;
export type InviteDetail = output<typeof InviteDetailSchema>;
export type InviteList = output<typeof listInvitesRoute.response.schema>;
export type HeldMessage = output<typeof HeldMessageView>;
export type HeldMessageList = output<typeof listHeldMessagesRoute.response.schema>;
export type SmsStatus = output<typeof SmsStatusSchema>;

export {
  INVITE_STATUS_COLOURS,
  INVITE_STATUS_LABELS,
  type InviteStatus,
  SETTLED_STATUSES,
} from '../../layers/universal/invite-status';
