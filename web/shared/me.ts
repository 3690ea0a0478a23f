import type { z } from 'zod';
import type { MeResponse } from '../../functions/account/routes';

/**
 * `GET /api/me`: who the signed-in member of staff is and which practice they work for. Inferred from the
 * API's own zod schema, so the two cannot drift; type-only, so no zod reaches the browser bundle.
 */
export type Me = z.infer<typeof MeResponse>;
export type StaffRole = Me['staff']['role'];

/** How a role reads in the interface. */
export const STAFF_ROLE_LABELS: Record<StaffRole, string> = {
  practice_admin: 'Practice administrator',
  clinical_lead: 'Clinical lead',
  clinician: 'Clinician',
  receptionist: 'Receptionist',
};
