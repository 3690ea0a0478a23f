import type { EventFunctionDefinition } from '../layers/functions/event-function';
import { auditEventFunctions } from './audit/event-functions';
import { consultationEventFunctions } from './consultations/routes';
import { inviteEventFunctions } from './invites/event-functions';

/**
 * Every event-driven function (queues, delivery records, meeting events, schedules). The CDK api stack and
 * the local stack both read this list, as they read the route table.
 */
export const EVENT_FUNCTIONS: readonly EventFunctionDefinition[] = [
  ...inviteEventFunctions,
  ...consultationEventFunctions,
  ...auditEventFunctions,
];
