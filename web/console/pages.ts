import type { ComponentType } from 'react';
import type { StaffRole } from '../shared/me';
import { HomePage } from './pages/HomePage';
import type { RouteParams } from './router/router';

/**
 * Every console page. Add a page here and it is routed, titled and (with `nav`) linked from the header.
 * `roles` limits who sees the page and its link (staff roles from `/api/me`); the API checks again.
 */
export interface PageDefinition {
  /** `/patients/:patientId` style. */
  path: string;
  /** For `<title>`: "<title> – Clinic Connect". */
  title: string;
  component: ComponentType<{ params: RouteParams }>;
  nav?: { label: string };
  roles?: readonly StaffRole[];
}

export const PAGES: readonly PageDefinition[] = [
  { path: '/', title: 'Home', component: HomePage, nav: { label: 'Home' } },
];
