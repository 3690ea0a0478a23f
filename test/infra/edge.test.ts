import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { OriginRequestPolicy } from 'aws-cdk-lib/aws-cloudfront';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMMON_RULE_SET_OVERRIDES, RATE_WINDOW_SECONDS } from '../../infra/stacks/web-acl-stack';
import { buildTestApp, CUSTOM_DOMAIN, ORIGIN_MTLS, type TestApp } from './support';

/** A dev stage as a first deploy makes it: no domain, the stage's own web ACL. */
let plain: TestApp;
/** A prod stage: its own domain, origin mutual TLS, the stage's own web ACL with a tighter rate. */
let closed: TestApp;

beforeAll(() => {
  plain = buildTestApp();
  closed = buildTestApp({
    stage: 'prod',
    pdsEnvironment: 'production',
    pdsSecretName: 'clinic-connect/pds',
    smsSenderId: 'Riverside',
    wafRateLimit: '500',
    ...CUSTOM_DOMAIN,
    ...ORIGIN_MTLS,
  });
});

type Origin = { Id: string; DomainName: unknown; CustomOriginConfig?: Record<string, unknown> };
type Behavior = { PathPattern?: string; TargetOriginId: string; OriginRequestPolicyId: string };

function distribution(built: TestApp) {
  const [resource] = Object.values(
    Template.fromStack(built.web).findResources('AWS::CloudFront::Distribution'),
  );
  return resource?.Properties.DistributionConfig as {
    Origins: Origin[];
    CacheBehaviors: Behavior[];
    WebACLId: unknown;
    ViewerCertificate?: Record<string, unknown>;
  };
}

function apiBehaviourAndOrigin(built: TestApp) {
  const config = distribution(built);
  const behaviour = config.CacheBehaviors.find((b) => b.PathPattern === '/api/*');
  const origin = config.Origins.find((o) => o.Id === behaviour?.TargetOriginId);
  if (!behaviour || !origin) throw new Error('no /api/* behaviour');
  return { behaviour, origin };
}

describe('the API behind CloudFront, with a custom domain (required for prod*)', () => {
  it('disables the execute-api endpoint, so the default host name answers nothing', () => {
    Template.fromStack(closed.gateway).hasResourceProperties('AWS::ApiGatewayV2::Api', {
      DisableExecuteApiEndpoint: true,
    });
    expect(Template.fromStack(closed.gateway).findOutputs('ApiEndpoint')).toEqual({});
  });

  it('gives the API a regional custom domain named like the site, TLS 1.2, mapped to its stage', () => {
    const gateway = Template.fromStack(closed.gateway);
    gateway.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'connect.example.nhs.uk',
      DomainNameConfigurations: [
        Match.objectLike({
          CertificateArn: CUSTOM_DOMAIN.apiCertificateArn,
          EndpointType: 'REGIONAL',
          SecurityPolicy: 'TLS_1_2',
        }),
      ],
    });
    // The whole domain (no mapping key) is the API's $default stage: /api/... arrives as it left CloudFront.
    // The mapping is the api stack's, with the stage (whose route settings need the routes first).
    Template.fromStack(closed.api).hasResourceProperties('AWS::ApiGatewayV2::ApiMapping', {
      ApiId: Match.anyValue(),
      DomainName: { 'Fn::ImportValue': Match.stringLikeRegexp('Gateway:ExportsOutputRefDomain') },
      Stage: '$default',
      ApiMappingKey: Match.absent(),
    });
  });

  it('lets CloudFront reach it at the domain’s regional endpoint with the viewer’s Host (the site’s name)', () => {
    const { behaviour, origin } = apiBehaviourAndOrigin(closed);
    expect(JSON.stringify(origin.DomainName)).toMatch(
      /Gateway:ExportsOutputFnGetAttDomain.*RegionalDomainName/,
    );
    expect(JSON.stringify(origin.DomainName)).not.toContain('execute-api');
    // Host is forwarded: CloudFront sends it as SNI and Host, which selects the custom domain.
    expect(behaviour.OriginRequestPolicyId).toBe(OriginRequestPolicy.ALL_VIEWER.originRequestPolicyId);
    expect(origin.CustomOriginConfig).toMatchObject({
      OriginProtocolPolicy: 'https-only',
      OriginSSLProtocols: ['TLSv1.2'],
    });
  });

  it('requires CloudFront’s client certificate at the API (origin mutual TLS), when configured', () => {
    Template.fromStack(closed.gateway).hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      MutualTlsAuthentication: { TruststoreUri: ORIGIN_MTLS.apiTruststoreUri },
    });
    expect(apiBehaviourAndOrigin(closed).origin.CustomOriginConfig).toMatchObject({
      OriginMtlsConfig: { ClientCertificateArn: ORIGIN_MTLS.apiOriginCertificateArn },
    });
    // Without the settings, no client certificate is asked for or presented.
    Template.fromStack(plain.gateway).resourceCountIs('AWS::ApiGatewayV2::DomainName', 0);
    expect(apiBehaviourAndOrigin(plain).origin.CustomOriginConfig).not.toHaveProperty('OriginMtlsConfig');
  });

  it('serves the site on the domain with TLSv1.2_2021', () => {
    expect(distribution(closed).ViewerCertificate).toMatchObject({
      AcmCertificateArn: CUSTOM_DOMAIN.webCertificateArn,
      MinimumProtocolVersion: 'TLSv1.2_2021',
      SslSupportMethod: 'sni-only',
    });
  });
});

describe('the API without a custom domain (a first dev deploy)', () => {
  it('keeps the execute-api endpoint, which CloudFront needs, and says so at synth', () => {
    const gateway = Template.fromStack(plain.gateway);
    gateway.hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: false });
    Annotations.fromStack(plain.gateway).hasWarning(
      '*',
      Match.stringLikeRegexp("the API's execute-api endpoint stays enabled"),
    );
    const { behaviour, origin } = apiBehaviourAndOrigin(plain);
    expect(JSON.stringify(origin.DomainName)).toContain('execute-api');
    expect(behaviour.OriginRequestPolicyId).toBe(
      OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER.originRequestPolicyId,
    );
  });

  it('is refused for prod* stages at synth', () => {
    expect(() => buildTestApp({ stage: 'prod', pdsEnvironment: 'production', pdsSecretName: 'pds' })).toThrow(
      /webDomainName: stage "prod" needs a custom domain/,
    );
  });
});

describe('the CloudFront web ACL', () => {
  function webAcl(built: TestApp) {
    if (!built.webAcl) throw new Error('no web ACL stack');
    const [acl] = Object.values(Template.fromStack(built.webAcl).findResources('AWS::WAFv2::WebACL'));
    return acl?.Properties as {
      Scope: string;
      DefaultAction: unknown;
      Rules: {
        Name: string;
        Priority: number;
        Action?: Record<string, unknown>;
        OverrideAction?: unknown;
        Statement: Record<string, Record<string, unknown>>;
        VisibilityConfig: Record<string, unknown>;
      }[];
    };
  }

  it('lives in its own stack in us-east-1, where CloudFront-scoped web ACLs must', () => {
    expect(plain.webAcl?.region).toBe('us-east-1');
    expect(plain.webAcl?.stackName).toBe('ClinicConnect-dev-WebAcl');
    expect(webAcl(plain)).toMatchObject({ Scope: 'CLOUDFRONT', DefaultAction: { Allow: {} } });
  });

  it('runs IP reputation, the per-IP API rate, known bad inputs and the common rule set, in that order', () => {
    const rules = webAcl(plain).Rules;
    expect(rules.map((rule) => [rule.Priority, rule.Name])).toEqual([
      [0, 'AWSManagedRulesAmazonIpReputationList'],
      [1, 'ApiRatePerIp'],
      [2, 'AWSManagedRulesKnownBadInputsRuleSet'],
      [3, 'AWSManagedRulesCommonRuleSet'],
    ]);
    for (const rule of rules.filter((r) => r.Name.startsWith('AWSManaged'))) {
      expect(rule.Statement.ManagedRuleGroupStatement).toMatchObject({ VendorName: 'AWS', Name: rule.Name });
      // The group's own actions (block), not count: only the listed rules are overridden.
      expect(rule.OverrideAction).toEqual({ None: {} });
    }
    for (const rule of rules) {
      expect(rule.VisibilityConfig).toMatchObject({ CloudWatchMetricsEnabled: true });
    }
  });

  it('counts, not blocks, only the common rules the API already enforces itself (body size)', () => {
    const common = webAcl(plain).Rules.find((rule) => rule.Name === 'AWSManagedRulesCommonRuleSet');
    expect(common?.Statement.ManagedRuleGroupStatement?.RuleActionOverrides).toEqual([
      { Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } },
    ]);
    expect(Object.keys(COMMON_RULE_SET_OVERRIDES)).toEqual(['SizeRestrictions_BODY']);
    const known = webAcl(plain).Rules.find((rule) => rule.Name === 'AWSManagedRulesKnownBadInputsRuleSet');
    expect(known?.Statement.ManagedRuleGroupStatement).not.toHaveProperty('RuleActionOverrides');
  });

  it('answers 429 to more than wafRateLimit /api requests from one IP in 5 minutes (1,000 by default)', () => {
    const rate = (built: TestApp) => webAcl(built).Rules.find((rule) => rule.Name === 'ApiRatePerIp');
    expect(rate(plain)?.Statement.RateBasedStatement).toMatchObject({
      Limit: 1_000,
      EvaluationWindowSec: RATE_WINDOW_SECONDS,
      AggregateKeyType: 'IP',
      ScopeDownStatement: {
        ByteMatchStatement: {
          FieldToMatch: { UriPath: {} },
          SearchString: '/api/',
          PositionalConstraint: 'STARTS_WITH',
        },
      },
    });
    expect(RATE_WINDOW_SECONDS).toBe(300);
    expect(rate(closed)?.Statement.RateBasedStatement).toMatchObject({ Limit: 500 });
    expect(rate(plain)?.Action).toMatchObject({
      Block: {
        CustomResponse: { ResponseCode: 429, ResponseHeaders: [{ Name: 'retry-after', Value: '60' }] },
      },
    });
  });

  it('keeps no request samples or logs (they would put viewers’ IPs in us-east-1)', () => {
    const acl = webAcl(plain);
    for (const config of [acl.Rules.map((rule) => rule.VisibilityConfig)].flat()) {
      expect(config).toMatchObject({ SampledRequestsEnabled: false });
    }
    Template.fromStack(plain.webAcl as never).resourceCountIs('AWS::WAFv2::LoggingConfiguration', 0);
  });

  it('is attached to the distribution, read across regions from the web ACL stack’s output', () => {
    const outputs = Template.fromStack(plain.webAcl as never).findOutputs('WebAclArn');
    expect(Object.keys(outputs)).toHaveLength(1);
    expect(distribution(plain).WebACLId).toEqual({
      'Fn::GetStackOutput': {
        StackName: 'ClinicConnect-dev-WebAcl',
        Region: 'us-east-1',
        OutputName: expect.stringMatching(/WebAclArn/),
      },
    });
    expect(plain.web.dependencies.map((stack) => stack.stackName)).toContain('ClinicConnect-dev-WebAcl');
  });

  it('is not made when the stage brings its own (webAclArn), which is attached instead', () => {
    const own = 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/clinic/0123abcd-4567';
    const byo = buildTestApp({ webAclArn: own }, { compliancePacks: false });
    expect(byo.webAcl).toBeUndefined();
    expect(byo.app.node.tryFindChild('ClinicConnect-dev-WebAcl')).toBeUndefined();
    expect(distribution(byo).WebACLId).toBe(own);
  });
});
