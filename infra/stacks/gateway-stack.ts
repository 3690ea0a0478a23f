import { Aws, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config';
import { LogEncryptionKey } from '../constructs/log-encryption-key';

export interface GatewayStackProps extends StackProps {
  config: StageConfig;
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
 * The HTTP API itself, its auto-deploying stage, throttling and access logs; its routes, functions and
 * authorizer are the api stack's. It stands alone because of a dependency chain: CloudFront needs the API's
 * host name, the Cognito app client needs CloudFront's (for its callback URL), and the authorizer in front
 * of the routes needs the app client's id. API → web → routes is a line; with the API and its routes in one
 * stack it would be a cycle.
 */
export class GatewayStack extends Stack {
  readonly httpApi: HttpApi;

  constructor(scope: Construct, id: string, props: GatewayStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logKey = new LogEncryptionKey(this, 'LogKey').key;

    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `ClinicConnect-${config.stage}`,
      description: 'ClinicConnect API, served to browsers through CloudFront under /api',
      createDefaultStage: false,
    });

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: config.logRetentionDays,
      encryptionKey: logKey,
    });
    new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      // Routes added by the api stack are deployed to the stage as soon as they change.
      autoDeploy: true,
      throttle: { rateLimit: config.apiRateLimit, burstLimit: config.apiBurstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    new CfnOutput(this, 'ApiEndpoint', { value: this.httpApi.apiEndpoint });
  }

  /** The execute-api host name, for CloudFront's `/api/*` origin. */
  get apiDomainName(): string {
    return `${this.httpApi.apiId}.execute-api.${this.region}.${Aws.URL_SUFFIX}`;
  }
}
