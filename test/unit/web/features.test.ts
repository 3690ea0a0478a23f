import { describe, expect, it } from 'vitest';
import { AVAILABLE_ACTIONS, availablePermissions, roleSummary } from '../../../web/console/features';
import { PAGES } from '../../../web/console/pages';

describe('what the console says it does', () => {
  it('is exactly what its pages do: a permission is "available" when some page needs it', () => {
    const pagePermissions = [...new Set(PAGES.flatMap((page) => (page.permission ? [page.permission] : [])))];
    expect([...AVAILABLE_ACTIONS].sort()).toEqual(pagePermissions.sort());
  });

  it('lists of a role only what exists today: no invitations or video before they are built', () => {
    expect(availablePermissions(['patients.lookup', 'patients.invite', 'consultations.host'])).toEqual([
      'patients.lookup',
    ]);
    expect(roleSummary('clinician')).toBe('Can look up patients.');
    expect(roleSummary('practice_admin')).toBe('Can approve and manage staff.');
  });
});
