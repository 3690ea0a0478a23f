import { PERMISSIONS } from '../../layers/universal/permissions';
import type { Action, StaffRole } from '../shared/me';
import { ACTION_LABELS } from '../shared/me';

/**
 * What Clinic Connect does today, so that no screen promises more: the actions that have a page (a test holds
 * this to the page list), and the one-line description the sign-in page and the footer share. Inviting
 * patients by text message and video consultations join both as they are built.
 */
export const AVAILABLE_ACTIONS: readonly Action[] = ['patients.lookup', 'staff.manage'];

export const PRODUCT_SUMMARY = 'Clinic Connect: find a patient in the NHS Personal Demographics Service.';

/** The permissions a role has today, in the order the API lists them. */
export function availablePermissions(permissions: readonly Action[]): Action[] {
  return permissions.filter((action) => AVAILABLE_ACTIONS.includes(action));
}

/** "Looks up patients." / "Approves and manages staff.": what a role can do today, for the role choices. */
export function roleSummary(role: StaffRole): string {
  const actions = availablePermissions(PERMISSIONS[role]);
  if (actions.length === 0) return 'Nothing in Clinic Connect yet.';
  const phrase = actions.map((action) => ACTION_LABELS[action]).join(' and ');
  return `Can ${phrase}.`;
}
