import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLookupRoute } from '../../functions/lookup/routes';
import { ROUTES } from '../../functions/routes';
import type { AwsStage } from '../../infra/capabilities/capability';
import { capability as pds } from '../../infra/capabilities/pds';
import { PDS_ENVIRONMENTS } from '../../layers/pds/pds-config';
import { buildTestApp, inlinePoliciesOutsideCustomResources, nagFindings, type TestApp } from './support';

/**
 * What the lookup route's function is given to reach NHS England's PDS, per stage config. Two synthesized
 * apps in all (synth takes seconds): the default stage and an integration stage, each shared by every
 * assertion about it, nag included.
 */

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

interface Synthesized {
  built: TestApp;
  /** Every stack's template, by stack. */
  templates: Map<Stack, ReturnType<Template['toJSON']>>;
  api: Template;
}

function synthesize(context: Record<string, unknown>): Synthesized {
  const built = buildTestApp(context);
  const stacks = [built.data, built.identity, built.gateway, built.web, built.api];
  // The first fromStack synthesizes the app; the others read the same cloud assembly.
  const templates = new Map(stacks.map((stack) => [stack as Stack, Template.fromStack(stack).toJSON()]));
  return { built, templates, api: Template.fromStack(built.api) };
}

const INTEGRATION = {
  pdsEnvironment: 'integration',
  pdsSecretName: 'clinic-connect/pds',
  // Not the defaults, so that arriving in the environment shows they come from the config.
  lookupTtlSeconds: '900',
  lookupLimitPerUserPerHour: '25',
  lookupLimitPerPracticePerDay: '400',
};

let sandbox: Synthesized;
let integration: Synthesized;

beforeAll(() => {
  sandbox = synthesize({});
  integration = synthesize(INTEGRATION);
});

function routeFunction(app: Synthesized, routeId: string) {
  const fn = app.built.api.functions.get(routeId);
  if (!fn) throw new Error(`no function for ${routeId}`);
  return fn;
}

function resourceOf(app: Synthesized, construct: { node: { defaultChild?: unknown } }) {
  const logicalId = app.built.api.getLogicalId(construct.node.defaultChild as never);
  const resource = app.api.toJSON().Resources[logicalId];
  if (!resource) throw new Error(`no resource ${logicalId}`);
  return { logicalId, resource };
}

function environmentOf(app: Synthesized, routeId: string): Record<string, unknown> {
  return resourceOf(app, routeFunction(app, routeId).function).resource.Properties.Environment.Variables;
}

/** A CloudFormation string as text, pseudo-parameters and references shown as `<Name>`. */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    if (typeof object.Ref === 'string') return `<${object.Ref}>`;
    const join = object['Fn::Join'] as [string, unknown[]] | undefined;
    if (join) return join[1].map(render).join(join[0]);
  }
  return JSON.stringify(value);
}

/** Every statement of every IAM policy in every stack: managed, inline and inline-on-a-role. */
function allPolicyStatements(app: Synthesized) {
  const found: { stack: string; logicalId: string; statement: Statement }[] = [];
  for (const [stack, template] of app.templates) {
    for (const [logicalId, resource] of Object.entries(
      template.Resources as Record<string, { Type: string; Properties?: Record<string, unknown> }>,
    )) {
      const props = resource.Properties ?? {};
      const documents =
        resource.Type === 'AWS::IAM::ManagedPolicy' || resource.Type === 'AWS::IAM::Policy'
          ? [props.PolicyDocument]
          : resource.Type === 'AWS::IAM::Role'
            ? ((props.Policies as { PolicyDocument: unknown }[] | undefined) ?? []).map(
                (p) => p.PolicyDocument,
              )
            : [];
      for (const document of documents) {
        for (const statement of (document as { Statement: Statement[] }).Statement) {
          found.push({ stack: stack.stackName, logicalId, statement });
        }
      }
    }
  }
  return found;
}

/** The resources, across every stack, whose definition mentions Secrets Manager at all. */
function mentionsOfSecretsManager(app: Synthesized): string[] {
  const found: string[] = [];
  for (const [stack, template] of app.templates) {
    for (const [logicalId, resource] of Object.entries(template.Resources as Record<string, unknown>)) {
      if (/secretsmanager/i.test(JSON.stringify(resource))) found.push(`${stack.stackName}/${logicalId}`);
    }
  }
  return found.sort();
}

const PDS_VARIABLE = /^(PDS_|LOOKUP_)/;

describe('the lookup function with the default stage (PDS sandbox)', () => {
  it('calls the open sandbox, with no token endpoint and no secret', () => {
    const env = environmentOf(sandbox, 'createLookup');
    expect(env.PDS_BASE_URL).toBe('https://sandbox.api.service.nhs.uk/personal-demographics/FHIR/R4');
    expect(env).not.toHaveProperty('PDS_TOKEN_URL');
    expect(env).not.toHaveProperty('PDS_SECRET_ID');
    expect(env).not.toHaveProperty('PDS_CREDENTIALS_FILE');
  });

  it('gets the lookup area’s settings (their defaults here)', () => {
    expect(environmentOf(sandbox, 'createLookup')).toMatchObject({
      LOOKUP_TTL_SECONDS: '3600',
      LOOKUP_LIMIT_PER_USER_PER_HOUR: '60',
      LOOKUP_LIMIT_PER_PRACTICE_PER_DAY: '1000',
    });
  });

  it('is the only function told anything about PDS or lookups', () => {
    expect(ROUTES.filter((route) => route.uses?.includes('pds')).map((route) => route.id)).toEqual([
      'createLookup',
    ]);
    for (const route of ROUTES.filter((r) => r.id !== 'createLookup')) {
      const names = Object.keys(environmentOf(sandbox, route.id)).filter((name) => PDS_VARIABLE.test(name));
      expect(names, route.id).toEqual([]);
    }
  });

  it('grants nobody anything in Secrets Manager, and nothing in any stack mentions it', () => {
    const secrets = allPolicyStatements(sandbox).filter(({ statement }) =>
      /secretsmanager/i.test(JSON.stringify(statement)),
    );
    expect(secrets).toEqual([]);
    expect(mentionsOfSecretsManager(sandbox)).toEqual([]);
  });
});

describe('the lookup function with an integration stage (signed-JWT auth, operator-made secret)', () => {
  it('calls the integration PDS and its token endpoint, and is told which secret holds the key', () => {
    const env = environmentOf(integration, 'createLookup');
    expect(env.PDS_BASE_URL).toBe('https://int.api.service.nhs.uk/personal-demographics/FHIR/R4');
    expect(env.PDS_TOKEN_URL).toBe('https://int.api.service.nhs.uk/oauth2/token');
    // The stage's region and partition; the account is the deploying one (the stacks are account-agnostic).
    expect(render(env.PDS_SECRET_ID)).toBe(
      `arn:aws:secretsmanager:${integration.built.config.region}:<AWS::AccountId>:secret:clinic-connect/pds`,
    );
  });

  it('gets the lookup settings of the stage config', () => {
    expect(environmentOf(integration, 'createLookup')).toMatchObject({
      LOOKUP_TTL_SECONDS: '900',
      LOOKUP_LIMIT_PER_USER_PER_HOUR: '25',
      LOOKUP_LIMIT_PER_PRACTICE_PER_DAY: '400',
    });
  });

  it('may read that one secret (any of its suffixes) and nothing else in Secrets Manager', () => {
    const fn = routeFunction(integration, 'createLookup');
    const permissions = resourceOf(integration, fn.permissions).resource.Properties.PolicyDocument
      .Statement as Statement[];
    const secrets = permissions.filter((s) => /secretsmanager/i.test(JSON.stringify(s)));
    expect(secrets).toHaveLength(1);
    const [statement] = secrets as [Statement];
    expect(statement.Sid).toBe('ReadPdsSigningKey');
    expect(statement.Effect).toBe('Allow');
    expect([statement.Action].flat()).toEqual(['secretsmanager:GetSecretValue']);
    const resources = [statement.Resource].flat().map(render);
    expect(resources).toHaveLength(1);
    expect(resources[0]).toMatch(/secret:clinic-connect\/pds-\?\?\?\?\?\?$/);
    expect(resources[0]).toBe(
      `arn:aws:secretsmanager:${integration.built.config.region}:<AWS::AccountId>:secret:clinic-connect/pds-??????`,
    );
  });

  it('is the only policy in the app that mentions Secrets Manager', () => {
    const fn = routeFunction(integration, 'createLookup');
    const permissionsId = resourceOf(integration, fn.permissions).logicalId;
    const secrets = allPolicyStatements(integration).filter(({ statement }) =>
      /secretsmanager/i.test(JSON.stringify(statement)),
    );
    expect(secrets.map(({ stack, logicalId }) => `${stack}/${logicalId}`)).toEqual([
      `${integration.built.api.stackName}/${permissionsId}`,
    ]);
    // Nothing else anywhere either: only the function (told the secret's ARN) and its policy name it.
    const functionId = resourceOf(integration, fn.function).logicalId;
    expect(mentionsOfSecretsManager(integration)).toEqual(
      [functionId, permissionsId].map((id) => `${integration.built.api.stackName}/${id}`).sort(),
    );
    // CDK's inline default policies would get around the managed ones.
    expect(inlinePoliciesOutsideCustomResources(integration.api)).toEqual([]);
  });

  it('leaves every other function without PDS or lookup settings', () => {
    for (const route of ROUTES.filter((r) => r.id !== 'createLookup')) {
      const names = Object.keys(environmentOf(integration, route.id)).filter((name) =>
        PDS_VARIABLE.test(name),
      );
      expect(names, route.id).toEqual([]);
    }
  });

  it('leaves no unacknowledged compliance finding (AWS Solutions, HIPAA, NIST 800-53 r5, Serverless)', () => {
    expect(nagFindings(integration.built.app)).toEqual([]);
  });
});

describe('the PDS capability’s binding (no synth)', () => {
  function binding(context: Record<string, unknown>) {
    const stage = { config: { stage: 'dev' }, context: (key: string) => context[key] } as unknown as AwsStage;
    return pds.aws({ ...stage, scope: new Stack(new App(), 'Pds') }).use(createLookupRoute);
  }

  it('names production’s endpoints for production, and reads the signing key from the secret', () => {
    const { environment, statements } = binding({ pdsEnvironment: 'production', pdsSecretName: 'x' });
    expect(environment).toMatchObject({
      PDS_BASE_URL: PDS_ENVIRONMENTS.production.baseUrl,
      PDS_TOKEN_URL: PDS_ENVIRONMENTS.production.tokenUrl,
    });
    expect(environment?.PDS_SECRET_ID).toBeDefined();
    expect(statements?.map((statement) => statement.sid)).toEqual(['ReadPdsSigningKey']);
    expect(PDS_ENVIRONMENTS.production.baseUrl).toBe(
      'https://api.service.nhs.uk/personal-demographics/FHIR/R4',
    );
  });

  it('passes no secret to the sandbox', () => {
    const { environment, statements } = binding({});
    expect(environment).toEqual({ PDS_BASE_URL: PDS_ENVIRONMENTS.sandbox.baseUrl });
    expect(statements).toEqual([]);
  });
});
