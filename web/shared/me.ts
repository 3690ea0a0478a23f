import type { output } from 'zod/v4/core';
import type { MeResponse } from '../../functions/account/routes';
import type { Action } from '../../layers/universal/permissions';

/**
 * `GET /api/me`: who the signed-in member of staff is and which practice they work for. Inferred from the
 * API's own zod schema, so the two cannot drift; type-only, so no zod reaches the browser bundle.
 */
export type Me = output<typeof MeResponse>;
export type StaffRole = Me['staff']['role'];
export type { Action };

/** How a role reads in the interface. */
export const STAFF_ROLE_LABELS: Record<StaffRole, string> = {
  practice_admin: 'Practice admin',
  clinical_lead: 'Clinical lead',
  clinician: 'Clinician',
  receptionist: 'Receptionist',
  compliance_officer: 'Compliance officer',
};

/** The roles in the order the interface lists them. */
export const STAFF_ROLES = Object.keys(STAFF_ROLE_LABELS) as StaffRole[];

/** What a permission lets a person do, to follow "You can …". */
/** How each action reads in a sentence ("you can …"): the API's own wording. */
export { ACTION_DESCRIPTIONS as ACTION_LABELS } from '../../layers/universal/permissions';
/** Problem `type`s the console acts on: the API's own constants (that module has no dependencies). */
export { PROBLEM_TYPES as PROBLEM } from '../../layers/universal/problem-types';
