import type { CapabilityId } from '../capabilities';
import type { FunctionDefinition } from './definition';

/**
 * What invokes an event-driven function: the events of one capability (a queue's messages, a log group's
 * records, a meeting service's state changes, a schedule's ticks), with that capability's options. The same
 * capability module makes the AWS trigger and the local one, with the same event shapes and delivery rules.
 */
export interface EventTrigger {
  capability: CapabilityId;
  /** The capability's own options, e.g. `{ everyMinutes: 1 }` for `schedule`. */
  options?: Readonly<Record<string, string | number | boolean>>;
}

/**
 * A function that no HTTP request reaches: invoked by its trigger only. Like a route it declares what it
 * uses; its handler module is `functions/<area>/<id as kebab-case>.handler.ts`, exporting `handler`.
 */
export interface EventFunctionDefinition extends FunctionDefinition {
  summary: string;
  trigger: EventTrigger;
}

export function defineEventFunction<const D extends EventFunctionDefinition>(definition: D): D {
  return definition;
}
