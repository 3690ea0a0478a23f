/** The roles a member of staff can hold in their practice (what each may do: ./permissions.ts). */
export const STAFF_ROLES = [
  'practice_admin',
  'clinical_lead',
  'clinician',
  'receptionist',
  'compliance_officer',
] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];
