import type { ComponentType } from 'react';
import type { Action } from '../shared/me';
import { AUDIT_REPORTS_PATH, AuditReportsPage } from './pages/audit/AuditReportsPage';
import { CONSULTATIONS_PATH, ConsultationPage } from './pages/consultations/ConsultationPage';
import { ConsultationsPage } from './pages/consultations/ConsultationsPage';
import { HomePage } from './pages/HomePage';
import { HELD_MESSAGES_PATH, HeldMessagesPage } from './pages/invites/HeldMessagesPage';
import { InvitationsPage } from './pages/invites/InvitationsPage';
import { INVITATIONS_PATH, InvitePage } from './pages/invites/InvitePage';
import { MyAccountPage } from './pages/MyAccountPage';
import { FIND_PATIENT_PATH, FindPatientPage } from './pages/patients/FindPatientPage';
import { PRACTICE_SETTINGS_PATH, PracticeSettingsPage } from './pages/settings/PracticeSettingsPage';
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
    path: INVITATIONS_PATH,
    title: 'Invitations',
    component: InvitationsPage,
    nav: { label: 'Invitations' },
    permission: 'patients.invite',
  },
  {
    path: `${INVITATIONS_PATH}/:inviteId`,
    title: 'Invitation',
    component: InvitePage,
    permission: 'patients.invite',
  },
  {
    path: HELD_MESSAGES_PATH,
    title: 'Messages held for review',
    component: HeldMessagesPage,
    nav: { label: 'Held messages' },
    permission: 'messages.review',
  },
  {
    path: CONSULTATIONS_PATH,
    title: 'Video consultations',
    component: ConsultationsPage,
    nav: { label: 'Consultations' },
    permission: 'patients.invite',
  },
  {
    path: `${CONSULTATIONS_PATH}/:consultationId`,
    title: 'Video consultation',
    component: ConsultationPage,
    permission: 'patients.invite',
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
  {
    path: PRACTICE_SETTINGS_PATH,
    title: 'Practice settings',
    component: PracticeSettingsPage,
    nav: { label: 'Practice settings' },
    permission: 'practice.settings',
  },
  { path: '/account', title: 'My account', component: MyAccountPage, nav: { label: 'My account' } },
];

export function allowed(page: PageDefinition, permissions: readonly Action[]): boolean {
  return !page.permission || permissions.includes(page.permission);
}
