import { CfnOutput, CrossStackReferences, ReferenceStrength, Stack, type StackProps } from 'aws-cdk-lib';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config';
import { acknowledge } from '../constructs/acknowledge';

/** CloudFront-scoped web ACLs exist only in us-east-1, by AWS's design; so does this stack. */
export const WEB_ACL_REGION = 'us-east-1';

/** WAF's window for the rate-based rule, in seconds (60, 120, 300 or 600). */
export const RATE_WINDOW_SECONDS = 300;

/**
 * Rules of AWS's managed groups that are set to count instead of block, each with the reason. A counted rule
 * still shows in the group's metrics.
 */
export const COMMON_RULE_SET_OVERRIDES: Readonly<Record<string, string>> = {
  // The API accepts bodies up to 16 KB (layers/http/request-parsing.ts) and refuses larger ones itself with a
  // 413 that the lookup route audits; the group's 8 KB limit would turn valid 8–16 KB requests into a bare
  // 403 that no audit event records.
  SizeRestrictions_BODY:
    'the API enforces its own body limit (16 KB) with a 413 that is audited; 8 KB would refuse valid requests',
};

export interface WebAclStackProps extends StackProps {
  config: StageConfig;
}

/**
 * The stage's CloudFront web ACL (AWS WAF), in us-east-1: AWS's managed IP reputation, known-bad-inputs and
 * common rule groups, and a per-IP rate limit on /api/*. The web stack attaches it to the distribution
 * (`webAclArn`, read across regions with Fn::GetStackOutput). Metrics only, no request logs: see the
 * acknowledgement below.
 */
export class WebAclStack extends Stack {
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: WebAclStackProps) {
    super(scope, id, props);
    const { config } = props;
    const metricPrefix = `ClinicConnect-${config.stage}`;
    const visibility = (name: string): CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName: `${metricPrefix}-${name}`,
      // Sampled requests hold viewers' IP addresses and headers, kept by WAF in us-east-1: off (see below).
      sampledRequestsEnabled: false,
    });
    const managed = (
      priority: number,
      name: string,
      overrides: Readonly<Record<string, string>> = {},
    ): CfnWebACL.RuleProperty => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: 'AWS',
          name,
          ...(Object.keys(overrides).length > 0
            ? {
                ruleActionOverrides: Object.keys(overrides).map((rule) => ({
                  name: rule,
                  actionToUse: { count: {} },
                })),
              }
            : {}),
        },
      },
      visibilityConfig: visibility(name),
    });

    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      name: `clinic-connect-${config.stage}`,
      description: `ClinicConnect ${config.stage}: web ACL of the CloudFront distribution`,
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('WebAcl'),
      customResponseBodies: {
        TooManyRequests: {
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify({
            type: 'about:blank',
            title: 'Too many requests',
            status: 429,
            detail: 'Too many requests from this network. Wait a minute and try again.',
          }),
        },
      },
      rules: [
        // Cheapest first: addresses AWS has seen attacking, before anything counts against a rate.
        managed(0, 'AWSManagedRulesAmazonIpReputationList'),
        {
          name: 'ApiRatePerIp',
          priority: 1,
          action: {
            block: {
              customResponse: {
                responseCode: 429,
                customResponseBodyKey: 'TooManyRequests',
                responseHeaders: [{ name: 'retry-after', value: '60' }],
              },
            },
          },
          statement: {
            rateBasedStatement: {
              limit: config.wafRateLimit,
              evaluationWindowSec: RATE_WINDOW_SECONDS,
              aggregateKeyType: 'IP',
              // Pages and hashed assets are cheap and cached; what costs (and what an attacker wants) is /api.
              scopeDownStatement: {
                byteMatchStatement: {
                  fieldToMatch: { uriPath: {} },
                  positionalConstraint: 'STARTS_WITH',
                  searchString: '/api/',
                  textTransformations: [{ priority: 0, type: 'NONE' }],
                },
              },
            },
          },
          visibilityConfig: visibility('ApiRatePerIp'),
        },
        managed(2, 'AWSManagedRulesKnownBadInputsRuleSet'),
        managed(3, 'AWSManagedRulesCommonRuleSet', COMMON_RULE_SET_OVERRIDES),
      ],
    });
    // Read by the web stack in the stage's region through Fn::GetStackOutput (a weak reference): a strong one
    // across regions would need CDK's export-writer and -reader Lambda functions in both stacks. WAF itself
    // refuses to delete a web ACL while a distribution uses it.
    CrossStackReferences.of(this.webAcl).produce(ReferenceStrength.WEAK);

    acknowledge(
      this.webAcl,
      ['HIPAA.Security-WAFv2LoggingEnabled', 'NIST.800.53.R5-WAFv2LoggingEnabled'],
      'Request logs of a CloudFront web ACL can only go to CloudWatch Logs or Firehose in us-east-1, and ' +
        "they hold every viewer's IP address and headers: that would put personal data outside the EU/UK " +
        '(R11). Every rule publishes CloudWatch metrics instead (counts, no personal data), and CloudFront ' +
        'access logs, in the stage region, record each request and the 403/429 that WAF answered.',
    );

    new CfnOutput(this, 'WebAclArn', { value: this.webAcl.attrArn });
  }

  get webAclArn(): string {
    return this.webAcl.attrArn;
  }
}
