import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { ManagedPolicy } from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_FUNCTIONS } from '../../functions/event-functions';
import { getHealthRoute } from '../../functions/health/routes';
import { ROUTES } from '../../functions/routes';
import { effectiveTableGrants, tableAccessStatements } from '../../infra/constructs/table-access';
import { DataStack } from '../../infra/stacks/data-stack';
import { FUNCTION_DEFAULTS } from '../../layers/functions/definition';
import type { RouteDefinition } from '../../layers/http/route';
import {
  buildTestApp,
  CUSTOM_DOMAIN,
  inlinePoliciesOutsideCustomResources,
  type TestApp,
  testConfig,
} from './support';

interface ResourceJson {
  Properties: {
    PolicyDocument: { Statement: Statement[] };
    Environment: { Variables: Record<string, unknown> };
    [key: string]: unknown;
  };
}

type Statement = {
  Sid?: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
};

let built: TestApp;
let template: Template;
let gateway: Template;

beforeAll(() => {
  built = buildTestApp();
  template = Template.fromStack(built.api);
  gateway = Template.fromStack(built.gateway);
});

function functionOf(routeId: string) {
  const fn = built.api.functions.get(routeId);
  if (!fn) throw new Error(`no function for ${routeId}`);
  return fn;
}

function resourceOf(construct: { node: { defaultChild?: unknown } }) {
  const logicalId = built.api.getLogicalId(construct.node.defaultChild as never);
  const resource = template.toJSON().Resources[logicalId];
  if (!resource) throw new Error(`no resource ${logicalId}`);
  return resource as ResourceJson;
}

function statementsOf(routeId: string): Statement[] {
  const policy = functionOf(routeId).node.findChild('Permissions') as ManagedPolicy;
  return resourceOf(policy).Properties.PolicyDocument.Statement;
}

const actionsOf = (statement: Statement) => [statement.Action].flat();

describe('api stack', () => {
  it('has one function and one HTTP API route per entry of ROUTES, one per event function, plus the operator’s on- and offboarding', () => {
    // And CDK's AwsCustomResource provider, which sets the account's SMS settings at deploy time.
    template.resourceCountIs('AWS::Lambda::Function', ROUTES.length + EVENT_FUNCTIONS.length + 2 + 1);
    template.resourceCountIs('AWS::ApiGatewayV2::Route', ROUTES.length);
    for (const route of ROUTES) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: `${route.method} ${route.path}`,
      });
      expect(resourceOf(functionOf(route.id).function).Properties.Handler).toBe('index.handler');
    }
  });

  it('runs every function on arm64 and Node 24, traced, with explicit memory and timeout', () => {
    for (const route of ROUTES) {
      const props = resourceOf(functionOf(route.id).function).Properties;
      expect(props).toMatchObject({
        Architectures: ['arm64'],
        Runtime: 'nodejs24.x',
        TracingConfig: { Mode: 'Active' },
        MemorySize: route.lambda?.memoryMb ?? FUNCTION_DEFAULTS.memoryMb,
        Timeout: route.lambda?.timeoutSeconds ?? FUNCTION_DEFAULTS.timeoutSeconds,
      });
    }
  });

  it('gives every function its own encrypted log group with a retention period', () => {
    for (const route of ROUTES) {
      const routeFunction = functionOf(route.id);
      const logGroupId = built.api.getLogicalId(routeFunction.logGroup.node.defaultChild as never);
      expect(resourceOf(routeFunction.function).Properties.LoggingConfig).toMatchObject({
        LogGroup: { Ref: logGroupId },
      });
      expect(resourceOf(routeFunction.logGroup).Properties).toMatchObject({
        RetentionInDays: 365,
        KmsKeyId: expect.anything(),
      });
    }
  });

  it('sets the base configuration, the table names each route uses and what its capabilities give', () => {
    for (const route of ROUTES) {
      const env = resourceOf(functionOf(route.id).function).Properties.Environment.Variables;
      expect(env).toMatchObject({
        APP_VERSION: '1.2.3-test',
        STAGE: 'dev',
        POWERTOOLS_SERVICE_NAME: 'clinic-connect',
        POWERTOOLS_METRICS_NAMESPACE: 'ClinicConnect',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      });
      expect(env).not.toHaveProperty('DYNAMODB_ENDPOINT');
      expect(env).not.toHaveProperty('AWS_REGION');
      // Only the route whose handler checks the allow-list is told it (its declared setting).
      if (route.settings?.shape.STAFF_EMAIL_DOMAINS) expect(env.STAFF_EMAIL_DOMAINS).toBe('nhs.net');
      else expect(env).not.toHaveProperty('STAFF_EMAIL_DOMAINS');
      if (route.uses?.includes('identity-admin')) expect(env.USER_POOL_ID).toEqual(expect.anything());
      else expect(env).not.toHaveProperty('USER_POOL_ID');
      const tableVars = Object.keys(env).filter((name) => name.startsWith('TABLE_'));
      const expected = Object.keys(effectiveTableGrants(route)).map((id) => `TABLE_${id.toUpperCase()}`);
      expect(tableVars.sort()).toEqual(expected.sort());
    }
  });

  it('never grants DynamoDB or KMS on "*", and no DynamoDB wildcard actions', () => {
    for (const policy of Object.values(template.findResources('AWS::IAM::ManagedPolicy'))) {
      const statements = policy.Properties.PolicyDocument.Statement as (Statement & { Effect: string })[];
      // A Deny on "*" narrows (the practice data role denies other practices' encryption contexts everywhere).
      for (const statement of statements.filter((s) => s.Effect === 'Allow')) {
        const actions = actionsOf(statement);
        if (actions.some((action) => action.startsWith('dynamodb:') || action.startsWith('kms:'))) {
          // CreateKey has no resource to name: it is allowed only with this app's and stage's request tags.
          if (statement.Sid === 'CreatePracticeKeys') {
            expect(actions.sort()).toEqual(['kms:CreateKey', 'kms:TagResource']);
            expect(statement).toMatchObject({
              Condition: {
                StringEquals: { 'aws:RequestTag/app': 'clinic-connect', 'aws:RequestTag/stage': 'dev' },
              },
            });
            continue;
          }
          expect([statement.Resource].flat()).not.toContain('*');
          expect(actions.every((action) => !action.includes('*'))).toBe(true);
        }
      }
    }
    // CDK's inline default policies would bypass all of the above.
    expect(inlinePoliciesOutsideCustomResources(template)).toEqual([]);
  });

  it('limits the health check to reading the PLATFORM partition of the directory table', () => {
    const dynamo = statementsOf('getHealth').filter((s) =>
      actionsOf(s).some((a) => a.startsWith('dynamodb:')),
    );
    expect(dynamo).toHaveLength(1);
    expect(actionsOf(dynamo[0] as Statement).sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:Query',
    ]);
    expect(dynamo[0]?.Condition).toEqual({
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['PLATFORM'] },
    });
    const kms = statementsOf('getHealth').filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')));
    expect(kms).toHaveLength(1);
    expect(actionsOf(kms[0] as Statement)).toEqual(['kms:Decrypt']);
  });

  it('grants a function nothing on data when its route declares no tables', () => {
    const publicWithoutTables = ROUTES.filter((route) => route.auth === 'public' && !route.tables);
    for (const route of publicWithoutTables) {
      const data = statementsOf(route.id).filter((s) =>
        actionsOf(s).some((a) => a.startsWith('dynamodb:') || a.startsWith('kms:')),
      );
      expect(data).toEqual([]);
    }
  });

  it('lets only routes that use identity-admin end sessions and reset authenticators, in the stage pool only', () => {
    for (const route of ROUTES) {
      const cognito = statementsOf(route.id).filter((s) =>
        actionsOf(s).some((a) => a.startsWith('cognito-idp:')),
      );
      if (!route.uses?.includes('identity-admin')) {
        expect(cognito, route.id).toEqual([]);
        continue;
      }
      expect(cognito).toHaveLength(1);
      expect(actionsOf(cognito[0] as Statement).sort()).toEqual([
        'cognito-idp:AdminSetUserMFAPreference',
        'cognito-idp:AdminUserGlobalSignOut',
      ]);
      expect(JSON.stringify(cognito[0]?.Resource)).toContain('ClinicConnect-dev-Identity');
    }
    expect(ROUTES.some((route) => route.uses?.includes('identity-admin'))).toBe(true);
  });

  it('adds its routes to the gateway stack’s HTTP API', () => {
    const apiRef = built.gateway.getLogicalId(built.gateway.httpApi.node.defaultChild as never);
    for (const route of Object.values(template.findResources('AWS::ApiGatewayV2::Route'))) {
      expect(JSON.stringify(route.Properties.ApiId)).toContain(
        `ClinicConnect-dev-Gateway:ExportsOutputRef${apiRef}`,
      );
    }
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
    gateway.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    gateway.resourceCountIs('AWS::ApiGatewayV2::Route', 0);
  });
});

describe('the API’s stage (api stack: route settings need the routes first)', () => {
  const stageOf = (t: Template) => {
    const stages = Object.entries(t.findResources('AWS::ApiGatewayV2::Stage'));
    expect(stages).toHaveLength(1);
    return stages[0] as [string, { Properties: Record<string, unknown>; DependsOn?: string[] }];
  };

  it('logs request metadata only: no path, query string, headers or body', () => {
    const [, stage] = stageOf(template);
    const format = (stage.Properties.AccessLogSettings as { Format: string }).Format;
    const fields = JSON.parse(format) as Record<string, string>;
    expect(Object.values(fields)).toContain('$context.requestId');
    expect(Object.values(fields)).toContain('$context.routeKey');
    expect(Object.values(fields)).toContain('$context.status');
    expect(format).not.toMatch(
      /\$context\.(path|rawPath|rawQueryString|requestBody)|\$input|querystring|header/i,
    );
    gateway.resourceCountIs('AWS::ApiGatewayV2::Stage', 0);
  });

  it('deploys routes as soon as they change', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: '$default', AutoDeploy: true });
  });

  it('throttles every route at the stage’s rate, and each route that declares one at its own, tighter rate', () => {
    const [, stage] = stageOf(template);
    expect(stage.Properties.DefaultRouteSettings).toEqual({
      ThrottlingBurstLimit: 100,
      ThrottlingRateLimit: 50,
    });
    const declared = ROUTES.filter((route) => route.throttle);
    expect(declared.map((route) => route.id)).toContain('createLookup');
    expect(stage.Properties.RouteSettings).toEqual(
      Object.fromEntries(
        declared.map((route) => [
          `${route.method} ${route.path}`,
          {
            ThrottlingRateLimit: route.throttle?.rateLimit,
            ThrottlingBurstLimit: route.throttle?.burstLimit,
          },
        ]),
      ),
    );
    expect(stage.Properties.RouteSettings).toMatchObject({
      'POST /api/lookups': { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
    });
    // The stage is created (and updated) after every route it could name.
    const routes = Object.keys(template.findResources('AWS::ApiGatewayV2::Route'));
    expect(routes.length).toBe(ROUTES.length);
    for (const route of routes) expect(stage.DependsOn ?? []).toContain(route);
  });

  it('throttles a stage’s routes with the stage’s own limits, and refuses a route throttle looser than them', () => {
    const tight = buildTestApp({ apiRateLimit: 20, apiBurstLimit: 40 });
    const [, stage] = stageOf(Template.fromStack(tight.api));
    expect(stage.Properties.DefaultRouteSettings).toEqual({
      ThrottlingBurstLimit: 40,
      ThrottlingRateLimit: 20,
    });
    const loose: RouteDefinition = {
      ...getHealthRoute,
      id: 'loose',
      throttle: { rateLimit: 500, burstLimit: 5 },
    };
    expect(() =>
      buildTestApp({}, { routes: [loose], entryOf: () => 'functions/health/get-health.handler.ts' }),
    ).toThrow(/loose: its throttle \(500\/s, burst 5\) must be tighter than the stage's/);
  });
});

describe('reserved concurrency: functions that call outside systems', () => {
  const reserved = (t: Template, app: TestApp) =>
    Object.fromEntries(
      [...app.api.functions].map(([id, fn]) => {
        const resource = t.toJSON().Resources[app.api.getLogicalId(fn.function.node.defaultChild as never)];
        return [id, resource.Properties.ReservedConcurrentExecutions as number | undefined];
      }),
    );

  it('reserves (and caps) what their outside systems ask for: PDS 25, Cognito’s admin APIs 5; nothing for the rest', () => {
    const byFunction = reserved(template, built);
    for (const route of ROUTES) {
      const expected = route.uses?.includes('pds')
        ? 25
        : route.uses?.includes('identity-admin')
          ? 5
          : undefined;
      expect(byFunction[route.id], route.id).toBe(expected);
    }
    expect(byFunction.createLookup).toBe(25);
    expect(byFunction.updateStaff).toBe(5);
  });

  it('takes a function’s own declaration over its capabilities’', () => {
    const own: RouteDefinition = {
      ...getHealthRoute,
      id: 'own',
      uses: ['identity-admin'],
      lambda: { reservedConcurrency: 2 },
    };
    const app = buildTestApp({}, { routes: [own], entryOf: () => 'functions/health/get-health.handler.ts' });
    expect(reserved(Template.fromStack(app.api), app).own).toBe(2);
  });

  it('reserves nothing on a stage that says so (a new account’s low quota), which prod* stages may not', () => {
    const low = buildTestApp({ reserveConcurrency: 'false' });
    expect(Object.values(reserved(Template.fromStack(low.api), low)).filter(Boolean)).toEqual([]);
    expect(() =>
      testConfig({
        stage: 'prod',
        reserveConcurrency: 'false',
        ...CUSTOM_DOMAIN,
        pdsEnvironment: 'production',
      }),
    ).toThrow(/reserveConcurrency: stage "prod" must reserve concurrency/);
  });
});

describe('table access from a route declaration', () => {
  function render(route: RouteDefinition): Statement[] {
    const data = new DataStack(new App(), 'Data', { config: testConfig() });
    const statements = tableAccessStatements(effectiveTableGrants(route), data.tables, data.tableKey);
    return statements.map((statement) => data.resolve(statement.toStatementJson()) as Statement);
  }

  it('adds write actions and data-key use for readwrite, on the table and its named indexes', () => {
    const [records, key] = render({
      ...getHealthRoute,
      id: 'putRecord',
      tables: { records: { access: 'readwrite', scope: 'practice' } },
    });
    expect(actionsOf(records as Statement).sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:ConditionCheckItem',
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    expect(JSON.stringify(records?.Resource)).toContain('/index/gsi1');
    expect(records?.Condition).toEqual({
      'ForAllValues:StringNotEquals': { 'dynamodb:LeadingKeys': ['PLATFORM'] },
    });
    expect(actionsOf(key as Statement).sort()).toEqual(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']);
    expect(key?.Condition).toEqual({
      StringEquals: {
        'kms:ViaService': { 'Fn::Join': ['', ['dynamodb.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
      },
    });
  });

  it('gives "any" scope no partition condition, and names the table and its indexes (the audit table’s byPatient)', () => {
    const [audit] = render({ ...getHealthRoute, tables: { audit: { access: 'read', scope: 'any' } } });
    expect([audit?.Resource].flat()).toHaveLength(2);
    expect(JSON.stringify(audit?.Resource)).toContain('/index/byPatient');
    expect(audit?.Condition).toBeUndefined();
  });

  it('appends to the audit table without update or delete: a conditional put only', () => {
    const [audit] = render({ ...getHealthRoute, tables: { audit: { access: 'append', scope: 'any' } } });
    expect(actionsOf(audit as Statement).sort()).toEqual(['dynamodb:ConditionCheckItem', 'dynamodb:PutItem']);
  });

  it('lets every staff route read staff records in the directory, which the staff gate checks', () => {
    expect(effectiveTableGrants({ ...getHealthRoute, auth: 'staff', tables: {} })).toEqual({
      directory: { access: 'read', scope: 'practice' },
    });
    expect(
      effectiveTableGrants({
        ...getHealthRoute,
        auth: 'staff',
        tables: { directory: { access: 'readwrite', scope: 'platform' } },
      }),
    ).toEqual({ directory: { access: 'readwrite', scope: 'any' } });
  });

  it('lets only the operator’s onboarding function create and name practice keys, for this stage', () => {
    const creators = Object.entries(template.findResources('AWS::IAM::ManagedPolicy')).filter(([, policy]) =>
      (policy.Properties.PolicyDocument.Statement as Statement[]).some((statement) =>
        actionsOf(statement).some((action) => ['kms:CreateKey', 'kms:CreateAlias'].includes(action)),
      ),
    );
    expect(creators.map(([id]) => id)).toEqual([expect.stringMatching(/^OnboardPractice/)]);
    const statements = creators[0]?.[1].Properties.PolicyDocument.Statement as (Statement & {
      Sid: string;
    })[];
    const named = statements.find((statement) => statement.Sid === 'NamePracticeKeys');
    expect(JSON.stringify(named?.Resource)).toContain(':alias/clinic-connect/dev/practice/*');
    const administer = statements.find((statement) => statement.Sid === 'AdministerPracticeKeys');
    expect(administer).toMatchObject({
      Condition: {
        StringEquals: { 'aws:ResourceTag/app': 'clinic-connect', 'aws:ResourceTag/stage': 'dev' },
      },
    });
    // Nor delete any key: tags it may set at creation could otherwise make another key deletable.
    expect(statements.flatMap(actionsOf)).not.toContain('kms:ScheduleKeyDeletion');
    expect(statements.find((statement) => statement.Sid === 'CreatePracticeKeys')?.Condition).toMatchObject({
      'ForAllValues:StringEquals': { 'aws:TagKeys': ['practiceId', 'app', 'stage'] },
    });
    // It may not use practice keys (no Encrypt, Decrypt or GenerateDataKey), so it can read no practice's data.
    for (const use of ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey']) {
      const onPracticeKeys = statements.filter(
        (s) => actionsOf(s).includes(use) && JSON.stringify(s.Resource).includes(':key/*'),
      );
      expect(onPracticeKeys).toEqual([]);
    }
  });

  it('alarms operators on PDS refusing our credentials, PDS outages, rate limits, unsealed audit trails and unhandled errors', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    const byMetric = new Map(alarms.map((alarm) => [alarm.Properties.MetricName, alarm.Properties]));
    expect([...byMetric.keys()].sort()).toEqual([
      // The invitation dead-letter queue's and the receipt failures queue's depth.
      'ApproximateNumberOfMessagesVisible',
      'AuditSealFailures',
      'InviteRateLimited',
      'InviteSendGaveUp',
      'LookupRateLimited',
      'PdsAccessDenied',
      'PdsUnavailable',
      'SmsDeliveryLogUnreadable',
      'UnhandledErrors',
    ]);
    expect(byMetric.get('PdsAccessDenied')).toMatchObject({
      Namespace: 'ClinicConnect',
      Dimensions: [{ Name: 'service', Value: 'clinic-connect' }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toHaveLength(1);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });

  it('offboards through its own practice data role: its own role may shred practice keys and write exports, not read data', () => {
    const policies = Object.entries(template.findResources('AWS::IAM::ManagedPolicy')).filter(
      ([id]) => id.startsWith('OffboardPractice') && !id.startsWith('OffboardPracticePracticeData'),
    );
    expect(policies).toHaveLength(1);
    const statements = policies[0]?.[1].Properties.PolicyDocument.Statement as Statement[];
    const bySid = new Map(statements.map((statement) => [statement.Sid, statement]));
    expect(actionsOf(bySid.get('AssumePracticeDataRole') as Statement).sort()).toEqual([
      'sts:AssumeRole',
      'sts:TagSession',
    ]);
    expect(bySid.get('ShredPracticeKeys')).toMatchObject({
      Condition: {
        StringEquals: { 'aws:ResourceTag/app': 'clinic-connect', 'aws:ResourceTag/stage': 'dev' },
      },
    });
    expect(JSON.stringify(bySid.get('WriteExports')?.Resource)).toContain('/exports/*');
    // No practice data with its own credentials: no practice-key use, no PRACTICE# partition.
    for (const statement of statements) {
      const actions = actionsOf(statement);
      if (actions.includes('kms:Decrypt')) expect(statement.Sid).toMatch(/^(ExportKey|TableKeyViaDynamoDB)$/);
      expect(JSON.stringify(statement.Condition ?? {})).not.toContain('PRACTICE#');
    }
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) }),
        ],
      },
      PublicAccessBlockConfiguration: Match.objectLike({
        BlockPublicAcls: true,
        RestrictPublicBuckets: true,
      }),
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 30 })] },
    });
  });
});
