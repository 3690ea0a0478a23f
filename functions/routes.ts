import type { RouteDefinition } from '../layers/http/route';
import { accountRoutes } from './account/routes';
import { auditRoutes } from './audit/routes';
import { consultationRoutes } from './consultations/routes';
import { docsRoutes } from './docs/routes';
import { healthRoutes } from './health/routes';
import { inviteRoutes } from './invites/routes';
import { joinRoutes } from './join/routes';
import { lookupRoutes } from './lookup/routes';
import { staffRoutes } from './staff/routes';

/**
 * Every route of the API. The local gateway, the CDK api stack and the OpenAPI document all read this list;
 * add an area's routes here and all three pick them up.
 */
export const ROUTES: readonly RouteDefinition[] = [
  ...healthRoutes,
  ...docsRoutes,
  ...accountRoutes,
  ...staffRoutes,
  ...lookupRoutes,
  ...inviteRoutes,
  ...consultationRoutes,
  ...joinRoutes,
  ...auditRoutes,
];
