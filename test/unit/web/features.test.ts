import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ACTIONS_WITHIN_PAGES,
  AVAILABLE_ACTIONS,
  availablePermissions,
  roleSummary,
} from '../../../web/console/features';
import { PAGES } from '../../../web/console/pages';
import type { Action } from '../../../web/shared/me';

describe('what the console says it does', () => {
  it('is exactly what its pages do: a permission is "available" when some page needs it, or a page has its button', () => {
    const pagePermissions = [...new Set(PAGES.flatMap((page) => (page.permission ? [page.permission] : [])))];
    expect([...AVAILABLE_ACTIONS].sort()).toEqual([...pagePermissions, ...ACTIONS_WITHIN_PAGES].sort());
    // The one action without a page of its own: admitting and joining, on the consultation's page.
    const consultationPage = readFileSync('web/console/pages/consultations/ConsultationPage.tsx', 'utf8');
    for (const action of ACTIONS_WITHIN_PAGES) expect(consultationPage).toContain(`'${action}'`);
  });

  it('lists of a role only what exists today, in the API’s order: practice settings have their page now', () => {
    expect(availablePermissions(['patients.lookup', 'practice.settings', 'consultations.host'])).toEqual([
      'patients.lookup',
      'practice.settings',
      'consultations.host',
    ]);
    // An action with no page yet is still left out.
    expect(availablePermissions(['audit.read', 'not.built' as Action])).toEqual(['audit.read']);
    expect(roleSummary('clinician')).toBe(
      'Can look up patients, invite patients and hold video consultations.',
    );
    expect(roleSummary('compliance_officer')).toBe('Can read audit reports.');
    expect(roleSummary('practice_admin')).toBe(
      'Can approve and manage staff, change practice settings and read audit reports.',
    );
  });
});
