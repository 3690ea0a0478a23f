import type { ZodMiniObject } from 'zod/mini';
import type { CapabilityId } from '../capabilities';
import type { TableId } from '../storage/tables';

/**
 * What a function may do to one table. `read`: get and query; `append`: put items and nothing else (no read,
 * update or delete: an audit trail's writers); `readappend`: both (whole-item writes, conditional puts; no
 * UpdateItem or DeleteItem); `readwrite`: all of it. `platform`: the PLATFORM partition only; `practice`:
 * practice partitions.
 */
export type TableAccess = 'read' | 'append' | 'readappend' | 'readwrite';
export interface TableGrant {
  access: TableAccess;
  scope: 'platform' | 'practice' | 'any';
  /**
   * With scope `practice` or `any`: what it does to the table's account keys (`USER#<sub>` membership
   * pointers, the ODS-code lookup: neither the platform's nor a practice's). Default `read`, which is all the
   * staff gate needs; registration, which creates a membership, says more.
   */
  accountKeys?: TableAccess;
}
export type TableGrants = Partial<Record<TableId, TableGrant>>;

/**
 * An operator alarm on one of the app's metrics (namespace ClinicConnect, dimension service). Declared by the
 * area or capability that publishes the metric; the CDK api stack creates it on the operator alarm topic.
 */
export interface AlarmDefinition {
  metric: string;
  /** Alarm when the metric's sum over the period reaches this. */
  threshold: number;
  periodMinutes: number;
  description: string;
}

/** A function's own size and time limit; the same in Lambda and in the local stack. */
export interface FunctionLimits {
  memoryMb?: number;
  timeoutSeconds?: number;
  /**
   * Lambda concurrency reserved for (and capping) this function, in AWS. Without it, a function that uses a
   * capability which declares a reservation (an outside system's) gets the smallest of theirs; others share
   * the account's unreserved pool.
   */
  reservedConcurrency?: number;
}

/**
 * What every function declares, HTTP route or event-driven: everything the CDK stack and the local stack need
 * to give it its environment, its IAM permissions and its stand-ins, and nothing they must be told elsewhere.
 */
export interface FunctionDefinition {
  /** Names the function, its handler module (`functions/<area>/<id as kebab-case>.handler.ts`) and its metrics. */
  id: string;
  area: string;
  /** The outside systems it calls (see layers/capabilities.ts; each is `infra/capabilities/<id>.ts`). */
  uses?: readonly CapabilityId[];
  /** What it may do to each table; the CDK stack grants exactly this. */
  tables?: TableGrants;
  /**
   * The area's own settings, as the environment variables its handler reads (with defaults). A stage sets one
   * with the same name in camelCase as CDK context (`LOOKUP_TTL_SECONDS` ← `-c lookupTtlSeconds=1800`),
   * checked against this schema at synth; `npm start` reads the variables themselves.
   */
  settings?: ZodMiniObject;
  /** Alarms on metrics the area publishes. */
  alarms?: readonly AlarmDefinition[];
  lambda?: FunctionLimits;
}

/** A function that names no size or timeout: the same in Lambda and in the local stack. */
export const FUNCTION_DEFAULTS = { memoryMb: 256, timeoutSeconds: 10 } as const;

export function kebabCase(id: string): string {
  return id.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/**
 * The function's handler module, relative to the repository root; it exports `handler`. One module per
 * function, so each parses exactly its own configuration at cold start and its bundle carries only what it
 * calls.
 */
export function handlerModule(definition: Pick<FunctionDefinition, 'id' | 'area'>): string {
  return `functions/${definition.area}/${kebabCase(definition.id)}.handler.ts`;
}

/** `lookupTtlSeconds` for `LOOKUP_TTL_SECONDS`: the CDK context key of an area setting. */
export function settingContextKey(variable: string): string {
  return variable.toLowerCase().replace(/_([a-z0-9])/g, (_, next: string) => next.toUpperCase());
}

/** What each level allows, as parts: reading, putting, updating and deleting. */
const PARTS: Record<TableAccess, readonly ('read' | 'put' | 'change')[]> = {
  read: ['read'],
  append: ['put'],
  readappend: ['read', 'put'],
  readwrite: ['read', 'put', 'change'],
};

/** The smallest level that allows everything either allows. */
export function widerAccess(a: TableAccess | undefined, b: TableAccess): TableAccess {
  if (!a) return b;
  const wanted = new Set([...PARTS[a], ...PARTS[b]]);
  return (Object.keys(PARTS) as TableAccess[]).find((level) =>
    [...wanted].every((part) => PARTS[level].includes(part)),
  ) as TableAccess;
}

function widen(a: TableGrant | undefined, b: TableGrant): TableGrant {
  if (!a) return b;
  const accountKeys = a.accountKeys ?? b.accountKeys;
  return {
    access: widerAccess(a.access, b.access),
    scope: a.scope === b.scope ? a.scope : 'any',
    ...(accountKeys ? { accountKeys } : {}),
  };
}

/**
 * What a function may do to each table: what it declares, plus what the request pipeline does on its behalf.
 * Every `staff` route reads the caller's staff record in the directory (the staff gate), so it gets that read
 * even when its own code never touches the directory.
 */
export function effectiveTableGrants(definition: FunctionDefinition & { auth?: string }): TableGrants {
  const grants: TableGrants = {};
  for (const [id, grant] of Object.entries(definition.tables ?? {}) as [TableId, TableGrant | undefined][]) {
    if (grant) grants[id] = { ...grant };
  }
  if (definition.auth === 'staff') {
    grants.directory = widen(grants.directory, { access: 'read', scope: 'practice' });
  }
  return grants;
}

/** Does the function touch practice partitions (scope `practice` or `any`, including the staff gate)? */
export function touchesPracticeData(definition: FunctionDefinition & { auth?: string }): boolean {
  return Object.values(effectiveTableGrants(definition)).some((grant) => grant && grant.scope !== 'platform');
}
