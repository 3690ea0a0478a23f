import type { output } from 'zod/v4/core';
import type { MeResponse } from '../../functions/account/routes';
import type { Action } from '../../layers/identity/permissions';

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
};

/** The roles in the order the interface lists them. */
export const STAFF_ROLES = Object.keys(STAFF_ROLE_LABELS) as StaffRole[];

/** What a permission lets a person do, to follow "You can …". */
export const ACTION_LABELS: Record<Action, string> = {
  'patients.lookup': 'look up patients',
  'patients.invite': 'invite patients',
  'consultations.host': 'hold video consultations',
  'staff.manage': 'approve and manage staff',
  'audit.read': 'read audit reports',
  'practice.settings': 'change practice settings',
};

/** Problem `type`s the console acts on (layers/http/errors.ts `PROBLEM_TYPES`). */
export const PROBLEM = {
  noPractice: 'urn:clinic-connect:problem:no-practice',
  pendingApproval: 'urn:clinic-connect:problem:pending-approval',
  rejected: 'urn:clinic-connect:problem:rejected',
  suspended: 'urn:clinic-connect:problem:suspended',
  aupRequired: 'urn:clinic-connect:problem:aup-required',
  permissionDenied: 'urn:clinic-connect:problem:permission-denied',
} as const;
