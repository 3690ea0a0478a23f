import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Annotations, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Token } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachePolicy,
  type CfnDistribution,
  Distribution,
  FunctionEventType,
  GeoRestriction,
  HttpVersion,
  type IOrigin,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  PriceClass,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { IUserPool, UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import type { Construct, IConstruct } from 'constructs';
import type { RuntimeConfig } from '../../web/shared/runtime-config';
import type { StageConfig } from '../config';
import { AccessLogBucket } from '../constructs/access-log-bucket';
import { acknowledge } from '../constructs/acknowledge';
import { CONSOLE_SCOPES, ConsoleSignInClient } from '../constructs/console-sign-in-client';
import { LogEncryptionKey } from '../constructs/log-encryption-key';
import { securityHeadersPolicy } from '../constructs/security-headers';
import { SpaRouting } from '../constructs/spa-routing';

/** Patients and practices are in the UK and the EU/EEA (crown dependencies included); nobody else needs the site. */
export const VIEWER_COUNTRIES = [
  'GB',
  'GG',
  'IM',
  'JE',
  // EU
  'AT',
  'BE',
  'BG',
  'HR',
  'CY',
  'CZ',
  'DK',
  'EE',
  'FI',
  'FR',
  'DE',
  'GR',
  'HU',
  'IE',
  'IT',
  'LV',
  'LT',
  'LU',
  'MT',
  'NL',
  'PL',
  'PT',
  'RO',
  'SK',
  'SI',
  'ES',
  'SE',
  // EEA outside the EU
  'IS',
  'LI',
  'NO',
] as const;

export interface WebStackProps extends StackProps {
  config: StageConfig;
  /**
   * How CloudFront reaches the HTTP API, served under /api on the same origin: the host name to connect to,
   * and whether the viewer's Host header (the site's own domain) goes with the request (GatewayStack.apiOrigin).
   */
  apiOrigin: { domainName: string; forwardHostHeader: boolean };
  /** The CloudFront web ACL to attach: the stage's own (WebAclStack) or the one `webAclArn` names. */
  webAclArn: string;
  /** The staff identity provider: the console's app client is created here, against this pool. */
  identity: WebIdentityProps;
}

export interface WebIdentityProps {
  userPool: IUserPool;
  /** `https://cognito-idp.<region>.amazonaws.com/<pool id>`: the OIDC authority. */
  issuer: string;
  /** `https://<prefix>.auth.<region>.amazoncognito.com`: managed login, token and logout endpoints. */
  managedLoginUrl: string;
}

/**
 * `/config.json` as deployed. `oidc.logoutEndpoint` is Cognito's `/logout`, which takes `client_id` and
 * `logout_uri` (one of the client's sign-out URLs) rather than OpenID's `post_logout_redirect_uri`; it only
 * ends the managed-login session, so the console revokes its refresh token first (`/oauth2/revoke`, listed
 * in the discovery document as `revocation_endpoint`).
 */
export type DeployedRuntimeConfig = RuntimeConfig & {
  oidc: RuntimeConfig['oidc'] & { logoutEndpoint: string };
};

/**
 * The console and join page: a private bucket behind CloudFront (Origin Access Control), with `/api/*`
 * forwarded to the HTTP API so the browser only ever talks to one origin.
 */
export class WebStack extends Stack {
  readonly distribution: Distribution;
  readonly siteBucket: Bucket;
  readonly deployed: boolean;
  /** The console's Cognito app client: its callback URL is this distribution's. */
  readonly consoleClient: UserPoolClient;
  /** `https://<the stage's domain, or CloudFront's>`: where the console is, and where invite links go. */
  readonly consoleOrigin: string;
  /** What `/config.json` holds (tokens resolve at deploy time). */
  readonly runtimeConfig: DeployedRuntimeConfig;

  constructor(scope: Construct, id: string, props: WebStackProps) {
    super(scope, id, props);
    const { config } = props;
    const logs = new AccessLogBucket(this, 'AccessLogs', { retentionDays: config.logRetentionDays }).bucket;

    this.siteBucket = new Bucket(this, 'Site', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      encryption: BucketEncryption.S3_MANAGED,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 's3/site/',
      // Old hashed assets are kept (no prune on deploy) for open tabs; old versions of a file go after 90 days.
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(90) }],
    });
    acknowledge(
      this.siteBucket,
      ['HIPAA.Security-S3DefaultEncryptionKMS', 'NIST.800.53.R5-S3DefaultEncryptionKMS'],
      'The bucket holds only the public build of the web app (HTML, JS, CSS), never personal data; SSE-S3 ' +
        'encrypts it at rest, and SSE-KMS would add a key policy for CloudFront to every read with nothing ' +
        'to protect.',
    );
    acknowledge(
      this.siteBucket,
      ['HIPAA.Security-S3BucketReplicationEnabled', 'NIST.800.53.R5-S3BucketReplicationEnabled'],
      'The content is a build artefact that the pipeline can redeploy from source at any time; versioning ' +
        'covers accidental overwrites.',
    );

    const siteOrigin = S3BucketOrigin.withOriginAccessControl(this.siteBucket);
    const apiOrigin = withOriginMtls(
      new HttpOrigin(props.apiOrigin.domainName, {
        protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
        originSslProtocols: [OriginSslPolicy.TLS_V1_2],
      }),
      config.apiOriginCertificateArn,
    );
    const region = this.region;
    const loginOrigin = props.identity.managedLoginUrl;
    const pageHeaders = securityHeadersPolicy(this, 'PageHeaders', {
      region,
      loginOrigin,
      cacheControl: 'no-store',
    });
    const assetHeaders = securityHeadersPolicy(this, 'AssetHeaders', {
      region,
      loginOrigin,
      cacheControl: 'public, max-age=31536000, immutable',
    });
    // API responses keep the Cache-Control their handler chose (no-store for anything personal).
    const apiHeaders = securityHeadersPolicy(this, 'ApiHeaders', { region, loginOrigin });
    const spaRouting = new SpaRouting(this, 'SpaRouting');

    const customDomain =
      config.webDomainName && config.webCertificateArn
        ? {
            domainNames: [config.webDomainName],
            certificate: Certificate.fromCertificateArn(this, 'Certificate', config.webCertificateArn),
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : undefined;

    this.distribution = new Distribution(this, 'Distribution', {
      comment: `ClinicConnect ${config.stage}`,
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      // Edge locations in Europe (and North America): where the users are, at the lowest price.
      priceClass: PriceClass.PRICE_CLASS_100,
      geoRestriction: GeoRestriction.allowlist(...VIEWER_COUNTRIES),
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cloudfront/',
      logIncludesCookies: false,
      webAclId: props.webAclArn,
      ...(customDomain ?? {}),
      defaultBehavior: {
        origin: siteOrigin,
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        // Pages and /config.json are tiny and must change the moment a deploy lands: never cached.
        cachePolicy: CachePolicy.CACHING_DISABLED,
        responseHeadersPolicy: pageHeaders,
        functionAssociations: [
          { function: spaRouting.function, eventType: FunctionEventType.VIEWER_REQUEST },
        ],
      },
      additionalBehaviors: {
        '/assets/*': {
          origin: siteOrigin,
          viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
          allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
          // File names carry a content hash: cache for a year.
          cachePolicy: CachePolicy.CACHING_OPTIMIZED,
          compress: true,
          responseHeadersPolicy: assetHeaders,
        },
        '/api/*': {
          origin: apiOrigin,
          // No redirect: a redirected POST would lose its body.
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          cachePolicy: CachePolicy.CACHING_DISABLED,
          // With the API's custom domain, the viewer's Host (the site's domain) is what selects it.
          originRequestPolicy: props.apiOrigin.forwardHostHeader
            ? OriginRequestPolicy.ALL_VIEWER
            : OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: apiHeaders,
        },
      },
    });
    if (!customDomain) {
      acknowledge(
        this.distribution,
        ['AwsSolutions-CFR4'],
        'No custom domain is configured for this stage, so the distribution uses the default ' +
          '*.cloudfront.net certificate, with which CloudFront always negotiates from TLSv1 whatever the ' +
          'minimum protocol says. Setting webDomainName and webCertificateArn applies TLSv1.2_2021.',
      );
    }

    const origin = `https://${config.webDomainName ?? this.distribution.distributionDomainName}`;
    this.consoleOrigin = origin;
    this.consoleClient = new ConsoleSignInClient(this, 'ConsoleSignIn', {
      userPool: props.identity.userPool,
      origin,
    }).client;
    this.runtimeConfig = {
      stage: config.stage,
      apiBase: '/api',
      oidc: {
        authority: props.identity.issuer,
        clientId: this.consoleClient.userPoolClientId,
        scope: CONSOLE_SCOPES.map((scope) => scope.scopeName).join(' '),
        logoutEndpoint: `${props.identity.managedLoginUrl}/logout`,
      },
      demo: false,
      // Amazon Chime SDK meetings: each meeting's own URLs come with its join info.
      video: { provider: 'chime' },
    };

    this.deployed = this.deployWebApp(config);

    new CfnOutput(this, 'DistributionDomainName', { value: this.distribution.distributionDomainName });
    new CfnOutput(this, 'ConsoleClientId', { value: this.consoleClient.userPoolClientId });
  }

  /**
   * Uploads `web/dist` when it has been built, plus `/config.json`. Synth works without a build, so
   * infrastructure can be checked before the web app is built.
   */
  private deployWebApp(config: StageConfig): boolean {
    if (!existsSync(config.webDistDir)) {
      Annotations.of(this).addWarningV2(
        'clinic-connect:web-not-built',
        `${config.webDistDir} does not exist, so the web app is not deployed by this synth. Run npm run build:web first.`,
      );
      return false;
    }
    assertNoSourceMaps(config.webDistDir);
    const sources = [Source.asset(config.webDistDir), Source.jsonData('config.json', this.runtimeConfig)];

    const deploymentLogs = new LogGroup(this, 'DeploymentLogs', {
      retention: config.logRetentionDays,
      encryptionKey: new LogEncryptionKey(this, 'LogKey').key,
    });
    const deployment = new BucketDeployment(this, 'DeployWebApp', {
      destinationBucket: this.siteBucket,
      sources,
      // Keep files of earlier builds: a tab opened before a deploy still loads its lazy chunks.
      prune: false,
      memoryLimit: 512,
      logGroup: deploymentLogs,
    });
    // The deployment handler is a CDK-provided singleton; these findings are about its fixed implementation.
    const handler = deployment.handlerRole.node.scope;
    if (handler) this.acknowledgeDeploymentHandler(handler);
    return true;
  }

  /**
   * BucketDeployment's handler is a singleton that aws-cdk-lib provides and configures (runtime, role,
   * grants); it runs only while CloudFormation deploys this stack, never on a user's request.
   */
  private acknowledgeDeploymentHandler(handler: IConstruct): void {
    // Findings name pseudo parameters the way cdk-nag renders them when they are not literals.
    const partition = Token.isUnresolved(this.partition) ? '<AWS::Partition>' : this.partition;
    const account = Token.isUnresolved(this.account) ? '<AWS::AccountId>' : this.account;
    const assetObjects = `arn:${partition}:s3:::cdk-hnb659fds-assets-${account}-${this.region}/*`;
    const siteObjects = `<${this.getLogicalId(this.siteBucket.node.defaultChild as CfnBucket)}.Arn>/*`;
    acknowledge(
      handler,
      [
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      ],
      'The role of the CDK-provided deployment handler; the basic execution policy only lets it write its ' +
        'own logs, and it runs only during deployments.',
    );
    acknowledge(
      handler,
      [
        'AwsSolutions-IAM5[Action::s3:GetBucket*]',
        'AwsSolutions-IAM5[Action::s3:GetObject*]',
        'AwsSolutions-IAM5[Action::s3:List*]',
        'AwsSolutions-IAM5[Action::s3:Abort*]',
        'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
        `AwsSolutions-IAM5[Resource::${assetObjects}]`,
        `AwsSolutions-IAM5[Resource::${siteObjects}]`,
        'HIPAA.Security-IAMNoInlinePolicy',
        'NIST.800.53.R5-IAMNoInlinePolicy',
      ],
      "CDK's own read grant on the deployment asset bucket and read-write grant on the site bucket: the " +
        'wildcards are the action groups of those grants and the objects of exactly those two buckets, which ' +
        'is what copying a build into the site bucket needs.',
    );
    acknowledge(
      handler,
      ['AwsSolutions-L1', 'Serverless-LambdaLatestVersion'],
      'The runtime of the deployment handler is chosen by aws-cdk-lib and moves with it; the handler is ' +
        'invoked by CloudFormation during deployments only and is not reachable by users.',
    );
    acknowledge(
      handler,
      [
        'HIPAA.Security-LambdaConcurrency',
        'NIST.800.53.R5-LambdaConcurrency',
        'HIPAA.Security-LambdaDLQ',
        'NIST.800.53.R5-LambdaDLQ',
        'Serverless-LambdaDLQ',
        'HIPAA.Security-LambdaInsideVPC',
        'NIST.800.53.R5-LambdaInsideVPC',
        'Serverless-LambdaTracing',
      ],
      'A CloudFormation custom-resource handler invoked once per deployment: a failure fails the deployment ' +
        'and rolls it back, so there is no traffic to limit or trace, no message to dead-letter, and it ' +
        'only talks to S3 over its public endpoint.',
    );
  }
}

/**
 * The API origin, presenting `clientCertificateArn` (ACM, us-east-1) to the API's custom domain when origin
 * mutual TLS is configured. CloudFront's L2 origins have no property for it yet: set on the bound origin.
 */
function withOriginMtls(origin: IOrigin, clientCertificateArn: string | undefined): IOrigin {
  if (!clientCertificateArn) return origin;
  return {
    bind(scope, options) {
      const bound = origin.bind(scope, options);
      const custom = bound.originProperty?.customOriginConfig as
        | CfnDistribution.CustomOriginConfigProperty
        | undefined;
      if (!bound.originProperty || !custom) throw new Error('origin mutual TLS needs a custom (HTTP) origin');
      return {
        ...bound,
        originProperty: {
          ...bound.originProperty,
          customOriginConfig: { ...custom, originMtlsConfig: { clientCertificateArn } },
        },
      };
    },
  };
}

/** Raised at synth when the build to deploy is not one `npm run build:web` makes. */
export class WebBuildError extends Error {
  override readonly name = 'WebBuildError';
}

const SOURCE_MAP_COMMENT = /[#@]\s*sourceMappingURL=/;

/**
 * Source maps would publish the console's source (and every comment in it) to anyone: the deployed build must
 * have none, and no file may point at one. `npm run build:web` makes none; `npm run build:web:debug` writes
 * them to web/dist-debug, which is never deployed. This refuses a build that has them anyway.
 */
export function assertNoSourceMaps(dir: string): void {
  const offending: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.map')) offending.push(relative(dir, path));
      else if (
        /\.(?:m?js|css|html)$/.test(entry.name) &&
        SOURCE_MAP_COMMENT.test(readFileSync(path, 'utf8'))
      ) {
        offending.push(`${relative(dir, path)} (sourceMappingURL)`);
      }
    }
  };
  walk(dir);
  if (offending.length > 0) {
    throw new WebBuildError(
      `${dir} holds source maps, which must never be deployed: ${offending.slice(0, 5).join(', ')}` +
        `${offending.length > 5 ? ', ...' : ''}. Build it with npm run build:web (none are made).`,
    );
  }
}
