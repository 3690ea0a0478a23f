import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { Role } from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_FUNCTIONS } from '../../functions/event-functions';
import { ROUTES } from '../../functions/routes';
import { tableActions } from '../../infra/constructs/table-access';
import { STAFF_STANDING_ATTRIBUTES } from '../../layers/directory/directory-store';
import {
  effectiveTableGrants,
  type FunctionDefinition,
  touchesPracticeData,
} from '../../layers/functions/definition';
import { practiceDataRoleName } from '../../layers/isolation/practice-data-roles';
import { TABLES, type TableId } from '../../layers/storage/tables';
import { allows, type Request, roleStatements, rolesTrusting, type Statement } from './iam';
import { buildTestApp, type TestApp } from './support';

/**
 * The per-function IAM table: for every function, what it can do to each table (by kind of partition) and to
 * each key, computed from the synthesized policies of its own role AND of every practice data role it may
 * assume, and compared with what it declares. A grant that drifts from a declaration, in either direction,
 * fails here: the table is the documentation of least privilege, checked.
 */
type Row = Record<string, string[]>;

const DYNAMO = [
  'GetItem',
  'Query',
  'BatchGetItem',
  'Scan',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'ConditionCheckItem',
];
const PRACTICE_KEY_USE = [
  'Decrypt',
  'Encrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'ReEncryptFrom',
  'CreateGrant',
];
const KEY_ADMINISTRATION = [
  'CreateKey',
  'TagResource',
  'DescribeKey',
  'EnableKeyRotation',
  'CreateAlias',
  'ScheduleKeyDeletion',
  'DeleteAlias',
  'PutKeyPolicy',
];
const TAG = 'practice-a';
const OWN = `PRACTICE#${TAG}`;
const KEY_TAGS = { practiceId: TAG, app: 'clinic-connect', stage: 'dev' };

interface Principal {
  name: string;
  template: Template;
  own: Statement[];
  /** The practice data roles it may assume (by ARN reference), and each one's statements. */
  sessions: { roleName: string; statements: Statement[] }[];
}

let app: TestApp;
let principals: Map<string, Principal>;

function logicalId(stack: Stack, role: Role): string {
  return stack.getLogicalId(role.node.defaultChild as never);
}

function principalOf(name: string, stack: Stack, role: Role): Principal {
  const template = Template.fromStack(stack);
  const own = roleStatements(template, logicalId(stack, role));
  const assumable = own
    .filter((statement) => [statement.Action].flat().includes('sts:AssumeRole'))
    .flatMap((statement) => [statement.Resource].flat())
    .map((resource) => (resource as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]);
  // What it may assume is exactly what trusts it: no data role trusts a function that cannot use it.
  expect(assumable.sort(), name).toEqual(
    rolesTrusting(template, { 'Fn::GetAtt': [logicalId(stack, role), 'Arn'] }).sort(),
  );
  const resources = template.toJSON().Resources as Record<string, { Properties: { RoleName?: string } }>;
  return {
    name,
    template,
    own,
    sessions: assumable.map((roleId) => ({
      roleName: String(resources[roleId]?.Properties.RoleName),
      statements: roleStatements(template, roleId),
    })),
  };
}

/** What a principal can do: with its own role, or in a session of one of its data roles tagged `practice-a`. */
function granted(
  principal: Principal,
  request: Omit<Request, 'tag'>,
  actions: string[],
  prefix: string,
): string[] {
  return actions.filter(
    (action) =>
      allows(principal.own, { ...request, action: `${prefix}:${action}` }) ||
      principal.sessions.some((session) =>
        allows(session.statements, { ...request, action: `${prefix}:${action}`, tag: TAG }),
      ),
  );
}

/** A full-item request (no projection): what fine-grained read limits refuse. */
const WHOLE_ITEM = { attributes: ['pk', 'sk'], select: 'ALL_ATTRIBUTES' };

/** The table, computed from the policies. */
function computedRow(principal: Principal): Row {
  const row: Row = {};
  // On an index only Query and Scan mean anything.
  const ddb = (request: Omit<Request, 'tag' | 'action'>) =>
    granted(
      principal,
      { action: '', ...WHOLE_ITEM, ...request },
      request.resource.includes('/index/') ? ['Query', 'Scan'] : DYNAMO,
      'dynamodb',
    );
  for (const table of TABLES) {
    row[`${table.id}: PLATFORM`] = ddb({ resource: table.id, partitionKey: 'PLATFORM' });
    row[`${table.id}: own practice`] = ddb({ resource: table.id, partitionKey: OWN });
    row[`${table.id}: another practice`] = ddb({ resource: table.id, partitionKey: 'PRACTICE#practice-b' });
    for (const index of table.indexes) {
      row[`${table.id}/${index.name}: own practice`] = ddb({
        resource: `${table.id}/index/${index.name}`,
        partitionKey: OWN,
      });
    }
  }
  row['directory: USER#'] = ddb({ resource: 'directory', partitionKey: 'USER#sub-1' });
  row['directory: ODS# claim'] = ddb({ resource: 'directory', partitionKey: 'ODS#A81001' });
  row['directory/gsi1: ODS#'] = ddb({ resource: 'directory/index/gsi1', partitionKey: 'ODS#A81001' });
  row['directory: own practice, staff standing only'] = ddb({
    resource: 'directory',
    partitionKey: OWN,
    attributes: [...STAFF_STANDING_ATTRIBUTES],
    select: 'SPECIFIC_ATTRIBUTES',
  });
  const kms = (request: Omit<Request, 'tag' | 'action'>, actions: string[]) =>
    granted(principal, { action: '', ...request }, actions, 'kms');
  row['practice key: own context'] = kms(
    { resource: 'practiceKey', contextPracticeId: TAG, keyTags: KEY_TAGS },
    PRACTICE_KEY_USE,
  );
  row['practice key: another practice'] = kms(
    {
      resource: 'practiceKey',
      contextPracticeId: 'practice-b',
      keyTags: { ...KEY_TAGS, practiceId: 'practice-b' },
    },
    PRACTICE_KEY_USE,
  );
  row['practice keys: administration'] = kms(
    { resource: 'practiceKey', keyTags: KEY_TAGS, requestTags: KEY_TAGS },
    KEY_ADMINISTRATION,
  );
  row['table key via DynamoDB'] = kms({ resource: 'tableKey', viaDynamoDb: true }, [
    'Decrypt',
    'Encrypt',
    'GenerateDataKey',
  ]);
  row['table key directly'] = kms({ resource: 'tableKey' }, ['Decrypt', 'Encrypt', 'GenerateDataKey']);
  row['practice data roles'] = principal.sessions.map((session) => session.roleName).sort();
  return Object.fromEntries(Object.entries(row).map(([key, actions]) => [key, [...actions].sort()]));
}

const bare = (actions: string[]) => actions.map((action) => action.replace(/^dynamodb:/, '')).sort();

/** The same table, from what a declared function says it does. */
function declaredRow(definition: FunctionDefinition & { auth?: string }): Row {
  const grants = effectiveTableGrants(definition);
  const row: Row = {};
  let writes = false;
  for (const table of TABLES) {
    const grant = grants[table.id as TableId];
    const practice = grant && grant.scope !== 'platform' ? bare(tableActions(grant.access)) : [];
    writes ||= Boolean(grant && grant.access !== 'read');
    row[`${table.id}: PLATFORM`] =
      grant && grant.scope !== 'practice' ? bare(tableActions(grant.access)) : [];
    row[`${table.id}: own practice`] = practice;
    row[`${table.id}: another practice`] = [];
    for (const index of table.indexes) {
      row[`${table.id}/${index.name}: own practice`] = practice.includes('Query') ? ['Query'] : [];
    }
  }
  const directory = grants.directory;
  const accountLevel =
    directory && directory.scope !== 'platform' ? (directory.accountKeys ?? 'read') : undefined;
  if (accountLevel && accountLevel !== 'read') writes = true;
  row['directory: USER#'] = accountLevel ? bare(tableActions(accountLevel)) : [];
  row['directory: ODS# claim'] = [];
  row['directory/gsi1: ODS#'] = directory?.accountKeys ? ['Query'] : [];
  row['directory: own practice, staff standing only'] = row['directory: own practice'] ?? [];
  row['practice key: own context'] = definition.uses?.includes('practice-keys')
    ? ['Decrypt', 'Encrypt', 'GenerateDataKey']
    : [];
  row['practice key: another practice'] = [];
  row['practice keys: administration'] = [];
  row['table key via DynamoDB'] =
    Object.keys(grants).length === 0 ? [] : writes ? ['Decrypt', 'Encrypt', 'GenerateDataKey'] : ['Decrypt'];
  row['table key directly'] = [];
  row['practice data roles'] = touchesPracticeData(definition)
    ? [practiceDataRoleName('dev', 'eu-west-2', definition.id)]
    : [];
  return Object.fromEntries(Object.entries(row).map(([key, actions]) => [key, [...actions].sort()]));
}

/** A row for a function that is not declared (operators', triggers'): everything empty but what is given. */
function explicitRow(given: Row): Row {
  const empty = Object.fromEntries(
    Object.keys(declaredRow({ id: 'none', area: 'none' })).map((key) => [key, []]),
  );
  return Object.fromEntries(
    Object.entries({ ...empty, ...given }).map(([key, actions]) => [key, [...actions].sort()]),
  );
}

beforeAll(() => {
  app = buildTestApp();
  principals = new Map<string, Principal>();
  for (const definition of [...ROUTES, ...EVENT_FUNCTIONS]) {
    const fn = app.api.functions.get(definition.id);
    if (!fn) throw new Error(`no function ${definition.id}`);
    principals.set(definition.id, principalOf(definition.id, app.api, fn.role));
  }
  if (!app.api.onboarding || !app.api.offboarding) throw new Error('no operator functions');
  principals.set('onboardPractice', principalOf('onboardPractice', app.api, app.api.onboarding.role));
  principals.set('offboardPractice', principalOf('offboardPractice', app.api, app.api.offboarding.role));
  principals.set('preSignUp', principalOf('preSignUp', app.identity, app.identity.preSignUp.role));
  principals.set(
    'preTokenGeneration',
    principalOf('preTokenGeneration', app.identity, app.identity.preTokenGeneration.role),
  );
});

function principal(name: string): Principal {
  const found = principals.get(name);
  if (!found) throw new Error(`no principal ${name}`);
  return found;
}

describe('what each function can do, computed from its policies and its practice sessions', () => {
  it.each([...ROUTES, ...EVENT_FUNCTIONS].map((definition) => [definition.id, definition] as const))(
    '%s: exactly what it declares',
    (id, definition) => {
      expect(computedRow(principal(id))).toEqual(declaredRow(definition));
    },
  );

  it('the audit trail is append-only for every function on a request path: put, never update or delete; read only by audit reports and the sealer', () => {
    const AUDIT_READERS = new Set(['sealAuditTrails']);
    const READS = new Set(['GetItem', 'BatchGetItem', 'Query']);
    for (const definition of [...ROUTES, ...EVENT_FUNCTIONS]) {
      const audit = computedRow(principal(definition.id))['audit: own practice'] ?? [];
      const mayRead =
        AUDIT_READERS.has(definition.id) ||
        ('permission' in definition && definition.permission === 'audit.read');
      expect(
        audit.filter(
          (action) =>
            action !== 'PutItem' && action !== 'ConditionCheckItem' && !(mayRead && READS.has(action)),
        ),
        definition.id,
      ).toEqual([]);
    }
  });

  it('onboarding: claims the ODS code, and only adds items to the new practice’s directory and audit; creates keys, uses none', () => {
    expect(computedRow(principal('onboardPractice'))).toEqual(
      explicitRow({
        'directory: ODS# claim': ['PutItem'],
        'directory: own practice': ['ConditionCheckItem', 'PutItem'],
        'directory: own practice, staff standing only': ['ConditionCheckItem', 'PutItem'],
        'audit: own practice': ['ConditionCheckItem', 'PutItem'],
        'practice keys: administration': [
          'CreateAlias',
          'CreateKey',
          'DescribeKey',
          'EnableKeyRotation',
          'TagResource',
        ],
        'table key via DynamoDB': ['Decrypt', 'Encrypt', 'GenerateDataKey'],
        'practice data roles': [practiceDataRoleName('dev', 'eu-west-2', 'onboardPractice')],
      }),
    );
  });

  it('offboarding: reads, decrypts and deletes one practice; its delete rights are on a role only it can assume', () => {
    const read = ['DeleteItem', 'GetItem', 'Query'];
    expect(computedRow(principal('offboardPractice'))).toEqual(
      explicitRow({
        'directory: PLATFORM': ['GetItem', 'PutItem'],
        'directory: USER#': ['DeleteItem', 'GetItem'],
        'directory: ODS# claim': ['DeleteItem', 'GetItem'],
        'directory: own practice': read,
        'directory: own practice, staff standing only': read,
        'directory/gsi1: own practice': ['Query'],
        'records: own practice': read,
        'records/gsi1: own practice': ['Query'],
        'audit: own practice': read,
        // A read of the audit table reaches its index too (the patient index reports use).
        'audit/byPatient: own practice': ['Query'],
        'practice key: own context': ['Decrypt'],
        'practice keys: administration': ['DeleteAlias', 'DescribeKey', 'ScheduleKeyDeletion'],
        'table key via DynamoDB': ['Decrypt', 'Encrypt', 'GenerateDataKey'],
        'practice data roles': [practiceDataRoleName('dev', 'eu-west-2', 'offboardPractice')],
      }),
    );
    const deleters = [...principals.values()].filter((p) =>
      (computedRow(p)['audit: own practice'] ?? []).includes('DeleteItem'),
    );
    expect(deleters.map((p) => p.name)).toEqual(['offboardPractice']);
  });

  it('the token trigger: the membership pointer, then one member’s role and status in one practice, nothing else', () => {
    expect(computedRow(principal('preTokenGeneration'))).toEqual(
      explicitRow({
        'directory: USER#': ['GetItem'],
        'directory: own practice, staff standing only': ['GetItem'],
        'table key via DynamoDB': ['Decrypt'],
        'practice data roles': [practiceDataRoleName('dev', 'eu-west-2', 'preTokenGeneration')],
      }),
    );
    // A whole staff record (name, email), an invitation, a wrapped key: refused even in its own practice.
    const session = principal('preTokenGeneration').sessions[0]?.statements ?? [];
    const read = (attributes: string[]) =>
      allows(session, {
        action: 'dynamodb:GetItem',
        resource: 'directory',
        tag: TAG,
        partitionKey: OWN,
        attributes,
        select: 'SPECIFIC_ATTRIBUTES',
      });
    expect(read(['pk', 'sk', 'role', 'status', 'practiceId'])).toBe(true);
    expect(read(['pk', 'sk', 'role', 'email'])).toBe(false);
    expect(read(['pk', 'sk', 'value'])).toBe(false);
  });

  it('the sign-up trigger: no data at all', () => {
    expect(computedRow(principal('preSignUp'))).toEqual(explicitRow({}));
  });

  it('the restore drill’s role: decrypts with one practice’s key and context, reads no table, trusts the account', () => {
    const data = Template.fromStack(app.data);
    const roleId = app.data.getLogicalId(app.data.restoreDrillRole.role.node.defaultChild as never);
    const drill: Principal = {
      name: 'restoreDrill',
      template: data,
      own: [],
      sessions: [
        {
          roleName: practiceDataRoleName('dev', 'eu-west-2', 'restoreDrill'),
          statements: roleStatements(data, roleId),
        },
      ],
    };
    expect(computedRow(drill)).toEqual(
      explicitRow({
        'practice key: own context': ['Decrypt'],
        'practice data roles': [practiceDataRoleName('dev', 'eu-west-2', 'restoreDrill')],
      }),
    );
    const role = (data.toJSON().Resources as Record<string, { Properties: Record<string, unknown> }>)[roleId];
    if (!role) throw new Error('no restore drill role');
    const trust = (role.Properties.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement;
    expect(trust).toHaveLength(1);
    expect(JSON.stringify(trust[0]?.Principal)).toContain(':root');
    expect(trust[0]?.Condition).toMatchObject({ Null: { 'aws:RequestTag/practiceId': 'false' } });
    data.hasOutput('RestoreDrillRoleArn', { Value: { 'Fn::GetAtt': [roleId, 'Arn'] } });
  });

  it('every practice data role is named under the prefix the practice keys’ policies allow, and trusts one principal', () => {
    const templates = [
      Template.fromStack(app.api),
      Template.fromStack(app.identity),
      Template.fromStack(app.data),
    ];
    const roles = templates.flatMap((template) =>
      Object.values(template.findResources('AWS::IAM::Role')).filter((role) =>
        String(role.Properties.RoleName ?? '').includes('PracticeData'),
      ),
    );
    expect(roles.length).toBe([...principals.values()].filter((p) => p.sessions.length > 0).length + 1);
    for (const role of roles) {
      expect(String(role.Properties.RoleName)).toMatch(
        /^ClinicConnect-dev-eu-west-2-PracticeData-[A-Za-z0-9-]+$/,
      );
      expect(String(role.Properties.RoleName).length).toBeLessThanOrEqual(64);
      const trust = role.Properties.AssumeRolePolicyDocument.Statement as Statement[];
      expect(trust).toHaveLength(1);
      expect([trust[0]?.Principal?.AWS].flat()).toHaveLength(1);
    }
  });
});
