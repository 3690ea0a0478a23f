import { Annotations, Aws, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { DomainName, EndpointType, HttpApi, SecurityPolicy } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config';

export interface GatewayStackProps extends StackProps {
  config: StageConfig;
}

/**
 * The HTTP API itself and its custom domain; its routes, functions, authorizer and stage (throttling, access
 * logs, the domain's mapping) are the api stack's: a stage's per-route throttles name routes, which must
 * exist first. It stands alone because of a dependency chain: CloudFront needs the API's host name, the
 * Cognito app client needs CloudFront's (for its callback URL), and the authorizer in front of the routes
 * needs the app client's id. API → web → routes is a line; with the API and its routes in one stack it would
 * be a cycle.
 */
export class GatewayStack extends Stack {
  readonly httpApi: HttpApi;
  /**
   * With a custom domain: the API's regional custom domain, named like the site (see `apiOrigin`). Without
   * one: undefined, and the execute-api endpoint stays enabled because CloudFront has nothing else to call.
   */
  readonly domain?: DomainName;

  constructor(scope: Construct, id: string, props: GatewayStackProps) {
    super(scope, id, props);
    const { config } = props;

    // A closed edge: with a custom domain, the only way in is the domain, and only CloudFront can use it (see
    // `apiOrigin`). The default endpoint cannot simply be switched off without one: CloudFront would then
    // have no host name that reaches the API.
    const closed = Boolean(config.webDomainName && config.apiCertificateArn);
    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `ClinicConnect-${config.stage}`,
      description: 'ClinicConnect API, served to browsers through CloudFront under /api',
      createDefaultStage: false,
      disableExecuteApiEndpoint: closed,
    });
    if (config.webDomainName && config.apiCertificateArn) {
      const truststore = config.apiTruststoreUri ? parseS3Uri(config.apiTruststoreUri) : undefined;
      this.domain = new DomainName(this, 'Domain', {
        domainName: config.webDomainName,
        certificate: Certificate.fromCertificateArn(this, 'Certificate', config.apiCertificateArn),
        endpointType: EndpointType.REGIONAL,
        securityPolicy: SecurityPolicy.TLS_1_2,
        // Origin mutual TLS: a TLS connection without a client certificate issued by this CA is refused,
        // whatever SNI and Host it sends. Only CloudFront holds that certificate's key (in ACM).
        ...(truststore
          ? {
              mtls: {
                bucket: Bucket.fromBucketName(this, 'Truststore', truststore.bucket),
                key: truststore.key,
              },
            }
          : {}),
      });
    } else {
      Annotations.of(this.httpApi).addWarningV2(
        'clinic-connect:api-endpoint-open',
        `Stage "${config.stage}" has no custom domain, so the API's execute-api endpoint stays enabled for ` +
          'CloudFront and can be called directly, without the web ACL and the geo restriction (every data ' +
          'route still needs a Cognito token). Set webDomainName, webCertificateArn and apiCertificateArn to ' +
          'close it; prod* stages must.',
      );
    }

    if (!closed) new CfnOutput(this, 'ApiEndpoint', { value: this.httpApi.apiEndpoint });
  }

  /**
   * How CloudFront's `/api/*` behaviour reaches the API. With a custom domain: CloudFront connects to the
   * domain's regional endpoint (`d-….execute-api.<region>.amazonaws.com`) and forwards the viewer's Host
   * header, which is the site's own domain; CloudFront then sends that name as TLS SNI and Host, so API
   * Gateway finds the custom domain of that name, and the certificate it presents matches. No DNS record
   * points at the API: the name resolves to CloudFront, and only CloudFront knows the regional endpoint.
   * Without a custom domain: the execute-api host name, with the viewer's Host header left out.
   */
  get apiOrigin(): { domainName: string; forwardHostHeader: boolean } {
    // Note what the custom domain alone does not do: API Gateway picks a regional custom domain by the SNI
    // and Host a client sends, so a client that knows the name could reach it through API Gateway's regional
    // front door without CloudFront. Origin mutual TLS (apiOriginCertificateArn) closes that too.
    if (this.domain) return { domainName: this.domain.regionalDomainName, forwardHostHeader: true };
    return {
      domainName: `${this.httpApi.apiId}.execute-api.${this.region}.${Aws.URL_SUFFIX}`,
      forwardHostHeader: false,
    };
  }
}

function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match?.[1] || !match[2]) throw new Error(`Not an s3:// URI: ${uri}`);
  return { bucket: match[1], key: match[2] };
}
