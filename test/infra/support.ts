import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { loadCapabilities } from '../../infra/capabilities/registry';
import { loadStageConfig, REPO_ROOT, type StageConfig } from '../../infra/config';
import {
  type BuildAppOptions,
  buildApp,
  type ClinicConnectStacks,
  compliancePacks,
} from '../../infra/stacks/build-app';

/** The feature flags and settings `cdk synth` runs with, so tests see the same templates. */
const CDK_JSON_CONTEXT = (
  JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context?: object }
).context;

/** Every capability module, loaded once for all the tests of a file. */
export const CAPABILITIES = await loadCapabilities();

/** A stand-in for `web/dist`, so tests do not depend on (or wait for) a web build. */
export function fakeWebDist(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cc-web-dist-'));
  mkdirSync(join(dir, 'join'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console</title>');
  writeFileSync(join(dir, 'join', 'index.html'), '<!doctype html><title>join</title>');
  writeFileSync(join(dir, 'assets', 'app-abc123.js'), 'console.log(1);');
  return dir;
}

/** A stage's own domain, with its CloudFront certificate (us-east-1) and the API's (the stage region). */
export const CUSTOM_DOMAIN = {
  webDomainName: 'connect.example.nhs.uk',
  webCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0123abcd-4567',
  apiCertificateArn: 'arn:aws:acm:eu-west-2:123456789012:certificate/89abcdef-0123',
} as const;

/** Origin mutual TLS on top: CloudFront's client certificate and the API's truststore. */
export const ORIGIN_MTLS = {
  apiOriginCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/cdef0123-4567',
  apiTruststoreUri: 's3://clinic-connect-truststore/origin-ca.pem',
} as const;

/** What every test stage has unless a test says otherwise: a version and a built web app. */
export function testConfig(context: Record<string, unknown> = {}): StageConfig {
  return loadStageConfig(
    (key) => ({ appVersion: '1.2.3-test', webDistDir: fakeWebDist(), ...context })[key],
    {},
  );
}

export interface TestApp extends ClinicConnectStacks {
  app: App;
  config: StageConfig;
}

/**
 * A fresh app in its own output directory. Lambda bundling is skipped unless asked for: most assertions are
 * about the templates, and esbuild for every function in every test file would dominate the run time.
 */
export function buildTestApp(
  context: Record<string, unknown> = {},
  options: Partial<BuildAppOptions> & { bundle?: boolean } = {},
): TestApp {
  const { bundle = false, ...buildOptions } = options;
  const app = new App({
    outdir: mkdtempSync(join(tmpdir(), 'cc-cdk-out-')),
    context: {
      ...CDK_JSON_CONTEXT,
      // As the CLI does: templates name the asset directory of each function.
      'aws:cdk:enable-asset-metadata': true,
      ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
  });
  const config = testConfig(context);
  const stacks = buildApp(app, config, {
    compliancePacks: false,
    capabilities: CAPABILITIES,
    ...buildOptions,
  });
  return { app, config, ...stacks };
}

export interface NagFinding {
  rule: string;
  path: string;
}

/**
 * Every finding of the four compliance packs on an already synthesized app (acknowledged ones excluded): run
 * on the app a test has synthesized anyway, so checking nag costs no synth of its own.
 */
export function nagFindings(app: App): NagFinding[] {
  return compliancePacks(app).flatMap((pack) =>
    pack.validateScope(app).violations.flatMap((violation) =>
      violation.violatingResources.map((resource) => ({
        rule: violation.ruleName,
        path: resource.constructPath ?? '?',
      })),
    ),
  );
}

/**
 * Inline IAM policies (`AWS::IAM::Policy`) of a template, except AwsCustomResource's: CDK attaches each custom
 * resource's policy inline to its singleton provider's role, which runs only while CloudFormation deploys
 * (the account-level SMS settings). Every function role of ours has a customer-managed policy only.
 */
export function inlinePoliciesOutsideCustomResources(template: { toJSON(): unknown }): string[] {
  const resources = (
    template.toJSON() as { Resources: Record<string, { Type: string; Properties: { Roles?: unknown[] } }> }
  ).Resources;
  return Object.entries(resources)
    .filter(([, resource]) => resource.Type === 'AWS::IAM::Policy')
    .filter(([, resource]) =>
      (resource.Properties.Roles ?? []).some(
        (role) => !JSON.stringify(role).includes('AWS679f53fac002430cb0da5b7982bd2287ServiceRole'),
      ),
    )
    .map(([id]) => id);
}
