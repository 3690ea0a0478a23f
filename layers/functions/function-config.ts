import type { $ZodType } from 'zod/v4/core';
import type { BaseConfig as BaseSettings } from '../config/base-config';
import { BaseConfig, requiredName } from '../config/base-config';
import { ConfigError } from '../config/load-config';
import { roleArnSetting } from '../config/role-arn';
import { type TableId, tableEnvName } from '../storage/tables';
import * as z from '../validation/z';
import { effectiveTableGrants, type FunctionDefinition, touchesPracticeData } from './definition';

/**
 * The settings every function has by its own declaration: the deployment (BaseConfig), the physical name of
 * each table it declares, and the practice data role when it touches practice data. The handler module parses
 * this, its area's settings and those of each outside system it uses, at module scope:
 *
 *   const config = loadConfig([functionConfig(createLookupRoute), LookupSettings, PdsConfig]);
 *
 * so a function deployed without one of them fails its cold start with a message naming it.
 */
export function functionConfig(
  definition: FunctionDefinition & { auth?: string },
): $ZodType<FunctionSettings> {
  const tables = Object.keys(effectiveTableGrants(definition)) as TableId[];
  const shape: Record<string, $ZodType> = { ...BaseConfig.shape };
  for (const table of tables) shape[tableEnvName(table)] = requiredName();
  if (touchesPracticeData(definition)) shape.PRACTICE_DATA_ROLE_ARN = z.optional(roleArnSetting());
  const schema = z.object(shape) as unknown as z.ZodMiniType<FunctionSettings>;
  if (!touchesPracticeData(definition)) return schema;
  return schema.check(
    z.refine(
      (config) =>
        Boolean(config.PRACTICE_DATA_ROLE_ARN) ||
        (config.STAGE === 'local' && Boolean(config.DYNAMODB_ENDPOINT)),
      {
        message:
          'is required in AWS: practice data is read only with credentials scoped to one practice ' +
          '(only the local stack, STAGE=local with DYNAMODB_ENDPOINT, runs without it)',
        path: ['PRACTICE_DATA_ROLE_ARN'],
      },
    ),
  );
}

export type FunctionSettings = BaseSettings & {
  TABLE_DIRECTORY?: string;
  TABLE_RECORDS?: string;
  TABLE_AUDIT?: string;
  PRACTICE_DATA_ROLE_ARN?: string;
};

/** The physical table names of a parsed function config, by logical id. */
export function tableNames(config: FunctionSettings): Partial<Record<TableId, string>> {
  const names: Partial<Record<TableId, string>> = {};
  for (const id of ['directory', 'records', 'audit'] as const) {
    const name = config[tableEnvName(id)];
    if (typeof name === 'string') names[id] = name;
  }
  return names;
}

/** One table's physical name; only for tables the function declares (its config has checked it is there). */
export function tableName(config: FunctionSettings, id: TableId): string {
  const name = tableNames(config)[id];
  if (!name) throw new ConfigError(`Invalid configuration. ${tableEnvName(id)}: is required`);
  return name;
}
