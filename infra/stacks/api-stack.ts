import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  type IDomainName,
  type IHttpApi,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { CapabilityId } from '../../layers/capabilities';
import {
  type AlarmDefinition,
  type FunctionDefinition,
  touchesPracticeData,
} from '../../layers/functions/definition';
import type { EventFunctionDefinition } from '../../layers/functions/event-function';
import type { RouteDefinition } from '../../layers/http/route';
import type { AwsCapability, AwsStage } from '../capabilities/capability';
import { type CapabilityRegistry, capabilitiesOf } from '../capabilities/registry';
import { type StageConfig, StageConfigError } from '../config';
import { acknowledge } from '../constructs/acknowledge';
import type { StageFunctionSettings } from '../constructs/app-function';
import { DeclaredFunction } from '../constructs/declared-function';
import { LogEncryptionKey } from '../constructs/log-encryption-key';
import { OffboardingFunction } from '../constructs/offboarding-function';
import { OnboardingFunction } from '../constructs/onboarding-function';
import { OperatorAlarms } from '../constructs/operator-alarms';
import { practiceDataRoleName } from '../constructs/practice-data-role';
import { PracticeExportBucket } from '../constructs/practice-export-bucket';
import { needsSignIn, userPoolAuthorizer } from '../constructs/route-authorizer';
import type { StageTables } from './data-stack';

export interface ApiStackProps extends StackProps {
  config: StageConfig;
  routes: readonly RouteDefinition[];
  eventFunctions: readonly EventFunctionDefinition[];
  /** Every outside system's module (infra/capabilities): each function gets what the ones it uses give. */
  capabilities: CapabilityRegistry;
  /** Where a function's handler module is; `handlerModule` unless a test needs otherwise. */
  entryOf?: (definition: FunctionDefinition) => string;
  tables: StageTables;
  tableKey: IKey;
  /** The HTTP API of the gateway stack; this stack adds the routes and the stage. */
  httpApi: IHttpApi;
  /** The API's custom domain (gateway stack), mapped here to the stage; absent without one. */
  apiDomain?: IDomainName;
  /** Staff tokens come from this pool, issued to this client (the console's). */
  userPool: IUserPool;
  userPoolClient: IUserPoolClient;
  /**
   * The console's origin (`https://<webDomainName or CloudFront's domain>`): invite links point there. The
   * `consoleOrigin` setting of the functions that make links.
   */
  consoleOrigin: string;
}

/**
 * What one access log line holds. Only metadata: no path (it can carry identifiers), no query string, no
 * headers, no bodies. The route key is the template (`GET /api/staff/{staffId}`), never the values.
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  time: '$context.requestTimeEpoch',
  routeKey: '$context.routeKey',
  status: '$context.status',
  latencyMs: '$context.responseLatency',
  integrationLatencyMs: '$context.integrationLatency',
  responseBytes: '$context.responseLength',
  sourceIp: '$context.identity.sourceIp',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
};

/**
 * A stage setting by its context key: what other stacks made (`derived`), a field of the stage config (lists
 * comma-joined), else raw context.
 */
function settingReader(
  config: StageConfig,
  derived: Record<string, string> = {},
): (contextKey: string) => unknown {
  return (contextKey) => {
    if (Object.hasOwn(derived, contextKey)) return derived[contextKey];
    const field = (config as unknown as Record<string, unknown>)[contextKey];
    if (field !== undefined && typeof field !== 'function')
      return Array.isArray(field) ? field.join(',') : field;
    return config.readContext(contextKey);
  };
}

/** Every alarm the functions and the capabilities they use declare, once per metric. */
function declaredAlarms(
  definitions: readonly FunctionDefinition[],
  registry: CapabilityRegistry,
): AlarmDefinition[] {
  const byMetric = new Map<string, AlarmDefinition>();
  for (const definition of definitions) {
    for (const alarm of [
      ...(definition.alarms ?? []),
      ...capabilitiesOf(registry, definition).flatMap((capability) => capability.alarms ?? []),
    ]) {
      byMetric.set(alarm.metric, alarm);
    }
  }
  return [...byMetric.values()];
}

/**
 * One function and one route of the HTTP API per entry of the route table, the authorizer in front, and
 * each function's own practice data role: its only way to practice data.
 */
export class ApiStack extends Stack {
  readonly functions: ReadonlyMap<string, DeclaredFunction>;
  /** The gateway stack's API as this stack sees it: routes and the authorizer are created under it. */
  readonly httpApi: IHttpApi;
  /** The operator's onboarding function: the only principal that creates practice keys. */
  readonly onboarding?: OnboardingFunction;
  readonly offboarding?: OffboardingFunction;
  readonly alarms: OperatorAlarms;
  /** The API's `$default` stage: throttles (the stage's, and each route's own), access logs, the domain. */
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logKey = new LogEncryptionKey(this, 'LogKey').key;

    // Referenced by id: CDK creates a route's authorizer under the API construct, and it has to be in this
    // stack (it needs the app client's id, which the web stack creates after the API).
    this.httpApi = HttpApi.fromHttpApiAttributes(this, 'HttpApi', { httpApiId: props.httpApi.apiId });
    const authorizer = props.routes.some(needsSignIn)
      ? userPoolAuthorizer(props.userPool, props.userPoolClient)
      : undefined;

    const stageSettings: StageFunctionSettings = {
      stage: config.stage,
      appVersion: config.appVersion,
      logLevel: config.logLevel,
      logRetention: config.logRetentionDays,
      logKey,
    };
    // Each outside system once per stage (its shared resources), then bound to each function that uses it.
    // Offboarding exports exist wherever practice data does; made first, so the compliance trail (a
    // capability) can record their data events.
    const exports = [...props.routes, ...props.eventFunctions].some((definition) =>
      touchesPracticeData(definition),
    )
      ? new PracticeExportBucket(this, 'PracticeExports', {
          retentionDays: 30,
          logRetentionDays: config.logRetentionDays,
        })
      : undefined;
    const awsStage: AwsStage = {
      scope: this,
      config,
      context: config.readContext,
      functionSettings: stageSettings,
      userPool: { userPoolId: props.userPool.userPoolId, userPoolArn: props.userPool.userPoolArn },
      addOperatorAlarm: () => undefined,
      tables: props.tables,
      dataEventBuckets: exports ? [exports.bucket] : [],
    };
    const capabilityAlarms: Alarm[] = [];
    awsStage.addOperatorAlarm = (alarm) => void capabilityAlarms.push(alarm);
    const instances = new Map<CapabilityId, AwsCapability>();
    const capabilitiesFor = (definition: FunctionDefinition) =>
      capabilitiesOf(props.capabilities, definition).map((capability) => {
        let instance = instances.get(capability.id);
        if (!instance) {
          instance = capability.aws(awsStage);
          instances.set(capability.id, instance);
        }
        return instance;
      });
    const readSetting = settingReader(config, { consoleOrigin: props.consoleOrigin });
    /** A function's reserved concurrency: its own, else the smallest its outside systems ask for. */
    const reservation = (definition: FunctionDefinition): { reservedConcurrency?: number } => {
      if (!config.reserveConcurrency) return {};
      const asked = [
        definition.lambda?.reservedConcurrency,
        ...(definition.lambda?.reservedConcurrency
          ? []
          : capabilitiesOf(props.capabilities, definition).map((c) => c.reservedConcurrency)),
      ].filter((n): n is number => typeof n === 'number');
      return asked.length > 0 ? { reservedConcurrency: Math.min(...asked) } : {};
    };

    const functions = new Map<string, DeclaredFunction>();
    const httpRoutes: HttpRoute[] = [];
    for (const route of props.routes) {
      const routeFunction = new DeclaredFunction(this, route.id, {
        definition: route,
        ...(props.entryOf ? { entry: props.entryOf(route) } : {}),
        description: `${route.method} ${route.path} (${route.id})`,
        ...stageSettings,
        region: config.region,
        tables: props.tables,
        tableKey: props.tableKey,
        capabilities: capabilitiesFor(route),
        readSetting,
        invocation: {
          deadLetterQueue:
            'Invoked synchronously by API Gateway: the caller receives the error, and a dead-letter queue only ' +
            'ever receives failed asynchronous invocations.',
          concurrency: config.reserveConcurrency
            ? 'Calls no outside system, only DynamoDB, KMS and STS in its own region, which answer in ' +
              'milliseconds: its concurrency is bounded by the HTTP API stage throttle (apiRateLimit, ' +
              'apiBurstLimit) and its route’s own where it declares one, and a short timeout frees it. ' +
              'Functions that call outside systems (PDS, Cognito) reserve, and are capped at, their own.'
            : 'This stage reserves no concurrency (reserveConcurrency=false, an account at a low concurrency ' +
              'quota, where any reservation fails to deploy): concurrency is bounded by the HTTP API stage ' +
              'throttle and the route throttles only. prod* stages must reserve.',
        },
        ...reservation(route),
      });
      functions.set(route.id, routeFunction);

      const httpRoute = new HttpRoute(routeFunction, 'Route', {
        httpApi: this.httpApi,
        routeKey: HttpRouteKey.with(route.path, HttpMethod[route.method]),
        integration: new HttpLambdaIntegration(`${route.id}Integration`, routeFunction.function),
        ...(needsSignIn(route) ? { authorizer } : {}),
      });
      httpRoutes.push(httpRoute);
      if (!needsSignIn(route)) {
        acknowledge(
          httpRoute,
          ['AwsSolutions-APIG4'],
          `${route.method} ${route.path} is public by design (route auth "public": health, API document or ` +
            'the patient join flow, which proves itself with the invite code). Account and staff routes use ' +
            'the Cognito JWT authorizer.',
        );
      }
    }
    this.stage = this.createStage(config, props, logKey, httpRoutes);

    // Event-driven functions: the same declarations, and their trigger capability connects them.
    for (const definition of props.eventFunctions) {
      const trigger = props.capabilities.get(definition.trigger.capability);
      if (!trigger) {
        throw new Error(
          `${definition.id} is triggered by "${definition.trigger.capability}", but there is no ` +
            `infra/capabilities/${definition.trigger.capability}.ts.`,
        );
      }
      const instance = capabilitiesFor({
        ...definition,
        uses: [definition.trigger.capability],
      })[0] as AwsCapability;
      if (!instance.trigger || !instance.invocation) {
        throw new Error(`${definition.trigger.capability} cannot trigger a function (${definition.id}).`);
      }
      // The trigger is one of the function's capabilities too: it gives it its environment (a queue's URL)
      // and bundles its clients, as a use would.
      const uses = [...new Set([...(definition.uses ?? []), definition.trigger.capability])];
      const eventFunction = new DeclaredFunction(this, definition.id, {
        definition,
        ...(props.entryOf ? { entry: props.entryOf(definition) } : {}),
        description: `${definition.summary} (${definition.id})`,
        ...stageSettings,
        region: config.region,
        tables: props.tables,
        tableKey: props.tableKey,
        capabilities: capabilitiesFor({ ...definition, uses }),
        readSetting,
        invocation: instance.invocation(definition),
        ...reservation(definition),
      });
      instance.trigger(definition, {
        fn: eventFunction.function,
        role: eventFunction.role,
        permissions: eventFunction.permissions,
      });
      functions.set(definition.id, eventFunction);
    }
    this.functions = functions;
    this.alarms = new OperatorAlarms(this, 'OperatorAlarms', {
      ...(config.alarmEmail ? { email: config.alarmEmail } : {}),
      alarms: declaredAlarms([...props.routes, ...props.eventFunctions], props.capabilities),
    });
    for (const alarm of capabilityAlarms) alarm.addAlarmAction(new SnsAction(this.alarms.topic));
    new CfnOutput(this, 'OperatorAlarmTopic', { value: this.alarms.topic.topicArn });

    const practiceFunctions = [...functions.values()].filter((fn) => fn.practiceDataRole);
    // A shortened name (a long function id) must not collide with another function's.
    const roleNames = [...functions.keys(), 'onboardPractice', 'offboardPractice'].map((owner) =>
      practiceDataRoleName(config.stage, config.region, owner),
    );
    const clash = roleNames.find((name, i) => roleNames.indexOf(name) !== i);
    if (clash) throw new Error(`Two functions would share the practice data role ${clash}: rename one.`);
    if (practiceFunctions.length > 0 && exports) {
      // Offboarding reads, decrypts and deletes a practice's data through a data role only it can assume.
      this.offboarding = new OffboardingFunction(this, 'OffboardPractice', {
        ...stageSettings,
        region: config.region,
        tables: props.tables,
        tableKey: props.tableKey,
        exportBucket: exports.bucket,
        exportKey: exports.key,
      });
      this.onboarding = new OnboardingFunction(this, 'OnboardPractice', {
        ...stageSettings,
        region: config.region,
        tables: props.tables,
        tableKey: props.tableKey,
        staffEmailDomains: config.staffEmailDomains,
      });
      new CfnOutput(this, 'OffboardPracticeFunction', {
        value: this.offboarding.function.functionName,
        description:
          'aws lambda invoke --function-name <this> --payload \'{"operator":..,"practiceId":..,"confirmOdsCode":..}\' out.json',
      });
      new CfnOutput(this, 'OnboardPracticeFunction', {
        value: this.onboarding.function.functionName,
        description:
          'aws lambda invoke --function-name <this> --payload \'{"operator":..,"name":..,"odsCode":..,"adminEmail":..}\' out.json',
      });
    }
  }

  /**
   * The API's auto-deploying `$default` stage: the stage throttle (`apiRateLimit`, `apiBurstLimit`) for every
   * route, each route's own tighter one where it declares `throttle`, access logs of metadata only, and the
   * custom domain's mapping. Here rather than in the gateway stack: route settings name routes, which must
   * exist before the stage that names them (API Gateway refuses "Unable to find Route by key").
   */
  private createStage(
    config: StageConfig,
    props: ApiStackProps,
    logKey: IKey,
    httpRoutes: readonly HttpRoute[],
  ): HttpStage {
    // Raw CloudFormation (the L1 property is JSON): ThrottlingRateLimit, as the template spells it.
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    for (const route of props.routes) {
      if (!route.throttle) continue;
      const { rateLimit, burstLimit } = route.throttle;
      if (!(rateLimit > 0 && burstLimit > 0 && Number.isInteger(burstLimit))) {
        throw new StageConfigError(
          `${route.id}: its throttle needs a positive rate and a whole, positive burst.`,
        );
      }
      if (rateLimit > config.apiRateLimit || burstLimit > config.apiBurstLimit) {
        throw new StageConfigError(
          `${route.id}: its throttle (${rateLimit}/s, burst ${burstLimit}) must be tighter than the stage's ` +
            `(apiRateLimit ${config.apiRateLimit}, apiBurstLimit ${config.apiBurstLimit}).`,
        );
      }
      routeSettings[`${route.method} ${route.path}`] = {
        ThrottlingRateLimit: rateLimit,
        ThrottlingBurstLimit: burstLimit,
      };
    }
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: config.logRetentionDays,
      encryptionKey: logKey,
    });
    const stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      // Routes are deployed to the stage as soon as they change.
      autoDeploy: true,
      throttle: { rateLimit: config.apiRateLimit, burstLimit: config.apiBurstLimit },
      ...(props.apiDomain ? { domainMapping: { domainName: props.apiDomain } } : {}),
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    if (Object.keys(routeSettings).length > 0) {
      (stage.node.defaultChild as CfnStage).routeSettings = routeSettings;
    }
    for (const route of httpRoutes) stage.node.addDependency(route);
    return stage;
  }
}
