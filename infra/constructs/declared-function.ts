import { Token } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import * as z from 'zod/mini';
import {
  effectiveTableGrants,
  FUNCTION_DEFAULTS,
  type FunctionDefinition,
  handlerModule,
  settingContextKey,
} from '../../layers/functions/definition';
import type { RouteAuth } from '../../layers/http/route';
import { type TableId, tableEnvName } from '../../layers/storage/tables';
import type { AwsCapability, Binding } from '../capabilities/capability';
import { StageConfigError } from '../config';
import { acknowledge } from './acknowledge';
import { AppFunction, type StageFunctionSettings, stageSettingsOf } from './app-function';
import {
  assumePracticeDataRoleStatement,
  type PracticeTableAccess,
  platformTableAccessStatements,
  practicePartitionAccess,
  usesPracticeData,
} from './table-access';

export interface DeclaredFunctionProps extends StageFunctionSettings {
  definition: FunctionDefinition & { auth?: RouteAuth };
  /** The handler module, if not the definition's own (`handlerModule`). */
  entry?: string;
  description: string;
  tables: { readonly [K in TableId]: ITable };
  tableKey: IKey;
  /** The practice data role, the only way to practice data (assumed per practice with a session tag). */
  practiceDataRoleArn: string;
  /** The stage's instance of each capability the function uses, in its `uses` order. */
  capabilities: readonly AwsCapability[];
  /** A stage setting by its CDK context key (`lookupTtlSeconds`), or undefined when the stage sets none. */
  readSetting: (contextKey: string) => unknown;
  invocation: { deadLetterQueue: string; concurrency: string };
}

/**
 * The value of each of the function's area settings, checked at synth against the schema its handler parses
 * at cold start: the stage's context value, else the default. Always set, so the deployed function shows the
 * settings it runs with.
 */
export function settingsEnvironment(
  definition: FunctionDefinition,
  readSetting: (contextKey: string) => unknown,
): Record<string, string> {
  const environment: Record<string, string> = {};
  const problems: string[] = [];
  for (const [variable, schema] of Object.entries(definition.settings?.shape ?? {})) {
    const contextKey = settingContextKey(variable);
    const given = readSetting(contextKey);
    // Made by another stack at deploy time (CloudFront's domain): checked at cold start, not at synth.
    if (typeof given === 'string' && Token.isUnresolved(given)) {
      environment[variable] = given;
      continue;
    }
    const raw =
      given === undefined || given === ''
        ? undefined
        : Array.isArray(given)
          ? given.join(',')
          : String(given);
    const parsed = z.safeParse(schema, raw);
    if (!parsed.success) {
      problems.push(`${contextKey}: ${parsed.error.issues[0]?.message ?? 'is not valid'}`);
      continue;
    }
    environment[variable] = raw ?? String(parsed.data);
  }
  if (problems.length > 0) {
    throw new StageConfigError(`Invalid stage configuration (CDK context). ${problems.join('; ')}`);
  }
  return environment;
}

function merge(bindings: readonly Binding[]): Required<Binding> {
  return {
    environment: Object.assign({}, ...bindings.map((binding) => binding.environment ?? {})),
    statements: bindings.flatMap((binding) => binding.statements ?? []),
    acknowledgements: bindings.flatMap((binding) => binding.acknowledgements ?? []),
  };
}

/**
 * One declared function (an API route's or an event-driven one): `functions/<area>/<id>.handler.ts`, export
 * `handler`, bundled on its own so it carries only its own code and SDK clients. Its environment and its role
 * come from its declaration only: the tables it declares (practice partitions only through the practice data
 * role, tagged with one practice), its area's settings, and what each capability it uses gives it.
 */
export class DeclaredFunction extends AppFunction {
  /** Whether the function reaches practice data (through the practice data role). */
  readonly assumesPracticeDataRole: boolean;
  /** What it does to practice partitions, table by table. */
  readonly practiceAccess: PracticeTableAccess;

  constructor(scope: Construct, id: string, props: DeclaredFunctionProps) {
    const { definition } = props;
    const grants = effectiveTableGrants(definition);
    const assumesRole = usesPracticeData(grants);
    const tableEnv = Object.fromEntries(
      (Object.keys(grants) as TableId[]).map((tableId) => [
        tableEnvName(tableId),
        props.tables[tableId].tableName,
      ]),
    );
    const capabilities = merge(props.capabilities.map((capability) => capability.use(definition)));
    super(scope, id, {
      ...stageSettingsOf(props),
      description: props.description,
      entry: props.entry ?? handlerModule(definition),
      handler: 'handler',
      memoryMb: definition.lambda?.memoryMb ?? FUNCTION_DEFAULTS.memoryMb,
      timeoutSeconds: definition.lambda?.timeoutSeconds ?? FUNCTION_DEFAULTS.timeoutSeconds,
      environment: {
        ...tableEnv,
        ...(assumesRole ? { PRACTICE_DATA_ROLE_ARN: props.practiceDataRoleArn } : {}),
        ...settingsEnvironment(definition, props.readSetting),
        ...capabilities.environment,
      },
      statements: [
        ...platformTableAccessStatements(grants, props.tables, props.tableKey),
        ...(assumesRole ? [assumePracticeDataRoleStatement(props.practiceDataRoleArn)] : []),
        ...capabilities.statements,
      ],
      invocation: props.invocation,
    });
    this.assumesPracticeDataRole = assumesRole;
    this.practiceAccess = practicePartitionAccess(grants);
    for (const { findings, reason } of capabilities.acknowledgements)
      acknowledge(this.permissions, findings, reason);
  }
}
