import { App, Stack, Validations } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildTestApp, CUSTOM_DOMAIN, nagFindings as findings, ORIGIN_MTLS } from './support';

const NAG_RULE = /^(AwsSolutions|HIPAA\.Security|NIST\.800\.53\.R5|Serverless)-/;

const VARIANTS = {
  'the default stage': {},
  'a stage with custom domain and a web ACL of its own': {
    ...CUSTOM_DOMAIN,
    webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/clinic/0123abcd-4567',
  },
  'a prod stage: custom domain, origin mutual TLS, production PDS': {
    stage: 'prod',
    pdsEnvironment: 'production',
    pdsSecretName: 'clinic-connect/pds',
    smsSenderId: 'Riverside',
    ...CUSTOM_DOMAIN,
    ...ORIGIN_MTLS,
  },
  'a stage whose web app is not built': { webDistDir: '/nonexistent/web/dist' },
  'a stage with a concrete account and another region': { account: '123456789012', region: 'eu-central-1' },
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('compliance packs (AWS Solutions, HIPAA Security, NIST 800-53 r5, Serverless)', () => {
  it.each(Object.entries(VARIANTS))('leave no unacknowledged finding in %s', (_name, context) => {
    const { app } = buildTestApp(context);
    app.synth();
    expect(findings(app)).toEqual([]);
  });

  it('fail the synth of the app when a finding is not acknowledged', () => {
    const { app } = buildTestApp({}, { compliancePacks: true });
    new Bucket(new Stack(app, 'Careless', { env: { region: 'eu-west-2' } }), 'PlainBucket');
    expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
  });

  it('let the real app synthesize with the packs registered', () => {
    const { app } = buildTestApp({}, { compliancePacks: true });
    expect(() => app.synth()).not.toThrow();
  });

  /**
   * Records every acknowledgement instead of applying it, then runs the packs: each acknowledgement must
   * match a real finding at or below the construct it sits on (no stale or speculative ones), none may sit
   * on an app or a stack (no blanket ones), and each must say why.
   */
  it.each([{}])(
    'acknowledge only real findings, on specific constructs, each with a reason (%o)',
    (context) => {
      const acknowledgements: { path: string; id: string; reason: string; scope: IConstruct }[] = [];
      const original = Validations.prototype.acknowledge;
      vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation(function (
        this: Validations,
        ...rules
      ) {
        const scope = (this as unknown as { scope: IConstruct }).scope;
        for (const rule of rules) {
          // aws-cdk-lib acknowledges some of its own CloudFormation-validation warnings: leave those alone.
          if (NAG_RULE.test(rule.id)) acknowledgements.push({ path: scope.node.path, scope, ...rule });
          else original.call(this, rule);
        }
      });
      const { app } = buildTestApp(context);
      app.synth();
      const raw = findings(app);
      expect(acknowledgements.length).toBeGreaterThan(0);

      for (const ack of acknowledgements) {
        expect(Stack.isStack(ack.scope) || App.isApp(ack.scope), `${ack.id} on ${ack.path}`).toBe(false);
        expect(ack.reason.length, `reason for ${ack.id} on ${ack.path}`).toBeGreaterThanOrEqual(60);
        const matched = raw.some(
          (f) => f.rule === ack.id && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)),
        );
        expect(matched, `${ack.id} on ${ack.path} matches no finding`).toBe(true);
      }
      for (const finding of raw) {
        const covered = acknowledgements.some(
          (ack) =>
            ack.id === finding.rule && (finding.path === ack.path || finding.path.startsWith(`${ack.path}/`)),
        );
        expect(covered, `${finding.rule} at ${finding.path}`).toBe(true);
      }
    },
  );
});
