import { describe, expect, it } from 'vitest';
import { STAFF_ROLES } from '../../../layers/directory/model';
import { ACTIONS, type Action, can, PERMISSIONS } from '../../../layers/universal/permissions';

/** The matrix as the README states it; a change to either must be deliberate. */
const EXPECTED: Record<(typeof STAFF_ROLES)[number], Record<Action, boolean>> = {
  practice_admin: {
    'patients.lookup': false,
    'patients.invite': false,
    'messages.review': false,
    'consultations.host': false,
    'staff.manage': true,
    'audit.read': true,
    'practice.settings': true,
  },
  clinical_lead: {
    'patients.lookup': true,
    'patients.invite': true,
    'messages.review': true,
    'consultations.host': true,
    'staff.manage': false,
    'audit.read': true,
    'practice.settings': false,
  },
  clinician: {
    'patients.lookup': true,
    'patients.invite': true,
    'messages.review': false,
    'consultations.host': true,
    'staff.manage': false,
    'audit.read': false,
    'practice.settings': false,
  },
  receptionist: {
    'patients.lookup': true,
    'patients.invite': true,
    'messages.review': false,
    'consultations.host': false,
    'staff.manage': false,
    'audit.read': false,
    'practice.settings': false,
  },
  compliance_officer: {
    'patients.lookup': false,
    'patients.invite': false,
    'messages.review': false,
    'consultations.host': false,
    'staff.manage': false,
    'audit.read': true,
    'practice.settings': false,
  },
};

describe('the permission matrix', () => {
  it.each(STAFF_ROLES.flatMap((role) => ACTIONS.map((action) => [role, action] as const)))(
    '%s / %s',
    (role, action) => {
      expect(can(role, action)).toBe(EXPECTED[role][action]);
    },
  );

  it('names only known actions', () => {
    for (const actions of Object.values(PERMISSIONS)) {
      for (const action of actions) expect(ACTIONS).toContain(action);
    }
  });

  it('gives staff management to admins alone, so nobody else can approve or suspend', () => {
    expect(STAFF_ROLES.filter((role) => can(role, 'staff.manage'))).toEqual(['practice_admin']);
  });
});
