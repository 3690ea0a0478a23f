import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { RouteDefinition } from '../../layers/http/route';
import { type TableId, tableEnvName } from '../../layers/storage/tables';
import { REPO_ROOT } from '../config';
import { acknowledge } from './acknowledge';
import { effectiveTableGrants, tableAccessStatements } from './table-access';

export const ROUTE_FUNCTION_DEFAULTS = { memoryMb: 256, timeoutSeconds: 10 } as const;

export interface RouteFunctionProps {
  route: RouteDefinition;
  stage: string;
  appVersion: string;
  logLevel: string;
  logRetention: RetentionDays;
  logKey: IKey;
  tables: { readonly [K in TableId]: ITable };
  tableKey: IKey;
}

/**
 * One route's Lambda function: `functions/<area>/handler.ts`, export `<route id>`, bundled on its own so
 * each function carries only its own code and SDK clients. Its role may write to its own log group, send
 * traces, and use exactly the tables the route declares.
 */
export class RouteFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: RouteFunctionProps) {
    super(scope, id);
    const { route } = props;
    const grants = effectiveTableGrants(route);

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      encryptionKey: props.logKey,
    });

    // A role of our own with a customer-managed policy, instead of AWSLambdaBasicExecutionRole (logs:* on
    // every log group) and CDK's inline default policy.
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${route.method} ${route.path}`,
    });
    const permissions = new ManagedPolicy(this, 'Permissions', {
      roles: [role],
      statements: [
        new PolicyStatement({
          sid: 'OwnLogGroup',
          effect: Effect.ALLOW,
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [this.logGroup.logGroupArn],
        }),
        new PolicyStatement({
          sid: 'Tracing',
          effect: Effect.ALLOW,
          actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
          resources: ['*'],
        }),
        ...tableAccessStatements(grants, props.tables, props.tableKey),
      ],
    });
    acknowledge(
      permissions,
      ['AwsSolutions-IAM5[Resource::*]'],
      'X-Ray PutTraceSegments and PutTelemetryRecords do not support resource-level permissions; they are ' +
        'the only actions granted on "*". Data access (DynamoDB, KMS) is on exact ARNs.',
    );

    const tableEnv = Object.fromEntries(
      (Object.keys(grants) as TableId[]).map((tableId) => [
        tableEnvName(tableId),
        props.tables[tableId].tableName,
      ]),
    );

    this.function = new NodejsFunction(this, 'Function', {
      description: `${route.method} ${route.path} (${route.id})`,
      entry: join(REPO_ROOT, 'functions', route.area, 'handler.ts'),
      handler: route.id,
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: route.lambda?.memoryMb ?? ROUTE_FUNCTION_DEFAULTS.memoryMb,
      timeout: Duration.seconds(route.lambda?.timeoutSeconds ?? ROUTE_FUNCTION_DEFAULTS.timeoutSeconds),
      tracing: Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      // Immutable here: every permission is in the managed policy above, none added behind our back.
      role: role.withoutPolicyUpdates(),
      environment: {
        APP_VERSION: props.appVersion,
        STAGE: props.stage,
        POWERTOOLS_SERVICE_NAME: 'clinic-connect',
        POWERTOOLS_METRICS_NAMESPACE: 'ClinicConnect',
        POWERTOOLS_LOG_LEVEL: props.logLevel,
        ...tableEnv,
      },
      bundling: {
        minify: true,
        // No source maps: they double the bundle and --enable-source-maps slows cold starts; keepNames keeps
        // stack traces readable enough.
        sourceMap: false,
        keepNames: true,
        target: 'node24',
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        // CommonJS dependencies (the AWS SDK's, middy's) call require(); ESM output needs one.
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        // Bundled and tree-shaken rather than the runtime's copy: a pinned SDK version and a faster init.
        bundleAwsSDK: true,
        forceDockerBundling: false,
      },
    });
    // The role's permissions are a separate resource: make sure they exist before the function can run.
    this.function.node.addDependency(permissions);

    acknowledge(
      this.function,
      ['HIPAA.Security-LambdaDLQ', 'NIST.800.53.R5-LambdaDLQ', 'Serverless-LambdaDLQ'],
      'Invoked synchronously by API Gateway: the caller receives the error, and a dead-letter queue only ' +
        'ever receives failed asynchronous invocations.',
    );
    acknowledge(
      this.function,
      ['HIPAA.Security-LambdaConcurrency', 'NIST.800.53.R5-LambdaConcurrency'],
      'Concurrency is bounded by the HTTP API stage throttle (rate and burst limits from the stage config). ' +
        'Reserving concurrency per function would carve it out of the account pool and fails to deploy in ' +
        'accounts still at a low concurrency quota.',
    );
    acknowledge(
      this.function,
      ['HIPAA.Security-LambdaInsideVPC', 'NIST.800.53.R5-LambdaInsideVPC'],
      'The function only calls AWS regional endpoints (DynamoDB, KMS, X-Ray) over TLS with IAM-signed ' +
        'requests; it reaches no private network resources, so a VPC would add NAT cost and cold-start ' +
        'latency without isolating anything.',
    );
  }
}
