import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  App,
  Aspects,
  CustomResource,
  CustomResourceProvider,
  CustomResourceProviderRuntime,
  Stack,
} from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CfnRole, ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { NO_RECORDING_SID, NoRecordingAspect } from '../../infra/constructs/no-recording';
import { buildTestApp } from './support';

/** A throwaway handler directory: the provider only needs an index.js to point its asset at. */
function providerCode(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cc-provider-'));
  writeFileSync(join(dir, 'index.js'), 'exports.handler = async () => ({});');
  return dir;
}

type Statement = { Sid?: string; Effect: string; Action: string | string[] };

const denies = (statements: Statement[] = []) =>
  statements.some(
    (s) =>
      s.Sid === NO_RECORDING_SID &&
      s.Effect === 'Deny' &&
      [s.Action].flat().includes('chime:StartMeetingTranscription'),
  );

/** Role logical ids of a template that do not carry the deny, inline or through an attached policy. */
function rolesWithoutTheDeny(template: Template): string[] {
  const roles = template.findResources('AWS::IAM::Role');
  const policies = template.findResources('AWS::IAM::Policy');
  const managed = template.findResources('AWS::IAM::ManagedPolicy');
  const denyingManaged = Object.entries(managed)
    .filter(([, policy]) => denies(policy.Properties.PolicyDocument.Statement))
    .map(([id]) => id);
  return Object.entries(roles)
    .filter(([id, role]) => {
      const inline = (role.Properties?.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[];
      const attached = Object.values(policies).filter((policy) =>
        ((policy.Properties.Roles ?? []) as { Ref?: string }[]).some((ref) => ref.Ref === id),
      );
      const arns = JSON.stringify(role.Properties?.ManagedPolicyArns ?? []);
      const viaManaged = denyingManaged.some((policyId) => arns.includes(`"${policyId}"`));
      return !(
        viaManaged ||
        inline.some((p) => denies(p.PolicyDocument.Statement)) ||
        attached.some((p) => denies(p.Properties.PolicyDocument.Statement))
      );
    })
    .map(([id]) => id);
}

describe('the no-recording aspect', () => {
  it('the aspect puts the deny on every role: L2, L1 and the CDK’s own provider roles', () => {
    const app = new App();
    const stack = new Stack(app, 'Roles', { env: { region: 'eu-west-2', account: '123456789012' } });
    const role = new Role(stack, 'Fn', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    // Even a role someone gave the managed policy that allows transcription and capture.
    role.addManagedPolicy(ManagedPolicy.fromAwsManagedPolicyName('AmazonChimeSDK'));
    new CfnRole(stack, 'Raw', {
      assumeRolePolicyDocument: {
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      },
      policies: [
        {
          policyName: 'Own',
          policyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] },
        },
      ],
    });
    const provider = CustomResourceProvider.getOrCreateProvider(stack, 'Custom::Thing', {
      codeDirectory: providerCode(),
      runtime: CustomResourceProviderRuntime.NODEJS_22_X,
      policyStatements: [{ Effect: 'Allow', Action: 'kms:DescribeKey', Resource: '*' }],
    });
    new CustomResource(stack, 'Thing', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::Thing',
    });
    Aspects.of(app).add(new NoRecordingAspect());

    const template = Template.fromStack(stack);
    const roles = template.findResources('AWS::IAM::Role');
    expect(Object.keys(roles)).toHaveLength(3);
    expect(rolesWithoutTheDeny(template)).toEqual([]);
    // What the roles had before is still there.
    const raw = Object.values(roles).find((r) =>
      (r.Properties.Policies ?? []).some((p: { PolicyName: string }) => p.PolicyName === 'Own'),
    );
    // Its own policy untouched; the deny attached as the stack's one managed policy.
    expect(raw?.Properties.Policies).toHaveLength(1);
    expect(JSON.stringify(raw?.Properties.ManagedPolicyArns)).toContain('NeverRecordConsultations');
    const providerRole = Object.entries(roles).find(([id]) => id.startsWith('CustomThing'))?.[1];
    expect(JSON.stringify(providerRole?.Properties.Policies)).toContain('kms:DescribeKey');
  });

  it('covers every role of the real app, which applies it itself (infra/stacks/build-app.ts)', () => {
    const built = buildTestApp();
    const assembly = built.app.synth();
    let roles = 0;
    for (const stack of assembly.stacks) {
      const template = Template.fromJSON(stack.template as Record<string, unknown>);
      roles += Object.keys(template.findResources('AWS::IAM::Role')).length;
      expect(rolesWithoutTheDeny(template), stack.stackName).toEqual([]);
    }
    expect(roles).toBeGreaterThan(5);
  });
});
