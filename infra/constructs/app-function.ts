import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Effect, ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { REPO_ROOT } from '../config';
import { acknowledge } from './acknowledge';

/** What every function of a stage is told about its deployment. */
export interface StageFunctionSettings {
  stage: string;
  appVersion: string;
  logLevel: string;
  logRetention: RetentionDays;
  logKey: IKey;
}

/** Just the stage settings of a construct's props, to hand on to `AppFunction`. */
export function stageSettingsOf(props: StageFunctionSettings): StageFunctionSettings {
  const { stage, appVersion, logLevel, logRetention, logKey } = props;
  return { stage, appVersion, logLevel, logRetention, logKey };
}

export interface AppFunctionProps extends StageFunctionSettings {
  description: string;
  /** The module, relative to the repository root, e.g. `functions/health/handler.ts`. */
  entry: string;
  /** The module's export that Lambda calls. */
  handler: string;
  memoryMb: number;
  timeoutSeconds: number;
  /** Variables beyond the base ones (APP_VERSION, STAGE, POWERTOOLS_*). */
  environment?: Record<string, string>;
  /** What the function may do besides writing its own logs and traces. */
  statements?: readonly PolicyStatement[];
  /**
   * Why the compliance packs' asynchronous-invocation and concurrency controls do not apply: who calls the
   * function, and what bounds how often. `concurrency` is the reason when it reserves none.
   */
  invocation: { deadLetterQueue: string; concurrency: string };
  /** Lambda reserved concurrency (which also caps the function); none by default. */
  reservedConcurrency?: number;
}

/**
 * One Lambda function the way this app runs all of them: its own bundle (ESM, minified, AWS SDK included),
 * arm64 and Node 24, X-Ray active, JSON logs into its own encrypted log group with a retention period, and a
 * role of its own whose only policy is a customer-managed one listing exactly what it may do.
 */
export class AppFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly permissions: ManagedPolicy;
  /** The execution role (its only policy is `permissions`); the practice data role trusts some of them. */
  readonly role: Role;

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    super(scope, id);

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      encryptionKey: props.logKey,
    });

    // A role of our own with a customer-managed policy, instead of AWSLambdaBasicExecutionRole (logs:* on
    // every log group) and CDK's inline default policy.
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: props.description.slice(0, 1000),
    });
    this.role = role;
    this.permissions = new ManagedPolicy(this, 'Permissions', {
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
        ...(props.statements ?? []),
      ],
    });
    acknowledge(
      this.permissions,
      ['AwsSolutions-IAM5[Resource::*]'],
      'X-Ray PutTraceSegments and PutTelemetryRecords do not support resource-level permissions; they are ' +
        'the only actions granted on "*". Data and identity access is on exact ARNs.',
    );

    this.function = new NodejsFunction(this, 'Function', {
      description: props.description,
      entry: join(REPO_ROOT, props.entry),
      handler: props.handler,
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memoryMb,
      timeout: Duration.seconds(props.timeoutSeconds),
      tracing: Tracing.ACTIVE,
      ...(props.reservedConcurrency ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
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
        ...props.environment,
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
        // Lambda gives credentials in the environment; the rest of the SDK's default chain is dead weight
        // (layers/aws/lambda-credentials.ts says why).
        esbuildArgs: {
          '--alias:@aws-sdk/credential-provider-node': join(
            REPO_ROOT,
            'layers',
            'aws',
            'lambda-credentials.ts',
          ),
        },
        forceDockerBundling: false,
      },
    });
    // The role's permissions are a separate resource: make sure they exist before the function can run.
    this.function.node.addDependency(this.permissions);

    acknowledge(
      this.function,
      ['HIPAA.Security-LambdaDLQ', 'NIST.800.53.R5-LambdaDLQ', 'Serverless-LambdaDLQ'],
      props.invocation.deadLetterQueue,
    );
    if (!props.reservedConcurrency) {
      acknowledge(
        this.function,
        ['HIPAA.Security-LambdaConcurrency', 'NIST.800.53.R5-LambdaConcurrency'],
        props.invocation.concurrency,
      );
    }
    acknowledge(
      this.function,
      ['HIPAA.Security-LambdaInsideVPC', 'NIST.800.53.R5-LambdaInsideVPC'],
      'The function only calls AWS regional endpoints (DynamoDB, KMS, Cognito, X-Ray) over TLS with ' +
        'IAM-signed requests; it reaches no private network resources, so a VPC would add NAT cost and ' +
        'cold-start latency without isolating anything.',
    );
  }
}
