import type { ComponentType } from 'react';
import type { Action } from '../shared/me';
import { AUDIT_REPORTS_PATH, AuditReportsPage } from './pages/audit/AuditReportsPage';
import { HomePage } from './pages/HomePage';
import { MyAccountPage } from './pages/MyAccountPage';
import { FIND_PATIENT_PATH, FindPatientPage } from './pages/patients/FindPatientPage';
import { StaffPage } from './pages/staff/StaffPage';
import type { RouteParams } from './router/router';

/**
 * Every console page. Add a page here and it is routed, titled and (with `nav`) linked from the header.
 * `permission` limits who sees the page and its link (the permissions `/api/me` lists); the API checks again.
 */
export interface PageDefinition {
  /** `/patients/:patientId` style. */
  path: string;
  /** For `<title>`: "<title> – Clinic Connect". */
  title: string;
  component: ComponentType<{ params: RouteParams }>;
  nav?: { label: string };
  permission?: Action;
}

export const PAGES: readonly PageDefinition[] = [
  { path: '/', title: 'Home', component: HomePage, nav: { label: 'Home' } },
  {
    path: FIND_PATIENT_PATH,
    title: 'Find a patient',
    component: FindPatientPage,
    nav: { label: 'Find a patient' },
    permission: 'patients.lookup',
  },
  {
    path: '/staff',
    title: 'Staff',
    component: StaffPage,
    nav: { label: 'Staff' },
    permission: 'staff.manage',
  },
  {
    path: AUDIT_REPORTS_PATH,
    title: 'Audit reports',
    component: AuditReportsPage,
    nav: { label: 'Audit reports' },
    permission: 'audit.read',
  },
  { path: '/account', title: 'My account', component: MyAccountPage, nav: { label: 'My account' } },
];

export function allowed(page: PageDefinition, permissions: readonly Action[]): boolean {
  return !page.permission || permissions.includes(page.permission);
}
