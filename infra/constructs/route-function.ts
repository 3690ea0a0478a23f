import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { RouteDefinition } from '../../layers/http/route';
import { ROUTE_FUNCTION_DEFAULTS } from '../../layers/http/route';
import { PDS_ENVIRONMENTS, type PdsEnvironment } from '../../layers/pds/pds-config';
import { type TableId, tableEnvName } from '../../layers/storage/tables';
import { AppFunction, type StageFunctionSettings, stageSettingsOf } from './app-function';
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

/** How routes that declare `pds` reach the NHS Personal Demographics Service, and the lookup settings. */
export interface RoutePdsSettings {
  environment: PdsEnvironment;
  /** The operator-made secret with {apiKey, privateKeyPem, kid}; none for the open sandbox. */
  secretName?: string;
  lookupTtlSeconds: number;
  lookupLimitPerUserPerHour: number;
  lookupLimitPerPracticePerDay: number;
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
  /** Needed by routes that declare `pds`. */
  pds?: RoutePdsSettings;
}

/** The PDS settings a `pds` route's function reads (layers/pds/pds-config.ts, functions/lookup/handler.ts). */
export function pdsEnvironment(
  route: RouteDefinition,
  pds: RoutePdsSettings | undefined,
  secretArn?: string,
) {
  if (!route.pds) return {};
  if (!pds) throw new Error(`Route ${route.id} calls PDS but no PDS settings were given.`);
  const target = PDS_ENVIRONMENTS[pds.environment];
  return {
    PDS_BASE_URL: target.baseUrl,
    ...(target.tokenUrl ? { PDS_TOKEN_URL: target.tokenUrl } : {}),
    ...(target.tokenUrl && secretArn ? { PDS_SECRET_ID: secretArn } : {}),
    LOOKUP_TTL_SECONDS: String(pds.lookupTtlSeconds),
    LOOKUP_LIMIT_PER_USER_PER_HOUR: String(pds.lookupLimitPerUserPerHour),
    LOOKUP_LIMIT_PER_PRACTICE_PER_DAY: String(pds.lookupLimitPerPracticePerDay),
  };
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
    // Looked up by name: the secret holds our signing key, so operators create it, never this app.
    const pdsSecret =
      route.pds && props.pds?.secretName && PDS_ENVIRONMENTS[props.pds.environment].tokenUrl
        ? Secret.fromSecretNameV2(scope, `${id}PdsSecret`, props.pds.secretName)
        : undefined;
    const tableEnv = Object.fromEntries(
      (Object.keys(grants) as TableId[]).map((tableId) => [
        tableEnvName(tableId),
        props.tables[tableId].tableName,
      ]),
    );
    super(scope, id, {
      ...stageSettingsOf(props),
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
        ...pdsEnvironment(route, props.pds, pdsSecret?.secretArn),
      },
      statements: [
        ...(roleArn === undefined
          ? tableAccessStatements(grants, props.tables, props.tableKey)
          : platformTableAccessStatements(grants, props.tables, props.tableKey)),
        ...(assumesRole ? [assumePracticeDataRoleStatement(roleArn)] : []),
        ...identityAdminStatements(route, props.userPool),
        ...(pdsSecret
          ? [
              new PolicyStatement({
                sid: 'ReadPdsSigningKey',
                effect: Effect.ALLOW,
                actions: ['secretsmanager:GetSecretValue'],
                // A name-only reference: Secrets Manager appends six random characters to the ARN.
                resources: [`${pdsSecret.secretArn}-??????`],
              }),
            ]
          : []),
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
