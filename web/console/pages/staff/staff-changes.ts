import type { StaffMember, StaffStatus, StaffUpdate } from '../../../shared/account';
import { STAFF_ROLE_LABELS, type StaffRole } from '../../../shared/me';

/**
 * What an admin can do to a member from the staff table. `approve` and `change-role` open a role form;
 * `reset-authenticator` and the status changes that lock someone out ask "are you sure" first.
 */
export type StaffAction =
  | 'approve'
  | 'reject'
  | 'suspend'
  | 'reinstate'
  | 'change-role'
  | 'reset-authenticator';
/** The status changes made with one PATCH (approval goes through the role form). */
export type StatusChange = 'reject' | 'suspend' | 'reinstate';

export const ACTIONS_BY_STATUS: Record<StaffStatus, readonly StaffAction[]> = {
  pending: ['approve', 'reject'],
  active: ['change-role', 'reset-authenticator', 'suspend'],
  suspended: ['reinstate', 'reset-authenticator'],
  rejected: [],
};

export interface ConfirmText {
  heading: (name: string) => string;
  body: string;
  button: string;
}

export const STATUS_CHANGES: Record<
  StatusChange,
  { status: NonNullable<StaffUpdate['status']>; confirm?: ConfirmText; done: (name: string) => string }
> = {
  reject: {
    status: 'rejected',
    confirm: {
      heading: (name) => `Are you sure you want to reject ${name}?`,
      body: 'They will not be able to use Clinic Connect at your practice.',
      button: 'Yes, reject',
    },
    done: (name) => `${name} has been rejected.`,
  },
  suspend: {
    status: 'suspended',
    confirm: {
      heading: (name) => `Are you sure you want to suspend ${name}?`,
      body: 'They will be signed out, and will not be able to use Clinic Connect until you reinstate them.',
      button: 'Yes, suspend',
    },
    done: (name) => `${name} has been suspended.`,
  },
  reinstate: {
    status: 'active',
    done: (name) => `${name} has been reinstated. They can use Clinic Connect again.`,
  },
};

export const RESET_AUTHENTICATOR: ConfirmText & { done: (name: string) => string } = {
  heading: (name) => `Reset the authenticator app of ${name}?`,
  body:
    'Only do this when you are sure it is them who asked, for example because they lost their phone. Their ' +
    'authenticator app will stop working for Clinic Connect and they will be signed out. When they next sign ' +
    'in, after their password, they will set up a new one.',
  button: 'Yes, reset their authenticator',
  done: (name) =>
    `The authenticator of ${name} has been reset. They will set up a new one when they next sign in.`,
};

export const ACTION_LABELS: Record<StaffAction, string> = {
  approve: 'Approve',
  reject: 'Reject',
  suspend: 'Suspend',
  reinstate: 'Reinstate',
  'change-role': 'Change role',
  'reset-authenticator': 'Reset authenticator',
};

export function roleChangedMessage(name: string, role: StaffRole): string {
  return `${name}’s role is now ${STAFF_ROLE_LABELS[role].toLowerCase()}.`;
}

export function approvedMessage(name: string, role: StaffRole): string {
  return `${name} has been approved as a ${STAFF_ROLE_LABELS[role].toLowerCase()}. They can now use Clinic Connect.`;
}

/** The id of a row's action button, e.g. `staff-approve-<id>`. */
export function actionButtonId(action: StaffAction, member: Pick<StaffMember, 'id'>): string {
  return `staff-${action}-${member.id}`;
}

export const STATUS_LABELS: Record<StaffStatus, string> = {
  pending: 'Waiting for approval',
  active: 'Active',
  suspended: 'Suspended',
  rejected: 'Rejected',
};

/** How the table groups people: those waiting for approval first. */
export const STATUS_ORDER: readonly StaffStatus[] = ['pending', 'active', 'suspended', 'rejected'];
