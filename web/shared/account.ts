import type { output } from 'zod/v4/core';
import type {
  AcceptableUsePolicy as AcceptableUsePolicySchema,
  acceptAcceptableUsePolicyRoute,
  registerWithPracticeRoute,
} from '../../functions/account/routes';
import type { listStaffRoute, StaffSummary, updateStaffRoute } from '../../functions/staff/routes';

/** Types of the account and staff routes, inferred from their zod schemas (type-only: no zod in the bundle). */
export type AcceptableUsePolicy = output<typeof AcceptableUsePolicySchema>;
export type AcceptanceRequest = output<NonNullable<typeof acceptAcceptableUsePolicyRoute.request.body>>;
export type RegistrationRequest = output<NonNullable<typeof registerWithPracticeRoute.request.body>>;
export type RegistrationResponse = output<typeof registerWithPracticeRoute.response.schema>;

export type StaffMember = output<typeof StaffSummary>;
export type StaffStatus = StaffMember['status'];
export type StaffListResponse = output<typeof listStaffRoute.response.schema>;
export type StaffUpdate = output<NonNullable<typeof updateStaffRoute.request.body>>;
