import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_FUNCTIONS } from '../../functions/event-functions';
import { getHealthRoute } from '../../functions/health/routes';
import { ROUTES } from '../../functions/routes';
import { practiceDataRoleName } from '../../infra/constructs/practice-data-role';
import {
  ACCOUNT_KEYS,
  effectiveTableGrants,
  PRACTICE_PARTITION_PREFIX,
  PRACTICE_TAG_KEY,
  practicePartitionAccess,
  tableActions,
  usesPracticeData,
} from '../../infra/constructs/table-access';
import { TOKEN_TRIGGER_PARTITIONS } from '../../infra/stacks/identity-stack';
import { auditKeys } from '../../layers/audit/audit-log';
import { directoryKeys } from '../../layers/directory/model';
import { handlerModule } from '../../layers/functions/definition';
import type { RouteDefinition } from '../../layers/http/route';
import { PRACTICE_TAG_KEY as ADAPTER_TAG_KEY } from '../../layers/isolation/practice-credentials';
import { PLATFORM_PARTITION } from '../../layers/storage/tables';
import { buildTestApp, inlinePoliciesOutsideCustomResources, type TestApp } from './support';

type Json = Record<string, unknown>;
type Statement = {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: unknown;
  Principal?: { AWS?: unknown; Service?: unknown };
  Condition?: Record<string, Record<string, unknown>>;
};
interface Resource {
  Type: string;
  Properties: Json;
}

const actionsOf = (statement: Statement) => [statement.Action].flat();
const isDynamo = (statement: Statement) => actionsOf(statement).some((a) => a.startsWith('dynamodb:'));
// biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, written as IAM reads it.
const PRINCIPAL_TAG = '${aws:PrincipalTag/practiceId}';
const REGION_VIA_DYNAMODB = { 'Fn::Join': ['', ['dynamodb.', { Ref: 'AWS::Region' }, '.amazonaws.com']] };

/** IAM's StringLike: `*` any run of characters, `?` exactly one. */
function like(pattern: string, value: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(value);
}

/**
 * Whether a DynamoDB statement's LeadingKeys condition lets a request through whose every partition key is
 * `key`, for a session tagged `practiceId` (or the function's own role: no tag). Only the operators these
 * policies use; anything else fails the test rather than passing silently.
 */
function leadingKeysAllow(statement: Statement, key: string, practiceId?: string): boolean {
  const entries = Object.entries(statement.Condition ?? {});
  if (entries.length === 0) return true;
  return entries.every(([operator, block]) => {
    const values = [block['dynamodb:LeadingKeys']].flat() as string[];
    if (Object.keys(block).length !== 1 || values.length === 0 || values[0] === undefined) {
      throw new Error(`unexpected condition ${JSON.stringify(statement.Condition)}`);
    }
    const patterns = values.map((value) =>
      value.includes(PRINCIPAL_TAG)
        ? practiceId === undefined
          ? undefined // no tag: the variable is missing and the condition cannot match
          : value.replaceAll(PRINCIPAL_TAG, practiceId)
        : value,
    );
    const live = patterns.filter((pattern): pattern is string => pattern !== undefined);
    switch (operator) {
      case 'ForAllValues:StringEquals':
        return live.includes(key);
      case 'ForAllValues:StringLike':
        return live.some((pattern) => like(pattern, key));
      case 'ForAllValues:StringNotEquals':
        return !live.includes(key);
      default:
        throw new Error(`unexpected operator ${operator}`);
    }
  });
}

interface Built {
  stacks: TestApp;
  api: Template;
  identity: Template;
}

/** `directory`, `directory/index/gsi1`, ...: which table or index a statement's resource names. */
function resourceKinds(statement: Statement): string[] {
  return [statement.Resource].flat().map((resource) => {
    const json = JSON.stringify(resource);
    const table = /(directory|records|audit)Table/.exec(json)?.[1];
    if (!table) throw new Error(`not a table: ${json}`);
    const index = /\/index\/(\w+)/.exec(json)?.[1];
    return index ? `${table}/index/${index}` : table;
  });
}

/** Whether some Allow statement lets `action` on `kind` through for a request whose partition key is `key`. */
function allows(statements: Statement[], action: string, kind: string, key: string, practiceId?: string) {
  return statements.some(
    (statement) =>
      statement.Effect === 'Allow' &&
      actionsOf(statement).includes(action) &&
      resourceKinds(statement).includes(kind) &&
      leadingKeysAllow(statement, key, practiceId),
  );
}

/** The partition keys that occur in each table and index (on an index only Query applies). */
const SAMPLE_KEYS: Record<string, string[]> = {
  directory: ['PLATFORM', 'USER#sub-1', 'PRACTICE#practice-a', 'PRACTICE#practice-b'],
  'directory/index/gsi1': ['ODS#A81001', 'PRACTICE#practice-a'],
  records: ['PLATFORM', 'PRACTICE#practice-a', 'PRACTICE#practice-b'],
  'records/index/gsi1': ['PRACTICE#practice-a'],
  audit: ['PLATFORM', 'PRACTICE#practice-a', 'PRACTICE#practice-b'],
};
const ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:Query',
  'dynamodb:BatchGetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:ConditionCheckItem',
];

function built(context: Json = {}, routes?: readonly RouteDefinition[]): Built {
  // Made-up routes borrow a real handler module (CDK wants the file to exist, though it does not bundle here).
  const stacks = buildTestApp(
    context,
    // Made-up route tables come without the event functions, which touch practice data of their own.
    routes ? { routes, eventFunctions: [], entryOf: () => handlerModule(getHealthRoute) } : {},
  );
  return { stacks, api: Template.fromStack(stacks.api), identity: Template.fromStack(stacks.identity) };
}

function resources(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.toJSON().Resources as Record<string, Resource>).filter(
    ([, resource]) => resource.Type === type,
  );
}

function logicalId(app: Built, construct: { node: { defaultChild?: unknown } }): string {
  return app.stacks.api.getLogicalId(construct.node.defaultChild as never);
}

function propertiesOf(app: Built, construct: { node: { defaultChild?: unknown } }) {
  const id = logicalId(app, construct);
  const resource = (app.api.toJSON().Resources as Record<string, Resource>)[id];
  if (!resource) throw new Error(`no resource ${id}`);
  return resource.Properties;
}

function functionOf(app: Built, routeId: string) {
  const fn = app.stacks.api.functions.get(routeId);
  if (!fn) throw new Error(`no function for ${routeId}`);
  return fn;
}

function statementsOf(app: Built, construct: { node: { defaultChild?: unknown } }): Statement[] {
  return (propertiesOf(app, construct).PolicyDocument as { Statement: Statement[] }).Statement;
}

function routeStatements(app: Built, routeId: string): Statement[] {
  return statementsOf(app, functionOf(app, routeId).permissions);
}

function envOf(app: Built, routeId: string): Json {
  return (propertiesOf(app, functionOf(app, routeId).function).Environment as { Variables: Json }).Variables;
}

function dataRoleOf(app: Built, routeId: string) {
  const dataRole = functionOf(app, routeId).practiceDataRole;
  if (!dataRole) throw new Error(`no practice data role for ${routeId}`);
  return dataRole;
}

function sessionStatements(app: Built, routeId: string): Statement[] {
  return statementsOf(app, dataRoleOf(app, routeId).permissions);
}

// Routes and event functions alike: each that touches practice data has its own data role.
const practiceRoutes = [...ROUTES, ...EVENT_FUNCTIONS].filter((route) =>
  usesPracticeData(effectiveTableGrants(route)),
);
const TAG_CONDITIONS = {
  Null: { 'aws:RequestTag/practiceId': 'false' },
  StringLike: { 'aws:RequestTag/practiceId': '???*' },
  'ForAllValues:StringEquals': { 'aws:TagKeys': ['practiceId'] },
};

describe('the key layout the policies rely on', () => {
  it('puts every practice item in exactly PRACTICE#<practiceId>, and membership pointers under USER#', () => {
    expect(directoryKeys.practicePartition('p-1')).toBe(`${PRACTICE_PARTITION_PREFIX}p-1`);
    expect(directoryKeys.practice('p-1').pk).toBe(`${PRACTICE_PARTITION_PREFIX}p-1`);
    expect(directoryKeys.staff('p-1', 's').pk).toBe(`${PRACTICE_PARTITION_PREFIX}p-1`);
    expect(auditKeys.partition('p-1')).toBe(`${PRACTICE_PARTITION_PREFIX}p-1`);
    expect(ACCOUNT_KEYS.directory.partitions).toEqual(['USER#*']);
    expect(like('USER#*', directoryKeys.membership('sub-1').pk)).toBe(true);
    expect(like('ODS#*', directoryKeys.practiceByOds('A81001').gsi1pk)).toBe(true);
    for (const keys of Object.values(ACCOUNT_KEYS)) {
      for (const pattern of [...keys.partitions, ...Object.values(keys.indexes).flat()]) {
        expect(like(pattern, directoryKeys.practicePartition('p-1')), pattern).toBe(false);
        expect(like(pattern, PLATFORM_PARTITION), pattern).toBe(false);
      }
    }
  });

  it('tags sessions with the key the policies read', () => {
    expect(PRACTICE_TAG_KEY).toBe('practiceId');
    expect(ADAPTER_TAG_KEY).toBe(PRACTICE_TAG_KEY);
  });

  it('has routes that touch practice data and one that touches only platform items', () => {
    expect(practiceRoutes.map((route) => route.id)).toEqual(
      expect.arrayContaining(['getMe', 'listStaff', 'updateStaff', 'registerWithPractice']),
    );
    expect(usesPracticeData(effectiveTableGrants(getHealthRoute))).toBe(false);
  });
});

describe('practice data only through each function’s own practice data role', () => {
  let app: Built;

  beforeAll(() => {
    app = built();
  });

  it('gives each function that touches practice data a role of its own, named for it, sessions of up to an hour, no practiceId tag of its own', () => {
    for (const route of practiceRoutes) {
      const dataRole = dataRoleOf(app, route.id);
      const role = propertiesOf(app, dataRole.role);
      expect(role.RoleName, route.id).toBe(practiceDataRoleName('dev', 'eu-west-2', route.id));
      expect(String(role.RoleName)).toMatch(/^ClinicConnect-dev-eu-west-2-PracticeData-/);
      expect(role.MaxSessionDuration).toBe(3600);
      // A role tag would become the principal tag of a session that passed none.
      expect(JSON.stringify(role.Tags ?? [])).not.toContain('practiceId');
      expect(propertiesOf(app, dataRole.permissions).Roles).toEqual([{ Ref: logicalId(app, dataRole.role) }]);
      // Besides its own policy, only the deny every role carries (infra/constructs/no-recording.ts).
      expect(JSON.stringify(role.ManagedPolicyArns)).toMatch(
        /^\[\{"Ref":"NeverRecordConsultations[0-9A-F]+"\}\]$/,
      );
      expect(role.Policies).toBeUndefined();
    }
    // Public routes and platform-only ones have none.
    expect(functionOf(app, 'getHealth').practiceDataRole).toBeUndefined();
  });

  it('lets each role be assumed by its own function’s role only, with the practiceId tag', () => {
    for (const route of practiceRoutes) {
      const role = propertiesOf(app, dataRoleOf(app, route.id).role);
      const trust = (role.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement;
      expect(trust).toHaveLength(1);
      const [statement] = trust as [Statement];
      expect(statement.Effect).toBe('Allow');
      expect(actionsOf(statement).sort()).toEqual(['sts:AssumeRole', 'sts:TagSession']);
      expect(statement.Condition).toEqual(TAG_CONDITIONS);
      expect(statement.Principal).toEqual({
        AWS: { 'Fn::GetAtt': [logicalId(app, functionOf(app, route.id).role), 'Arn'] },
      });
    }
  });

  it('lets each of those functions assume its own role, with the tag, and no other; and tells it that role’s ARN', () => {
    for (const route of [...ROUTES, ...EVENT_FUNCTIONS]) {
      const assume = routeStatements(app, route.id).filter((s) =>
        actionsOf(s).some((a) => a.startsWith('sts:')),
      );
      const env = envOf(app, route.id);
      if (!practiceRoutes.includes(route)) {
        expect(assume, route.id).toEqual([]);
        expect(env).not.toHaveProperty('PRACTICE_DATA_ROLE_ARN');
        continue;
      }
      const own = { 'Fn::GetAtt': [logicalId(app, dataRoleOf(app, route.id).role), 'Arn'] };
      expect(assume).toEqual([
        {
          Sid: 'AssumePracticeDataRole',
          Effect: 'Allow',
          Action: ['sts:AssumeRole', 'sts:TagSession'],
          Resource: own,
          Condition: TAG_CONDITIONS,
        },
      ]);
      expect(env.PRACTICE_DATA_ROLE_ARN).toEqual(own);
    }
  });

  it('limits every DynamoDB statement of every role to exactly the session’s own PRACTICE# partition', () => {
    for (const route of practiceRoutes) {
      const dynamo = sessionStatements(app, route.id).filter(isDynamo);
      expect(dynamo.length, route.id).toBeGreaterThan(0);
      for (const statement of dynamo) {
        expect(statement.Effect).toBe('Allow');
        expect(statement.Condition).toEqual({
          'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [`PRACTICE#${PRINCIPAL_TAG}`] },
        });
        expect(actionsOf(statement)).not.toContain('dynamodb:Scan');
        expect(leadingKeysAllow(statement, 'PRACTICE#practice-a', 'practice-a')).toBe(true);
        expect(leadingKeysAllow(statement, 'PRACTICE#practice-b', 'practice-a')).toBe(false);
        expect(leadingKeysAllow(statement, 'PLATFORM', 'practice-a')).toBe(false);
        expect(leadingKeysAllow(statement, 'USER#sub-1', 'practice-a')).toBe(false);
        // The reason for StringEquals: the prefix match the issue sketches would let `ab` into `abc`.
        expect(leadingKeysAllow(statement, 'PRACTICE#abc', 'ab')).toBe(false);
        expect(like(`PRACTICE#${'ab'}*`, 'PRACTICE#abc')).toBe(true);
        // Without a tag the variable is missing: nothing matches.
        expect(leadingKeysAllow(statement, 'PRACTICE#practice-a')).toBe(false);
      }
    }
  });

  it('uses a practice key only in sessions of functions that declare practice-keys, only with the session’s own context; denies any other context in every session', () => {
    for (const route of practiceRoutes) {
      const statements = sessionStatements(app, route.id);
      const allow = statements.find((s) => s.Sid === 'OwnPracticeKeyOwnContext');
      if (!route.uses?.includes('practice-keys')) {
        expect(allow, route.id).toBeUndefined();
      } else {
        expect(allow).toMatchObject({
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
          Resource: {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':kms:',
                { Ref: 'AWS::Region' },
                ':',
                { Ref: 'AWS::AccountId' },
                ':key/*',
              ],
            ],
          },
        });
        expect(allow?.Condition).toEqual({
          StringEquals: {
            'kms:EncryptionContext:practiceId': PRINCIPAL_TAG,
            'aws:ResourceTag/practiceId': PRINCIPAL_TAG,
            'aws:ResourceTag/app': 'clinic-connect',
            'aws:ResourceTag/stage': 'dev',
          },
        });
      }
      const deny = statements.find((s) => s.Effect === 'Deny');
      expect(deny).toMatchObject({ Sid: 'DenyOtherPracticesEncryptionContext', Resource: '*' });
      expect(actionsOf(deny as Statement)).toEqual(
        expect.arrayContaining(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom']),
      );
      expect(deny?.Condition).toEqual({
        StringNotEquals: {
          'kms:EncryptionContext:practiceId': PRINCIPAL_TAG,
          'kms:ViaService': REGION_VIA_DYNAMODB,
        },
      });
    }
    // Both kinds are covered above: functions that encrypt patient data, and ones that never may.
    const keyUsers = practiceRoutes.filter((route) => route.uses?.includes('practice-keys')).map((r) => r.id);
    expect(keyUsers).toEqual(expect.arrayContaining(['createLookup', 'createInvite', 'enterJoinCode']));
    expect(practiceRoutes.map((r) => r.id).filter((id) => !keyUsers.includes(id))).toEqual(
      expect.arrayContaining(['getMe', 'listStaff', 'updateStaff']),
    );
  });

  it('uses the table key only through DynamoDB, and grants nothing but DynamoDB and KMS', () => {
    for (const route of practiceRoutes) {
      const permissions = sessionStatements(app, route.id);
      const tableKey = permissions.find((s) => s.Sid === 'TableKeyViaDynamoDB');
      expect(tableKey?.Condition).toEqual({ StringEquals: { 'kms:ViaService': REGION_VIA_DYNAMODB } });
      expect(JSON.stringify(tableKey?.Resource)).toContain('TableKey');
      expect(permissions.flatMap(actionsOf).filter((a) => !/^(dynamodb|kms):/.test(a))).toEqual([]);
    }
  });

  it('leaves no route function role any DynamoDB access to a practice partition', () => {
    for (const route of ROUTES) {
      for (const statement of routeStatements(app, route.id).filter(isDynamo)) {
        expect(statement.Condition, `${route.id} ${statement.Sid}`).toBeDefined();
        for (const key of ['PRACTICE#practice-a', 'PRACTICE#', 'PRACTICE#*']) {
          expect(leadingKeysAllow(statement, key), `${route.id} ${statement.Sid} ${key}`).toBe(false);
        }
      }
    }
  });

  it('keeps what is not practice data with the function: PLATFORM, membership pointers, the ODS lookup', () => {
    const health = routeStatements(app, 'getHealth').filter(isDynamo);
    expect(health).toEqual([
      expect.objectContaining({
        Sid: 'DirectoryTablePlatformRead',
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['PLATFORM'] } },
      }),
    ]);

    // Registration finds the practice by ODS code and writes the account's membership pointer itself; the
    // staff record and the audit event go into the practice's partition, through its practice data role.
    const registration = routeStatements(app, 'registerWithPractice');
    expect(allows(registration, 'dynamodb:Query', 'directory/index/gsi1', 'ODS#A81001')).toBe(true);
    expect(allows(registration, 'dynamodb:GetItem', 'directory', 'USER#sub-1')).toBe(true);
    expect(allows(registration, 'dynamodb:PutItem', 'directory', 'USER#sub-1')).toBe(true);
    expect(allows(registration, 'dynamodb:DeleteItem', 'directory', 'USER#sub-1')).toBe(false);
    expect(allows(registration, 'dynamodb:PutItem', 'directory', 'PRACTICE#practice-a')).toBe(false);
    expect(allows(registration, 'dynamodb:PutItem', 'audit', 'PRACTICE#practice-a')).toBe(false);
    const session = sessionStatements(app, 'registerWithPractice');
    expect(allows(session, 'dynamodb:PutItem', 'directory', 'PRACTICE#practice-a', 'practice-a')).toBe(true);
    expect(allows(session, 'dynamodb:PutItem', 'audit', 'PRACTICE#practice-a', 'practice-a')).toBe(true);
    expect(allows(session, 'dynamodb:DeleteItem', 'audit', 'PRACTICE#practice-a', 'practice-a')).toBe(false);

    // Staff routes: the gate reads the caller's membership pointer when the token names no practice yet; only
    // registration writes one, and only it looks practices up by ODS code.
    for (const route of ROUTES.filter((r) => r.auth === 'staff')) {
      const statements = routeStatements(app, route.id);
      expect(allows(statements, 'dynamodb:GetItem', 'directory', 'USER#sub-1'), route.id).toBe(true);
      expect(allows(statements, 'dynamodb:PutItem', 'directory', 'USER#sub-1'), route.id).toBe(false);
      expect(allows(statements, 'dynamodb:Query', 'directory/index/gsi1', 'ODS#A81001'), route.id).toBe(
        false,
      );
      expect(allows(statements, 'dynamodb:GetItem', 'directory', 'PRACTICE#practice-a'), route.id).toBe(
        false,
      );
    }
  });

  it('leaves the function roles no access to any practice partition, and gives the declared access back through their own role', () => {
    for (const route of ROUTES) {
      const own = routeStatements(app, route.id).filter(isDynamo);
      for (const [kind, keys] of Object.entries(SAMPLE_KEYS)) {
        for (const action of kind.includes('/index/') ? ['dynamodb:Query'] : ACTIONS) {
          for (const key of keys.filter((k) => k.startsWith('PRACTICE#'))) {
            expect(allows(own, action, kind, key), `${route.id} ${action} ${kind} ${key}`).toBe(false);
          }
        }
      }
      if (!practiceRoutes.includes(route)) continue;
      const session = sessionStatements(app, route.id);
      // What the route declares on practice partitions, its role allows for the session's own practice only.
      for (const [table, access] of Object.entries(practicePartitionAccess(effectiveTableGrants(route)))) {
        for (const action of ACTIONS) {
          const declared = tableActions(access).includes(action);
          expect(
            allows(session, action, table, 'PRACTICE#practice-a', 'practice-a'),
            `${route.id} ${action}`,
          ).toBe(declared);
          expect(allows(session, action, table, 'PRACTICE#practice-a', 'practice-c'), route.id).toBe(false);
        }
      }
    }
  });

  it('names exact tables and named indexes, never a wildcard, in every DynamoDB statement', () => {
    for (const [id, policy] of resources(app.api, 'AWS::IAM::ManagedPolicy')) {
      const statements = (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement;
      for (const statement of statements.filter(isDynamo)) {
        const arns = [statement.Resource].flat();
        expect(arns.length, id).toBeGreaterThan(0);
        for (const arn of arns) {
          expect(JSON.stringify(arn), `${id} ${statement.Sid}`).not.toContain('*');
          expect(JSON.stringify(arn)).toMatch(/Table[0-9A-F]{8}Arn|\/index\/gsi1/);
        }
        expect(actionsOf(statement).every((action) => !action.includes('*'))).toBe(true);
      }
    }
    expect(inlinePoliciesOutsideCustomResources(app.api)).toEqual([]);
  });

  it('leaves the Cognito token trigger its own role’s read of membership pointers only', () => {
    const trigger = resources(app.identity, 'AWS::IAM::ManagedPolicy').find(([id]) =>
      id.startsWith('PreTokenGenerationPermissions'),
    );
    if (!trigger) throw new Error('no token trigger policy');
    const statements = (trigger[1].Properties.PolicyDocument as { Statement: Statement[] }).Statement;
    expect(statements.filter(isDynamo)).toEqual([
      expect.objectContaining({
        Action: 'dynamodb:GetItem',
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...TOKEN_TRIGGER_PARTITIONS] } },
      }),
    ]);
    expect(TOKEN_TRIGGER_PARTITIONS).toEqual(['USER#*']);
  });
});

describe('each practice data role’s table access follows its own function’s declaration', () => {
  const readRecords: RouteDefinition = {
    ...getHealthRoute,
    id: 'listInvites',
    path: '/api/invites',
    auth: 'staff',
    tables: { records: { access: 'read', scope: 'practice' } },
  };

  it('is exactly the function’s declaration: a read-only route’s role can delete nothing (offboarding’s rights are its own)', () => {
    const app = built({}, [getHealthRoute, readRecords]);
    const dynamo = sessionStatements(app, 'listInvites').filter(isDynamo);
    expect(dynamo.map((s) => s.Sid)).toEqual(['DirectoryOwnPracticeRead', 'RecordsOwnPracticeRead']);
    expect(JSON.stringify(dynamo[1]?.Resource)).toContain('recordsTable');
    expect(JSON.stringify(dynamo[1]?.Resource)).toContain('/index/gsi1');
    for (const statement of dynamo) {
      expect(actionsOf(statement).sort()).toEqual([
        'dynamodb:BatchGetItem',
        'dynamodb:GetItem',
        'dynamodb:Query',
      ]);
    }
    expect(
      actionsOf(
        sessionStatements(app, 'listInvites').find((s) => s.Sid === 'TableKeyViaDynamoDB') as Statement,
      ),
    ).toEqual(['kms:Decrypt']);
  });

  it('keeps PLATFORM and the account keys, not practice partitions, for a table declared with scope "any"', () => {
    const register: RouteDefinition = {
      ...getHealthRoute,
      id: 'register',
      path: '/api/register',
      auth: 'account',
      tables: {
        directory: { access: 'readwrite', scope: 'any', accountKeys: 'readappend' },
        audit: { access: 'append', scope: 'practice' },
      },
    };
    const app = built({}, [register]);
    const statements = routeStatements(app, 'register');
    expect(statements.filter(isDynamo)).toEqual([
      expect.objectContaining({
        Sid: 'DirectoryTablePlatformReadWrite',
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['PLATFORM'] } },
      }),
      expect.objectContaining({
        Sid: 'DirectoryTableAccountKeysReadAppend',
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['USER#*'] } },
      }),
      expect.objectContaining({
        Sid: 'DirectoryGsi1NonPracticeQuery',
        Action: 'dynamodb:Query',
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['ODS#*'] } },
      }),
    ]);
    expect(allows(statements, 'dynamodb:PutItem', 'directory', 'PRACTICE#practice-a')).toBe(false);
    expect(allows(statements, 'dynamodb:PutItem', 'audit', 'PRACTICE#practice-a')).toBe(false);
    expect(envOf(app, 'register').PRACTICE_DATA_ROLE_ARN).toBeDefined();
  });

  it('is not created when no route touches practice data', () => {
    const app = built({}, [getHealthRoute]);
    expect(functionOf(app, 'getHealth').practiceDataRole).toBeUndefined();
    expect(envOf(app, 'getHealth')).not.toHaveProperty('PRACTICE_DATA_ROLE_ARN');
    expect(
      resources(app.api, 'AWS::IAM::Role').filter(([, r]) =>
        String(r.Properties.RoleName).includes('PracticeData-getHealth'),
      ),
    ).toEqual([]);
  });
});
