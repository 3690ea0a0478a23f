import type { StaffMember, StaffStatus, StaffUpdate } from '../../../shared/account';
import { STAFF_ROLE_LABELS, type StaffRole } from '../../../shared/me';

/** What an admin can do to a member from the staff table. `change-role` opens a form; the rest are one PATCH. */
export type StaffAction = 'approve' | 'reject' | 'suspend' | 'reinstate' | 'change-role';
export type StatusChange = Exclude<StaffAction, 'change-role'>;

export const ACTIONS_BY_STATUS: Record<StaffStatus, readonly StaffAction[]> = {
  pending: ['approve', 'reject'],
  active: ['change-role', 'suspend'],
  suspended: ['reinstate'],
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
  approve: {
    status: 'active',
    done: (name) => `${name} has been approved. They can now use Clinic Connect.`,
  },
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

export const ACTION_LABELS: Record<StaffAction, string> = {
  approve: 'Approve',
  reject: 'Reject',
  suspend: 'Suspend',
  reinstate: 'Reinstate',
  'change-role': 'Change role',
};

export function roleChangedMessage(name: string, role: StaffRole): string {
  return `${name}’s role is now ${STAFF_ROLE_LABELS[role].toLowerCase()}.`;
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
