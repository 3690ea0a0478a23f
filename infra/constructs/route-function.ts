import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { RouteDefinition } from '../../layers/http/route';
import { ROUTE_FUNCTION_DEFAULTS } from '../../layers/http/route';
import { type TableId, tableEnvName } from '../../layers/storage/tables';
import { AppFunction, type StageFunctionSettings } from './app-function';
import {
  assumePracticeDataRoleStatement,
  effectiveTableGrants,
  type PracticeTableAccess,
  platformTableAccessStatements,
  practicePartitionAccess,
  tableAccessStatements,
  usesPracticeData,
} from './table-access';

export { ROUTE_FUNCTION_DEFAULTS };

/** The user pool, as far as a route function may touch it. */
export interface RouteIdentityPool {
  userPoolId: string;
  userPoolArn: string;
}

export class MissingUserPoolError extends Error {
  override readonly name = 'MissingUserPoolError';
}

export interface RouteFunctionProps extends StageFunctionSettings {
  route: RouteDefinition;
  tables: { readonly [K in TableId]: ITable };
  tableKey: IKey;
  /** Staff email domains (R2), for routes that check an address against the allow-list. */
  staffEmailDomains: readonly string[];
  /** Needed by routes that declare `identityAdmin`: they may end a member's sessions in this pool. */
  userPool?: RouteIdentityPool;
  /**
   * Set when the stage has `practiceScopedCredentials` on: practice data only through this role (assumed per
   * practice with the `practiceId` session tag); the function's own role keeps PLATFORM and USER# keys only.
   * Unset: the function's own role reads and writes practice partitions directly (the previous design).
   */
  practiceDataRoleArn?: string;
}

/**
 * What a route's function may do at the identity provider: routes that declare `identityAdmin` may sign a
 * member out everywhere (AdminUserGlobalSignOut revokes their refresh tokens) in this pool, nothing else.
 */
export function identityAdminStatements(route: RouteDefinition, pool: RouteIdentityPool | undefined) {
  if (!route.identityAdmin) return [];
  if (!pool) {
    throw new MissingUserPoolError(`Route ${route.id} declares identityAdmin but no user pool was given.`);
  }
  return [
    new PolicyStatement({
      sid: 'EndMemberSessions',
      effect: Effect.ALLOW,
      actions: ['cognito-idp:AdminUserGlobalSignOut'],
      resources: [pool.userPoolArn],
    }),
  ];
}

/**
 * One route's Lambda function: `functions/<area>/handler.ts`, export `<route id>`, bundled on its own so
 * each function carries only its own code and SDK clients. Its role may write to its own log group, send
 * traces, use exactly the tables the route declares, and (`identityAdmin` routes) end sessions in the pool.
 * With a practice data role (stage context `practiceScopedCredentials`), "the tables the route declares" stops
 * at practice partitions: for those it may only assume that role, tagged with one practice.
 */
export class RouteFunction extends AppFunction {
  /** Whether this function reaches practice data through the practice data role (scoped credentials on). */
  readonly assumesPracticeDataRole: boolean;
  /** What the route does to practice partitions, table by table (whichever credentials it uses). */
  readonly practiceAccess: PracticeTableAccess;

  constructor(scope: Construct, id: string, props: RouteFunctionProps) {
    const { route } = props;
    const grants = effectiveTableGrants(route);
    const roleArn = props.practiceDataRoleArn;
    const assumesRole = roleArn !== undefined && usesPracticeData(grants);
    const tableEnv = Object.fromEntries(
      (Object.keys(grants) as TableId[]).map((tableId) => [
        tableEnvName(tableId),
        props.tables[tableId].tableName,
      ]),
    );
    super(scope, id, {
      stage: props.stage,
      appVersion: props.appVersion,
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      logKey: props.logKey,
      description: `${route.method} ${route.path} (${route.id})`,
      entry: `functions/${route.area}/handler.ts`,
      handler: route.id,
      memoryMb: route.lambda?.memoryMb ?? ROUTE_FUNCTION_DEFAULTS.memoryMb,
      timeoutSeconds: route.lambda?.timeoutSeconds ?? ROUTE_FUNCTION_DEFAULTS.timeoutSeconds,
      environment: {
        ...tableEnv,
        // Signed-in routes may compare the caller's address with the allow-list (registration does).
        ...(route.auth === 'public' ? {} : { STAFF_EMAIL_DOMAINS: props.staffEmailDomains.join(',') }),
        ...(route.identityAdmin && props.userPool ? { USER_POOL_ID: props.userPool.userPoolId } : {}),
        // Read by layers/isolation/scoped-clients.ts: with it, practice data goes through the role.
        ...(assumesRole ? { PRACTICE_DATA_ROLE_ARN: roleArn } : {}),
      },
      statements: [
        ...(roleArn === undefined
          ? tableAccessStatements(grants, props.tables, props.tableKey)
          : platformTableAccessStatements(grants, props.tables, props.tableKey)),
        ...(assumesRole ? [assumePracticeDataRoleStatement(roleArn)] : []),
        ...identityAdminStatements(route, props.userPool),
      ],
      invocation: {
        deadLetterQueue:
          'Invoked synchronously by API Gateway: the caller receives the error, and a dead-letter queue only ' +
          'ever receives failed asynchronous invocations.',
        concurrency:
          'Concurrency is bounded by the HTTP API stage throttle (rate and burst limits from the stage ' +
          'config). Reserving concurrency per function would carve it out of the account pool and fails to ' +
          'deploy in accounts still at a low concurrency quota.',
      },
    });
    this.assumesPracticeDataRole = assumesRole;
    this.practiceAccess = practicePartitionAccess(grants);
  }
}
