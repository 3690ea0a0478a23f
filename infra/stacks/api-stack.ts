import { Stack, type StackProps } from 'aws-cdk-lib';
import { HttpApi, HttpMethod, HttpRoute, HttpRouteKey, type IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import type { RouteDefinition } from '../../layers/http/route';
import type { StageConfig } from '../config';
import { acknowledge } from '../constructs/acknowledge';
import { LogEncryptionKey } from '../constructs/log-encryption-key';
import { needsSignIn, userPoolAuthorizer } from '../constructs/route-authorizer';
import { RouteFunction } from '../constructs/route-function';
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

/** One function and one route of the HTTP API per entry of the route table, and the authorizer in front. */
export class ApiStack extends Stack {
  readonly functions: ReadonlyMap<string, RouteFunction>;
  /** The gateway stack's API as this stack sees it: routes and the authorizer are created under it. */
  readonly httpApi: IHttpApi;

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

    const functions = new Map<string, RouteFunction>();
    for (const route of props.routes) {
      const routeFunction = new RouteFunction(this, route.id, {
        route,
        stage: config.stage,
        appVersion: config.appVersion,
        logLevel: config.logLevel,
        logRetention: config.logRetentionDays,
        logKey,
        tables: props.tables,
        tableKey: props.tableKey,
        staffEmailDomains: config.staffEmailDomains,
        userPool: { userPoolId: props.userPool.userPoolId, userPoolArn: props.userPool.userPoolArn },
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
  }
}
