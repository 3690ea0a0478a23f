import { PERMISSIONS } from '../../layers/universal/permissions';
import type { Action, StaffRole } from '../shared/me';
import { ACTION_LABELS } from '../shared/me';

/**
 * What Clinic Connect does today, so that no screen promises more: the actions that have a page, or a button
 * on one (a test holds this to the page list), and the one-line description the sign-in page and the footer
 * share. Every action the API knows has a page or a button today: practice settings (the practice's default
 * video region) have the Practice settings page, `/settings`.
 */
export const AVAILABLE_ACTIONS: readonly Action[] = [
  'patients.lookup',
  'patients.invite',
  'messages.review',
  'consultations.host',
  'staff.manage',
  'audit.read',
  'practice.settings',
];

/** Actions that are a button on another permission's page rather than a page of their own. */
export const ACTIONS_WITHIN_PAGES: readonly Action[] = ['consultations.host'];

export const PRODUCT_SUMMARY =
  'Clinic Connect: find a patient in the NHS Personal Demographics Service, invite them by text message and hold a video consultation.';

/** The permissions a role has today, in the order the API lists them. */
export function availablePermissions(permissions: readonly Action[]): Action[] {
  return permissions.filter((action) => AVAILABLE_ACTIONS.includes(action));
}

/** "Looks up patients." / "Approves and manages staff.": what a role can do today, for the role choices. */
export function roleSummary(role: StaffRole): string {
  const actions = availablePermissions(PERMISSIONS[role]);
  if (actions.length === 0) return 'Nothing in Clinic Connect yet.';
  const words = actions.map((action) => ACTION_LABELS[action]);
  const phrase = words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words.at(-1)}` : words.join('');
  return `Can ${phrase}.`;
}
