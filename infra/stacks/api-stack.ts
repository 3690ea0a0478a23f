import { CfnOutput, Lazy, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpApi, HttpMethod, HttpRoute, HttpRouteKey, type IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { RouteDefinition } from '../../layers/http/route';
import type { StageConfig } from '../config';
import { acknowledge } from '../constructs/acknowledge';
import type { StageFunctionSettings } from '../constructs/app-function';
import { LogEncryptionKey } from '../constructs/log-encryption-key';
import { OffboardingFunction } from '../constructs/offboarding-function';
import { OnboardingFunction } from '../constructs/onboarding-function';
import { OperatorAlarms } from '../constructs/operator-alarms';
import { PracticeDataRole } from '../constructs/practice-data-role';
import { PracticeExportBucket } from '../constructs/practice-export-bucket';
import { needsSignIn, userPoolAuthorizer } from '../constructs/route-authorizer';
import { RouteFunction } from '../constructs/route-function';
import { unionPracticeAccess } from '../constructs/table-access';
import type { StageTables } from './data-stack';

export interface ApiStackProps extends StackProps {
  config: StageConfig;
  routes: readonly RouteDefinition[];
  tables: StageTables;
  tableKey: IKey;
  /** The HTTP API of the gateway stack; this stack adds the routes. */
  httpApi: IHttpApi;
  /** Staff tokens come from this pool, issued to this client (the console's). */
  userPool: IUserPool;
  userPoolClient: IUserPoolClient;
}

/**
 * One function and one route of the HTTP API per entry of the route table, and the authorizer in front. With
 * `practiceScopedCredentials` on, also the practice data role, the functions' only way to practice data.
 */
export class ApiStack extends Stack {
  readonly functions: ReadonlyMap<string, RouteFunction>;
  /** The gateway stack's API as this stack sees it: routes and the authorizer are created under it. */
  readonly httpApi: IHttpApi;
  /** Only with `practiceScopedCredentials` on. */
  readonly practiceDataRole?: PracticeDataRole;
  /** The operator's onboarding function (with the practice data role: new keys name that role). */
  readonly onboarding?: OnboardingFunction;
  readonly offboarding?: OffboardingFunction;
  readonly alarms: OperatorAlarms;

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

    // The practice data role trusts the functions that use it, and they need its ARN: it is created after
    // them (below), and they refer to it lazily. In this stack, not the data stack: the trust policy names
    // these functions' roles, and the data stack is deployed before them.
    let practiceDataRole: PracticeDataRole | undefined;
    const practiceDataRoleArn = config.practiceScopedCredentials
      ? Lazy.string({
          produce: () => {
            if (!practiceDataRole)
              throw new Error('No route uses practice data: there is no practice data role.');
            return practiceDataRole.roleArn;
          },
        })
      : undefined;

    const stageSettings: StageFunctionSettings = {
      stage: config.stage,
      appVersion: config.appVersion,
      logLevel: config.logLevel,
      logRetention: config.logRetentionDays,
      logKey,
    };
    const functions = new Map<string, RouteFunction>();
    for (const route of props.routes) {
      const routeFunction = new RouteFunction(this, route.id, {
        route,
        ...stageSettings,
        tables: props.tables,
        tableKey: props.tableKey,
        staffEmailDomains: config.staffEmailDomains,
        userPool: { userPoolId: props.userPool.userPoolId, userPoolArn: props.userPool.userPoolArn },
        ...(practiceDataRoleArn ? { practiceDataRoleArn } : {}),
        pds: {
          environment: config.pdsEnvironment,
          ...(config.pdsSecretName ? { secretName: config.pdsSecretName } : {}),
          lookupTtlSeconds: config.lookupTtlSeconds,
          lookupLimitPerUserPerHour: config.lookupLimitPerUserPerHour,
          lookupLimitPerPracticePerDay: config.lookupLimitPerPracticePerDay,
        },
      });
      functions.set(route.id, routeFunction);

      const httpRoute = new HttpRoute(routeFunction, 'Route', {
        httpApi: this.httpApi,
        routeKey: HttpRouteKey.with(route.path, HttpMethod[route.method]),
        integration: new HttpLambdaIntegration(`${route.id}Integration`, routeFunction.function),
        ...(needsSignIn(route) ? { authorizer } : {}),
      });
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
    this.functions = functions;
    this.alarms = new OperatorAlarms(this, 'OperatorAlarms', {
      ...(config.alarmEmail ? { email: config.alarmEmail } : {}),
    });
    new CfnOutput(this, 'OperatorAlarmTopic', { value: this.alarms.topic.topicArn });

    const practiceFunctions = [...functions.values()].filter((fn) => fn.assumesPracticeDataRole);
    if (practiceFunctions.length > 0 && practiceDataRoleArn) {
      // Offboarding reads, decrypts and deletes a practice's data through the same role as everyone else.
      const exports = new PracticeExportBucket(this, 'PracticeExports', {
        retentionDays: 30,
        logRetentionDays: config.logRetentionDays,
      });
      this.offboarding = new OffboardingFunction(this, 'OffboardPractice', {
        ...stageSettings,
        tables: props.tables,
        tableKey: props.tableKey,
        practiceDataRoleArn,
        exportBucket: exports.bucket,
        exportKey: exports.key,
      });
      practiceDataRole = new PracticeDataRole(this, 'PracticeDataRole', {
        stage: config.stage,
        region: config.region,
        assumedBy: [...practiceFunctions.map((fn) => fn.role), this.offboarding.role],
        access: unionPracticeAccess([
          ...practiceFunctions.map((fn) => fn.practiceAccess),
          { directory: 'readwrite', records: 'readwrite', audit: 'readwrite' },
        ]),
        tables: props.tables,
        tableKey: props.tableKey,
        keyTags: { app: 'clinic-connect', stage: config.stage },
      });
      this.practiceDataRole = practiceDataRole;
      // For the practice key policies (layers/crypto/kms-practice-keys.ts `dataRoleArns`).
      new CfnOutput(this, 'PracticeDataRoleArn', { value: practiceDataRole.roleArn });

      this.onboarding = new OnboardingFunction(this, 'OnboardPractice', {
        ...stageSettings,
        tables: props.tables,
        tableKey: props.tableKey,
        staffEmailDomains: config.staffEmailDomains,
        practiceDataRoleArn: practiceDataRole.roleArn,
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
}
