import { Aws, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { RouteDefinition } from '../../layers/http/route';
import type { StageConfig } from '../config';
import { acknowledge } from '../constructs/acknowledge';
import { LogEncryptionKey } from '../constructs/log-encryption-key';
import { RouteFunction } from '../constructs/route-function';
import { type StaffTokenIssuer, staffAuthorizer } from '../constructs/staff-authorizer';
import type { StageTables } from './data-stack';

export interface ApiStackProps extends StackProps {
  config: StageConfig;
  routes: readonly RouteDefinition[];
  tables: StageTables;
  tableKey: IKey;
  /** Issuer of staff tokens; required as soon as any route is `staff`. */
  staffTokens?: StaffTokenIssuer;
}

/**
 * What one access log line holds. Only metadata: no path (it can carry identifiers), no query string, no
 * headers, no bodies. The route key is the template (`GET /api/staff/{staffId}`), never the values.
 */
const ACCESS_LOG_FIELDS = {
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

/** One HTTP API; one function and one route per entry of the route table. */
export class ApiStack extends Stack {
  readonly httpApi: HttpApi;
  readonly functions: ReadonlyMap<string, RouteFunction>;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logRetention = config.logRetentionDays;
    const logKey = new LogEncryptionKey(this, 'LogKey').key;

    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `ClinicConnect-${config.stage}`,
      description: 'ClinicConnect API, served to browsers through CloudFront under /api',
      createDefaultStage: false,
    });

    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: logRetention, encryptionKey: logKey });
    new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: config.apiRateLimit, burstLimit: config.apiBurstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    const authorizer = staffAuthorizer(props.routes, props.staffTokens);
    const functions = new Map<string, RouteFunction>();
    for (const route of props.routes) {
      const routeFunction = new RouteFunction(this, route.id, {
        route,
        stage: config.stage,
        appVersion: config.appVersion,
        logLevel: config.logLevel,
        logRetention,
        logKey,
        tables: props.tables,
        tableKey: props.tableKey,
      });
      functions.set(route.id, routeFunction);

      const httpRoute = new HttpRoute(routeFunction, 'Route', {
        httpApi: this.httpApi,
        routeKey: HttpRouteKey.with(route.path, HttpMethod[route.method]),
        integration: new HttpLambdaIntegration(`${route.id}Integration`, routeFunction.function),
        ...(route.auth === 'staff' ? { authorizer } : {}),
      });
      if (route.auth === 'public') {
        acknowledge(
          httpRoute,
          ['AwsSolutions-APIG4'],
          `${route.method} ${route.path} is public by design (route auth "public": health, API document or ` +
            'the patient join flow, which proves itself with the invite code). Staff routes use the JWT ' +
            'authorizer.',
        );
      }
    }
    this.functions = functions;

    new CfnOutput(this, 'ApiEndpoint', { value: this.httpApi.apiEndpoint });
  }

  /** The execute-api host name, for CloudFront's `/api/*` origin. */
  get apiDomainName(): string {
    return `${this.httpApi.apiId}.execute-api.${this.region}.${Aws.URL_SUFFIX}`;
  }
}
