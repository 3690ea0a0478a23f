import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { getHealthRoute } from '../../functions/health/routes';
import { ROUTES } from '../../functions/routes';
import type { AppFunction } from '../../infra/constructs/app-function';
import { TRIGGER_FUNCTION_SETTINGS } from '../../infra/stacks/identity-stack';
import { buildTestApp, type TestApp } from './support';

type Statement = {
  Sid?: string;
  Effect?: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
};

let built: TestApp;
let identity: Template;
let web: Template;
let api: Template;

beforeAll(() => {
  built = buildTestApp();
  identity = Template.fromStack(built.identity);
  web = Template.fromStack(built.web);
  api = Template.fromStack(built.api);
});

/** A synthesized resource: CloudFormation JSON, read by property path in assertions. */
interface ResourceJson {
  logicalId: string;
  // biome-ignore lint/suspicious/noExplicitAny: template JSON, whose shape each assertion checks
  Properties: Record<string, any>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

/** The one resource of a type in a template. */
function only(template: Template, type: string): ResourceJson {
  const resources = Object.entries(template.findResources(type));
  expect(resources, type).toHaveLength(1);
  const [logicalId, resource] = resources[0] as [string, Omit<ResourceJson, 'logicalId'>];
  return { logicalId, ...resource };
}

const pool = () => only(identity, 'AWS::Cognito::UserPool');
const client = () => only(web, 'AWS::Cognito::UserPoolClient');
const logicalIdOf = (fn: AppFunction, part: 'function' | 'logGroup' | 'permissions') =>
  built.identity.getLogicalId(fn[part].node.defaultChild as never);
const statementsOf = (fn: Pick<AppFunction, 'permissions'>): Statement[] =>
  identity.toJSON().Resources[built.identity.getLogicalId(fn.permissions.node.defaultChild as never)]
    .Properties.PolicyDocument.Statement;
const actionsOf = (statement: Statement) => [statement.Action].flat();

describe('identity stack: user pool', () => {
  it('is the stage’s own stack', () => {
    expect(built.identity.stackName).toBe('ClinicConnect-dev-Identity');
    expect(built.identity.region).toBe('eu-west-2');
  });

  it('requires MFA for everyone, with an authenticator app only (no SMS, no email codes)', () => {
    expect(pool().Properties.MfaConfiguration).toBe('ON');
    expect(pool().Properties.EnabledMfas).toEqual(['SOFTWARE_TOKEN_MFA']);
    expect(pool().Properties.SmsConfiguration).toBeUndefined();
    // The two triggers' roles and the token trigger's practice data role; no SMS role.
    identity.resourceCountIs('AWS::IAM::Role', 3);
    // Remembered devices would let a device skip MFA: device tracking stays off.
    expect(pool().Properties.DeviceConfiguration).toBeUndefined();
  });

  it('signs in with a password first (no passwordless factors), then the authenticator', () => {
    expect(pool().Properties.Policies.SignInPolicy).toEqual({ AllowedFirstAuthFactors: ['PASSWORD'] });
  });

  it('has a strong password policy', () => {
    expect(pool().Properties.Policies.PasswordPolicy).toEqual({
      MinimumLength: 12,
      RequireLowercase: true,
      RequireUppercase: true,
      RequireNumbers: true,
      RequireSymbols: true,
      TemporaryPasswordValidityDays: 3,
      PasswordHistorySize: 5,
    });
  });

  it('is on the Plus plan with full-function threat protection', () => {
    expect(pool().Properties.UserPoolTier).toBe('PLUS');
    expect(pool().Properties.UserPoolAddOns).toEqual({ AdvancedSecurityMode: 'ENFORCED' });
  });

  it('blocks compromised credentials and high-risk sign-ins for every client', () => {
    const risk = only(identity, 'AWS::Cognito::UserPoolRiskConfigurationAttachment').Properties;
    expect(risk.UserPoolId).toEqual({ Ref: pool().logicalId });
    expect(risk.ClientId).toBe('ALL');
    expect(risk.CompromisedCredentialsRiskConfiguration).toEqual({
      Actions: { EventAction: 'BLOCK' },
      EventFilter: ['SIGN_IN', 'PASSWORD_CHANGE', 'SIGN_UP'],
    });
    expect(risk.AccountTakeoverRiskConfiguration.Actions).toEqual({
      LowAction: { EventAction: 'MFA_REQUIRED', Notify: false },
      MediumAction: { EventAction: 'MFA_REQUIRED', Notify: false },
      HighAction: { EventAction: 'BLOCK', Notify: false },
    });
  });

  it('signs in by email, case-insensitively, verified by code; the username is then Cognito’s generated id', () => {
    expect(pool().Properties).toMatchObject({
      UsernameAttributes: ['email'],
      UsernameConfiguration: { CaseSensitive: false },
      AutoVerifiedAttributes: ['email'],
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
      UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ['email'] },
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
    });
    expect(pool().Properties.AliasAttributes).toBeUndefined();
    expect(pool().Properties.Schema).toEqual([
      { Name: 'email', Required: true, Mutable: true },
      { Name: 'name', Required: false, Mutable: true },
    ]);
  });

  it('is protected from deletion and retained with its stack', () => {
    expect(pool().Properties.DeletionProtection).toBe('ACTIVE');
    expect(pool().DeletionPolicy).toBe('Retain');
    expect(pool().UpdateReplacePolicy).toBe('Retain');
  });

  it('has a managed-login (v2) domain under a Cognito prefix unique to the stack', () => {
    const domain = only(identity, 'AWS::Cognito::UserPoolDomain').Properties;
    expect(domain.ManagedLoginVersion).toBe(2);
    expect(domain.UserPoolId).toEqual({ Ref: pool().logicalId });
    expect(JSON.stringify(domain.Domain)).toContain('clinic-connect-dev-');
    expect(JSON.stringify(domain.Domain)).toContain('AWS::StackId');
  });
});

describe('identity stack: triggers', () => {
  it('runs pre sign-up and pre token generation (V2 event, for access-token claims)', () => {
    expect(pool().Properties.LambdaConfig).toEqual({
      PreSignUp: { 'Fn::GetAtt': [logicalIdOf(built.identity.preSignUp, 'function'), 'Arn'] },
      PreTokenGenerationConfig: {
        LambdaArn: { 'Fn::GetAtt': [logicalIdOf(built.identity.preTokenGeneration, 'function'), 'Arn'] },
        LambdaVersion: 'V2_0',
      },
    });
    for (const fn of [built.identity.preSignUp, built.identity.preTokenGeneration]) {
      identity.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [logicalIdOf(fn, 'function'), 'Arn'] },
        Principal: 'cognito-idp.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [pool().logicalId, 'Arn'] },
      });
    }
  });

  it('runs both like the route functions: arm64, Node 24, traced, own encrypted log group, within Cognito’s 5 s', () => {
    for (const fn of [built.identity.preSignUp, built.identity.preTokenGeneration]) {
      const props = identity.toJSON().Resources[logicalIdOf(fn, 'function')].Properties;
      expect(props).toMatchObject({
        Architectures: ['arm64'],
        Runtime: 'nodejs24.x',
        TracingConfig: { Mode: 'Active' },
        MemorySize: TRIGGER_FUNCTION_SETTINGS.memoryMb,
        Timeout: TRIGGER_FUNCTION_SETTINGS.timeoutSeconds,
        LoggingConfig: { LogGroup: { Ref: logicalIdOf(fn, 'logGroup') }, LogFormat: 'JSON' },
      });
      expect(TRIGGER_FUNCTION_SETTINGS.timeoutSeconds).toBeLessThanOrEqual(5);
      expect(identity.toJSON().Resources[logicalIdOf(fn, 'logGroup')].Properties).toMatchObject({
        RetentionInDays: 365,
        KmsKeyId: expect.anything(),
      });
      expect(props.Environment.Variables).toMatchObject({
        APP_VERSION: '1.2.3-test',
        STAGE: 'dev',
        POWERTOOLS_SERVICE_NAME: 'clinic-connect',
        STAFF_EMAIL_DOMAINS: 'nhs.net',
      });
    }
    const tokenEnv =
      identity.toJSON().Resources[logicalIdOf(built.identity.preTokenGeneration, 'function')].Properties
        .Environment.Variables;
    expect(JSON.stringify(tokenEnv.TABLE_DIRECTORY)).toContain('ClinicConnect-dev-Data');
  });

  it('passes a stage’s allowed domains to the triggers', () => {
    const stage = buildTestApp({ staffEmailDomains: 'nhs.net,nhs.uk' });
    const env = Template.fromStack(stage.identity).toJSON().Resources[
      stage.identity.getLogicalId(stage.identity.preSignUp.function.node.defaultChild as never)
    ].Properties.Environment.Variables;
    expect(env.STAFF_EMAIL_DOMAINS).toBe('nhs.net,nhs.uk');
  });

  it('gives the sign-up trigger no data access at all', () => {
    const data = statementsOf(built.identity.preSignUp).filter((s) =>
      actionsOf(s).some((a) => !a.startsWith('logs:') && !a.startsWith('xray:')),
    );
    expect(data).toEqual([]);
  });

  it('lets the token trigger read membership pointers itself, and one member’s role and status through its practice sessions', () => {
    const statements = statementsOf(built.identity.preTokenGeneration);
    const dynamo = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo).toHaveLength(1);
    expect(actionsOf(dynamo[0] as Statement)).toEqual(['dynamodb:GetItem']);
    const resources = [dynamo[0]?.Resource].flat();
    expect(resources).toHaveLength(1);
    expect(JSON.stringify(resources)).toMatch(/ClinicConnect-dev-Data:ExportsOutputFnGetAttdirectoryTable/);
    expect(JSON.stringify(resources)).not.toContain('/index/');
    expect(dynamo[0]?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['USER#*'] },
    });
    const assume = statements.filter((s) => actionsOf(s).includes('sts:AssumeRole'));
    expect(assume).toHaveLength(1);

    const session = statementsOf(built.identity.tokenClaimsDataRole);
    const read = session.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    expect(read).toEqual([
      expect.objectContaining({
        Action: 'dynamodb:GetItem',
        Condition: {
          'ForAllValues:StringEquals': {
            // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable.
            'dynamodb:LeadingKeys': ['PRACTICE#${aws:PrincipalTag/practiceId}'],
            'dynamodb:Attributes': ['pk', 'sk', 'practiceId', 'role', 'status'],
          },
          StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
        },
      }),
    ]);
    const other = statements.filter(
      (s) => !actionsOf(s).some((a) => /^(dynamodb|kms|logs|xray|sts):/.test(a)),
    );
    expect(other).toEqual([]);
  });

  it('grants nothing on "*" but X-Ray, and no wildcard actions', () => {
    for (const policy of Object.values(identity.findResources('AWS::IAM::ManagedPolicy'))) {
      // A Deny on "*" only narrows (the no-recording deny every role carries).
      const allows = (
        policy.Properties.PolicyDocument.Statement as (Statement & { Effect: string })[]
      ).filter((statement) => statement.Effect === 'Allow');
      for (const statement of allows) {
        const actions = actionsOf(statement);
        expect(actions.every((action) => !action.includes('*'))).toBe(true);
        // Deny statements on "*" (another practice's encryption context) only narrow what is allowed.
        if ([statement.Resource].flat().includes('*') && statement.Effect !== 'Deny') {
          expect(actions.every((action) => action.startsWith('xray:'))).toBe(true);
        }
      }
    }
    identity.resourceCountIs('AWS::IAM::Policy', 0);
  });
});

describe('identity: the console app client (web stack)', () => {
  it('is a public client: no secret', () => {
    expect(client().Properties.GenerateSecret).toBe(false);
  });

  it('uses the authorization code grant only (PKCE from the browser), with the OpenID scopes', () => {
    expect(client().Properties).toMatchObject({
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ['openid', 'email', 'profile'],
      SupportedIdentityProviders: ['COGNITO'],
      UserPoolId: {
        'Fn::ImportValue': expect.stringMatching(/^ClinicConnect-dev-Identity:ExportsOutputRefUserPool/),
      },
    });
    // No password-in-the-clear, admin or custom flows: managed login uses SRP, the console refresh tokens.
    expect(client().Properties.ExplicitAuthFlows).toEqual([
      'ALLOW_USER_SRP_AUTH',
      'ALLOW_REFRESH_TOKEN_AUTH',
    ]);
  });

  it('issues access and ID tokens for 10 minutes and refresh tokens for 12 hours, revocable', () => {
    expect(client().Properties).toMatchObject({
      AccessTokenValidity: 10,
      IdTokenValidity: 10,
      RefreshTokenValidity: 720,
      TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' },
      EnableTokenRevocation: true,
      PreventUserExistenceErrors: 'ENABLED',
    });
    expect(client().Properties.AccessTokenValidity).toBeLessThanOrEqual(15);
  });

  it('may write only the email and name attributes', () => {
    expect(client().Properties.WriteAttributes).toEqual(['email', 'name']);
  });

  it('has a managed-login style (required by managed login v2) for the client', () => {
    const branding = only(web, 'AWS::Cognito::ManagedLoginBranding').Properties;
    expect(branding).toMatchObject({
      ClientId: { Ref: client().logicalId },
      UseCognitoProvidedValues: true,
    });
  });
});

describe('identity: Cognito tokens guard the API', () => {
  it('has one JWT authorizer: the pool is the issuer, the console client the audience', () => {
    const authorizer = only(api, 'AWS::ApiGatewayV2::Authorizer').Properties;
    expect(authorizer).toMatchObject({
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Issuer: {
          'Fn::Join': [
            '',
            [
              'https://cognito-idp.eu-west-2.amazonaws.com/',
              {
                'Fn::ImportValue': expect.stringMatching(
                  /^ClinicConnect-dev-Identity:ExportsOutputRefUserPool/,
                ),
              },
            ],
          ],
        },
        Audience: [
          {
            'Fn::ImportValue': expect.stringMatching(
              `^ClinicConnect-dev-Web:ExportsOutputRef${client().logicalId}`,
            ),
          },
        ],
      },
    });
  });

  it('puts every account and staff route behind the authorizer, and no public one', () => {
    const authorizerId = only(api, 'AWS::ApiGatewayV2::Authorizer').logicalId;
    const routes = Object.values(api.findResources('AWS::ApiGatewayV2::Route'));
    expect(routes).toHaveLength(ROUTES.length);
    for (const route of ROUTES) {
      const resource = routes.find((r) => r.Properties.RouteKey === `${route.method} ${route.path}`);
      expect(resource, `${route.method} ${route.path}`).toBeDefined();
      if (route.auth === 'public') {
        expect(resource?.Properties.AuthorizationType, route.id).toBe('NONE');
        expect(resource?.Properties.AuthorizerId, route.id).toBeUndefined();
      } else {
        expect(resource?.Properties.AuthorizationType, route.id).toBe('JWT');
        expect(resource?.Properties.AuthorizerId, route.id).toEqual({ Ref: authorizerId });
      }
    }
    expect(ROUTES.some((route) => route.auth === 'account')).toBe(true);
    expect(ROUTES.some((route) => route.auth === 'staff')).toBe(true);
  });

  it('has no authorizer while every route is public', () => {
    const { api: publicOnly } = buildTestApp({}, { routes: [getHealthRoute] });
    Template.fromStack(publicOnly).resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
  });
});
