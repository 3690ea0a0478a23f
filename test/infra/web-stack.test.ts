import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { CachePolicy, OriginRequestPolicy } from 'aws-cdk-lib/aws-cloudfront';
import { beforeAll, describe, expect, it } from 'vitest';
import { SPA_ROUTING_CODE } from '../../infra/constructs/spa-routing';
import { VIEWER_COUNTRIES } from '../../infra/stacks/web-stack';
import { parseRuntimeConfig } from '../../web/shared/runtime-config';
import { buildTestApp, CUSTOM_DOMAIN, type TestApp } from './support';

let built: TestApp;
let template: Template;

beforeAll(() => {
  built = buildTestApp();
  template = Template.fromStack(built.web);
});

type Behavior = Record<string, unknown> & { PathPattern?: string; ResponseHeadersPolicyId: { Ref: string } };

function distributionConfig() {
  const [distribution] = Object.values(template.findResources('AWS::CloudFront::Distribution'));
  return distribution?.Properties.DistributionConfig as {
    DefaultCacheBehavior: Behavior;
    CacheBehaviors: Behavior[];
    [key: string]: unknown;
  };
}

function behavior(pathPattern: string): Behavior {
  const config = distributionConfig();
  const found = config.CacheBehaviors.find((b) => b.PathPattern === pathPattern);
  if (!found) throw new Error(`no behaviour for ${pathPattern}`);
  return found;
}

function headersPolicyOf(b: Behavior) {
  const policy = template.toJSON().Resources[b.ResponseHeadersPolicyId.Ref];
  return policy.Properties.ResponseHeadersPolicyConfig as {
    SecurityHeadersConfig: Record<string, Record<string, unknown>>;
    CustomHeadersConfig: { Items: { Header: string; Value: string }[] };
  };
}

function customHeader(b: Behavior, name: string) {
  return headersPolicyOf(b).CustomHeadersConfig.Items.find((item) => item.Header === name)?.Value;
}

describe('web stack: buckets', () => {
  it('blocks public access, requires TLS and encrypts every bucket', () => {
    const buckets = Object.entries(template.findResources('AWS::S3::Bucket'));
    expect(buckets.length).toBeGreaterThanOrEqual(2);
    for (const [logicalId, bucket] of buckets) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.BucketEncryption).toBeDefined();
      expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(bucket.DeletionPolicy).toBe('Retain');
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: logicalId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('logs access to the site bucket', () => {
    const siteId = built.web.getLogicalId(built.web.siteBucket.node.defaultChild as never);
    const site = template.toJSON().Resources[siteId];
    expect(site.Properties.LoggingConfiguration).toMatchObject({ LogFilePrefix: 's3/site/' });
  });

  it('lets only CloudFront read the site, through Origin Access Control', () => {
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    const siteId = built.web.getLogicalId(built.web.siteBucket.node.defaultChild as never);
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: siteId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 's3:GetObject',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });
});

describe('web stack: distribution', () => {
  it('serves index.html at the root, redirects HTTP to HTTPS, logs access, and stays in the UK/EU/EEA', () => {
    const config = distributionConfig();
    expect(config).toMatchObject({
      DefaultRootObject: 'index.html',
      Logging: { Prefix: 'cloudfront/', IncludeCookies: false },
      Restrictions: { GeoRestriction: { RestrictionType: 'whitelist', Locations: [...VIEWER_COUNTRIES] } },
    });
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(VIEWER_COUNTRIES).toContain('GB');
    expect(VIEWER_COUNTRIES).toHaveLength(4 + 27 + 3);
  });

  it('adds HSTS (2 years, subdomains, preload), the CSP and the other security headers to pages', () => {
    const security = headersPolicyOf(distributionConfig().DefaultCacheBehavior).SecurityHeadersConfig;
    expect(security).toMatchObject({
      StrictTransportSecurity: {
        AccessControlMaxAgeSec: 63_072_000,
        IncludeSubdomains: true,
        Preload: true,
        Override: true,
      },
      ContentSecurityPolicy: { Override: true },
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: 'DENY', Override: true },
      ReferrerPolicy: { ReferrerPolicy: 'no-referrer', Override: true },
    });
    // Resolved at deploy time: the policy names this stage's own managed-login domain.
    const csp = JSON.stringify(security.ContentSecurityPolicy?.ContentSecurityPolicy);
    expect(csp).toContain('UserPoolManagedLogin');
    expect(csp).not.toContain('*.amazoncognito.com');
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain('https://cognito-idp.eu-west-2.amazonaws.com');
    expect(csp).not.toContain('unsafe-inline');
    // The Chime SDK's signalling and media endpoints, and nothing broader (no *.amazonaws.com, no eval).
    expect(csp).toMatch(/connect-src [^;]*https:\/\/\*\.chime\.aws wss:\/\/\*\.chime\.aws/);
    expect(csp).toContain("worker-src 'self' blob:");
    expect(csp).not.toContain('https://*.amazonaws.com');
    expect(csp).not.toContain('unsafe-eval');
  });

  it('never lets browsers cache pages, and caches hashed assets for a year', () => {
    expect(customHeader(distributionConfig().DefaultCacheBehavior, 'Cache-Control')).toBe('no-store');
    expect(customHeader(behavior('/assets/*'), 'Cache-Control')).toBe('public, max-age=31536000, immutable');
    expect(distributionConfig().DefaultCacheBehavior.CachePolicyId).toBe(
      CachePolicy.CACHING_DISABLED.cachePolicyId,
    );
    expect(behavior('/assets/*').CachePolicyId).toBe(CachePolicy.CACHING_OPTIMIZED.cachePolicyId);
  });

  it('sends /api/* to the HTTP API uncached, with every viewer header but Host and every method', () => {
    const api = behavior('/api/*');
    expect(api).toMatchObject({
      CachePolicyId: CachePolicy.CACHING_DISABLED.cachePolicyId,
      OriginRequestPolicyId: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER.originRequestPolicyId,
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
      ViewerProtocolPolicy: 'https-only',
    });
    expect(customHeader(api, 'Cache-Control')).toBeUndefined();
    const origins = distributionConfig().Origins as {
      Id: string;
      DomainName: unknown;
      CustomOriginConfig?: object;
    }[];
    const apiOrigin = origins.find((origin) => origin.Id === api.TargetOriginId);
    expect(JSON.stringify(apiOrigin?.DomainName)).toContain('execute-api');
    expect(apiOrigin?.CustomOriginConfig).toMatchObject({
      OriginProtocolPolicy: 'https-only',
      OriginSSLProtocols: ['TLSv1.2'],
    });
  });

  it('rewrites page paths on the default behaviour only', () => {
    const association = distributionConfig().DefaultCacheBehavior.FunctionAssociations as unknown[];
    expect(association).toEqual([{ EventType: 'viewer-request', FunctionARN: expect.anything() }]);
    expect(behavior('/api/*').FunctionAssociations).toBeUndefined();
    expect(behavior('/assets/*').FunctionAssociations).toBeUndefined();
    template.hasResourceProperties('AWS::CloudFront::Function', {
      FunctionCode: SPA_ROUTING_CODE,
      FunctionConfig: { Runtime: 'cloudfront-js-2.0' },
    });
  });

  it('uses the CloudFront default certificate unless a custom domain is configured', () => {
    expect(distributionConfig().ViewerCertificate).toBeUndefined();
    const custom = buildTestApp({
      ...CUSTOM_DOMAIN,
      webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/clinic/0123abcd-4567',
    });
    Template.fromStack(custom.web).hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['connect.example.nhs.uk'],
        ViewerCertificate: Match.objectLike({
          MinimumProtocolVersion: 'TLSv1.2_2021',
          SslSupportMethod: 'sni-only',
        }),
        WebACLId: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/clinic/0123abcd-4567',
      }),
    });
  });
});

describe('web stack: console sign-in', () => {
  it('writes the Cognito issuer, the console client and its logout endpoint into /config.json', () => {
    const config = built.web.resolve(built.web.runtimeConfig);
    const poolId = {
      'Fn::ImportValue': expect.stringMatching(/^ClinicConnect-dev-Identity:ExportsOutputRefUserPool/),
    };
    expect(config).toEqual({
      stage: 'dev',
      apiBase: '/api',
      oidc: {
        authority: { 'Fn::Join': ['', ['https://cognito-idp.eu-west-2.amazonaws.com/', poolId]] },
        clientId: { Ref: built.web.getLogicalId(built.web.consoleClient.node.defaultChild as never) },
        scope: 'openid email profile',
        logoutEndpoint: {
          'Fn::Join': [
            '',
            [
              'https://',
              {
                'Fn::ImportValue': expect.stringMatching(
                  /^ClinicConnect-dev-Identity:ExportsOutputRefUserPoolManagedLogin/,
                ),
              },
              '.auth.eu-west-2.amazoncognito.com/logout',
            ],
          ],
        },
      },
      demo: false,
      video: { provider: 'chime' },
    });
    // What the console parses: the shape stays valid for web/shared/runtime-config.ts.
    expect(
      parseRuntimeConfig({
        ...config,
        oidc: { ...config.oidc, authority: 'https://x', clientId: 'c', logoutEndpoint: 'https://x/logout' },
      }),
    ).toMatchObject({ oidc: { scope: 'openid email profile' } });
  });

  it('sends the console back to this distribution, or to the custom domain when there is one', () => {
    const distributionId = built.web.getLogicalId(built.web.distribution.node.defaultChild as never);
    const at = (path: string) => ({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }, path]],
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      CallbackURLs: [at('/auth/callback')],
      LogoutURLs: [at('/')],
    });
    const custom = buildTestApp(CUSTOM_DOMAIN);
    Template.fromStack(custom.web).hasResourceProperties('AWS::Cognito::UserPoolClient', {
      CallbackURLs: ['https://connect.example.nhs.uk/auth/callback'],
      LogoutURLs: ['https://connect.example.nhs.uk/'],
    });
  });
});

describe('web stack: SPA routing function', () => {
  const handler = new Function(`${SPA_ROUTING_CODE}; return handler;`)() as (event: {
    request: { uri: string };
  }) => { uri: string };
  const route = (uri: string) => handler({ request: { uri } }).uri;

  it.each([
    ['/', '/index.html'],
    ['/patients/lookup', '/index.html'],
    ['/settings/', '/index.html'],
    ['/join', '/join/index.html'],
    ['/join/', '/join/index.html'],
    ['/join/abc123', '/join/index.html'],
    ['/joiner', '/index.html'],
    ['/j/AbC_d-123456789012345', '/join/index.html'],
    ['/jx/abc', '/index.html'],
    ['/assets/app-abc123.js', '/assets/app-abc123.js'],
    ['/config.json', '/config.json'],
    ['/join/index.html', '/join/index.html'],
    ['/favicon.ico', '/favicon.ico'],
  ])('%s → %s', (uri, expected) => {
    expect(route(uri)).toBe(expected);
  });
});

describe('web stack: deployment of the built web app', () => {
  it('uploads the build and the runtime config when web/dist exists', () => {
    expect(built.web.deployed).toBe(true);
    const [deployment] = Object.values(template.findResources('Custom::CDKBucketDeployment'));
    // The build and a generated /config.json.
    expect(deployment?.Properties.SourceObjectKeys).toHaveLength(2);
    expect(deployment?.Properties.Prune).toBe(false);
    // config.json's deploy-time values: the pool, the console client and the managed-login domain.
    const markers = JSON.stringify(deployment?.Properties.SourceMarkers);
    expect(markers).toContain('ClinicConnect-dev-Identity:ExportsOutputRefUserPool');
    expect(markers).toContain(built.web.getLogicalId(built.web.consoleClient.node.defaultChild as never));
  });

  it('deploys nothing, with a warning, before the web app is built', () => {
    const unbuilt = buildTestApp({ webDistDir: '/nonexistent/web/dist' });
    expect(unbuilt.web.deployed).toBe(false);
    Template.fromStack(unbuilt.web).resourceCountIs('Custom::CDKBucketDeployment', 0);
    Annotations.fromStack(unbuilt.web).hasWarning('*', Match.stringLikeRegexp('npm run build:web'));
  });
});
