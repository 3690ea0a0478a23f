import type { StaffRole } from './staff-roles';

/**
 * What each role may do: the one place it is decided. Handlers ask `can(role, action)`; routes declare the
 * action they need and the pipeline refuses everyone else before the handler runs.
 */
export const ACTIONS = [
  'patients.lookup',
  'patients.invite',
  'messages.review',
  'consultations.host',
  'staff.manage',
  'audit.read',
  'practice.settings',
] as const;
export type Action = (typeof ACTIONS)[number];

export const PERMISSIONS: Readonly<Record<StaffRole, readonly Action[]>> = {
  // Runs the practice's account: who works here, its settings and its audit trail. No patient contact.
  practice_admin: ['staff.manage', 'practice.settings', 'audit.read'],
  // A clinician who also answers for the practice's clinical safety: receives flagged messages (R7).
  clinical_lead: [
    'patients.lookup',
    'patients.invite',
    'messages.review',
    'consultations.host',
    'audit.read',
  ],
  clinician: ['patients.lookup', 'patients.invite', 'consultations.host'],
  // Finds the patient and sends the invitation; the consultation itself is for clinicians.
  receptionist: ['patients.lookup', 'patients.invite'],
  // The practice's Data Protection Officer or governance lead: reads the audit trail and its evidence, and
  // nothing else (no patient contact, no staff management).
  compliance_officer: ['audit.read'],
};

export function can(role: StaffRole, action: Action): boolean {
  return PERMISSIONS[role].includes(action);
}

export const ACTION_DESCRIPTIONS: Record<Action, string> = {
  'patients.lookup': 'look up patients',
  'patients.invite': 'invite patients',
  'messages.review': 'review messages held for the clinical lead',
  'consultations.host': 'hold video consultations',
  'staff.manage': 'approve and manage staff',
  'audit.read': 'read audit reports',
  'practice.settings': 'change practice settings',
};
