import { Aws } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { RouteDefinition } from '../../layers/http/route';
import { PLATFORM_PARTITION, TABLES, type TableId } from '../../layers/storage/tables';

export type TableGrant = { access: 'read' | 'readwrite'; scope: 'platform' | 'practice' | 'any' };
export type TableGrants = Partial<Record<TableId, TableGrant>>;

const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'];
const WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:ConditionCheckItem',
];

function widen(a: TableGrant | undefined, b: TableGrant): TableGrant {
  if (!a) return b;
  return {
    access: a.access === 'readwrite' || b.access === 'readwrite' ? 'readwrite' : 'read',
    scope: a.scope === b.scope ? a.scope : 'any',
  };
}

/**
 * What a route's function may do to each table: what the route declares, plus what the request pipeline
 * itself does on its behalf. Every `staff` route reads the caller's staff record in the directory (the staff
 * gate), so it gets that read even when its own code never touches the directory.
 */
export function effectiveTableGrants(route: RouteDefinition): TableGrants {
  const grants: TableGrants = {};
  for (const [id, grant] of Object.entries(route.tables ?? {}) as [TableId, TableGrant | undefined][]) {
    if (grant) grants[id] = { access: grant.access, scope: grant.scope };
  }
  if (route.auth === 'staff') {
    grants.directory = widen(grants.directory, { access: 'read', scope: 'practice' });
  }
  return grants;
}

/**
 * `dynamodb:LeadingKeys` is the partition key of every item the request touches. `platform` routes may
 * touch only the PLATFORM partition; `practice` routes anything but it. (Which practice is enforced by the
 * handlers and per-practice encryption keys; IAM cannot know the caller's practice.) ForAllValues over an
 * empty set is true, but every allowed action names its keys, and Scan is never granted.
 */
function partitionCondition(scope: TableGrant['scope']): Record<string, unknown> | undefined {
  if (scope === 'platform') {
    return { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [PLATFORM_PARTITION] } };
  }
  if (scope === 'practice') {
    return { 'ForAllValues:StringNotEquals': { 'dynamodb:LeadingKeys': [PLATFORM_PARTITION] } };
  }
  return undefined;
}

/**
 * Exact actions on exact ARNs: the table, plus its named indexes when the route may read practice data
 * through them (platform items are always fetched by key). KMS use of the table key is allowed only when
 * DynamoDB makes the call on the function's behalf.
 */
export function tableAccessStatements(
  grants: TableGrants,
  tables: { readonly [K in TableId]: ITable },
  tableKey: IKey,
): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  let writes = false;
  for (const definition of TABLES) {
    const grant = grants[definition.id];
    if (!grant) continue;
    const table = tables[definition.id];
    writes ||= grant.access === 'readwrite';
    const indexArns =
      grant.scope === 'platform'
        ? []
        : definition.indexes.map((index) => `${table.tableArn}/index/${index.name}`);
    const conditions = partitionCondition(grant.scope);
    statements.push(
      new PolicyStatement({
        sid: `${definition.id[0]?.toUpperCase()}${definition.id.slice(1)}Table${grant.access === 'read' ? 'Read' : 'ReadWrite'}`,
        effect: Effect.ALLOW,
        actions: grant.access === 'read' ? READ_ACTIONS : [...READ_ACTIONS, ...WRITE_ACTIONS],
        resources: [table.tableArn, ...indexArns],
        ...(conditions ? { conditions } : {}),
      }),
    );
  }
  if (statements.length > 0) {
    statements.push(
      new PolicyStatement({
        sid: 'TableKeyViaDynamoDB',
        effect: Effect.ALLOW,
        actions: writes ? ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt'],
        resources: [tableKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Aws.REGION}.amazonaws.com` } },
      }),
    );
  }
  return statements;
}
