import { Aws } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { effectiveTableGrants, type TableGrant, type TableGrants } from '../../layers/functions/definition';
import { PLATFORM_PARTITION, TABLES, type TableId } from '../../layers/storage/tables';

export type { TableGrant, TableGrants };
export { effectiveTableGrants };

export const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'];
/**
 * Append: new items only, as far as IAM can say it: PutItem (the writes are conditional puts that never
 * overwrite) and ConditionCheckItem; no read, no update, no delete. Without reads, a function cannot even
 * learn the key of an existing item (audit events are keyed by time and a random id) to put over it.
 */
export const APPEND_ACTIONS = ['dynamodb:PutItem', 'dynamodb:ConditionCheckItem'];
const WRITE_ACTIONS = [...APPEND_ACTIONS, 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];

/** The DynamoDB actions of an access level. */
export function tableActions(access: TableGrant['access']): string[] {
  if (access === 'read') return READ_ACTIONS;
  if (access === 'append') return APPEND_ACTIONS;
  if (access === 'readappend') return [...READ_ACTIONS, ...APPEND_ACTIONS];
  return [...READ_ACTIONS, ...WRITE_ACTIONS];
}

const writesTo = (access: TableGrant['access']) => access !== 'read';
const titled = (id: string) => `${id[0]?.toUpperCase()}${id.slice(1)}`;
const ACCESS_NAMES = {
  read: 'Read',
  append: 'Append',
  readappend: 'ReadAppend',
  readwrite: 'ReadWrite',
} as const;

/**
 * `dynamodb:LeadingKeys` is the partition key of every item the request touches. `platform` routes may
 * touch only the PLATFORM partition; `practice` routes anything but it. (Which practice is enforced by the
 * handlers and per-practice encryption keys: the function's own role cannot know the caller's practice. The
 * practice data role, see `practiceDataRoleStatements`, can.) ForAllValues over an empty set is true, but
 * every allowed action names its keys, and Scan is never granted.
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
 *
 * Only for a function that writes practice partitions with its own role because no practice session can
 * exist yet: onboarding, which creates the practice. Route and event functions reach practice data through the
 * practice data role only (`platformTableAccessStatements` for the rest).
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
    writes ||= writesTo(grant.access);
    const indexArns =
      grant.scope === 'platform'
        ? []
        : definition.indexes.map((index) => `${table.tableArn}/index/${index.name}`);
    const conditions = partitionCondition(grant.scope);
    statements.push(
      new PolicyStatement({
        sid: `${titled(definition.id)}Table${ACCESS_NAMES[grant.access]}`,
        effect: Effect.ALLOW,
        actions: tableActions(grant.access),
        resources: [table.tableArn, ...indexArns],
        ...(conditions ? { conditions } : {}),
      }),
    );
  }
  if (statements.length > 0) statements.push(tableKeyStatement(tableKey, writes));
  return statements;
}

// ---------------------------------------------------------------------------------------------------------
// Practice-scoped credentials: practice data only through the practice data role, assumed per request with
// the session tag `practiceId`.
// ---------------------------------------------------------------------------------------------------------

/** The session tag the practice data role's policies read; set by layers/isolation/practice-credentials.ts. */
export const PRACTICE_TAG_KEY = 'practiceId';
/** IAM's view of the caller's practice inside a practice data role session. */
export const PRINCIPAL_PRACTICE_ID = `\${aws:PrincipalTag/${PRACTICE_TAG_KEY}}`;
/** Every practice item's partition key is exactly `PRACTICE#<practiceId>`, in every table. */
export const PRACTICE_PARTITION_PREFIX = 'PRACTICE#';
/**
 * IAM can only match `?` and `*`, not a character class: a practice id is at least three characters (see
 * `PracticeId` in layers/directory/model.ts), and STS refuses tag values with `#` or `*` anyway. The adapter
 * checks the exact format before it ever asks STS.
 */
export const PRACTICE_TAG_PATTERN = '???*';

/**
 * Keys that belong neither to the PLATFORM partition nor to any practice: in the directory, accounts'
 * membership pointers (`USER#<sub>`: which practice an account belongs to, nothing of the practice's) and the
 * ODS-code lookup (`gsi1`, `ODS#<code>` → a practice's public name, ODS code and id), which registration needs
 * before it knows the practice and the staff gate needs when a token predates registration. Key layout:
 * layers/directory/model.ts `directoryKeys`.
 */
export const ACCOUNT_KEYS: Record<TableId, { partitions: string[]; indexes: Record<string, string[]> }> = {
  directory: { partitions: ['USER#*'], indexes: { gsi1: ['ODS#*'] } },
  records: { partitions: [], indexes: {} },
  audit: { partitions: [], indexes: {} },
};

/** Does the route touch practice partitions at all (scope `practice` or `any`, including the staff gate)? */
export function usesPracticeData(grants: TableGrants): boolean {
  return Object.values(grants).some((grant) => grant && grant.scope !== 'platform');
}

/** Per table, what the route does to practice partitions: through the practice data role when scoped. */
export function practicePartitionAccess(grants: TableGrants): PracticeTableAccess {
  const access: PracticeTableAccess = {};
  for (const [id, grant] of Object.entries(grants) as [TableId, TableGrant | undefined][]) {
    if (grant && grant.scope !== 'platform') access[id] = grant.access;
  }
  return access;
}

export type PracticeTableAccess = Partial<Record<TableId, TableGrant['access']>>;

function tableKeyStatement(tableKey: IKey, writes: boolean): PolicyStatement {
  return new PolicyStatement({
    sid: 'TableKeyViaDynamoDB',
    effect: Effect.ALLOW,
    actions: writes ? ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt'],
    resources: [tableKey.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Aws.REGION}.amazonaws.com` } },
  });
}

/**
 * The function role's own table access when practice data goes through its practice data role: its access
 * minus every `PRACTICE#` partition. So `platform` grants are unchanged (the PLATFORM partition); `practice`
 * grants keep the table's account keys (`ACCOUNT_KEYS`: the partitions and lookups that are neither PLATFORM
 * nor a practice's) at the level they declare for them (`accountKeys`, default read: the staff gate reads a
 * membership pointer); `any` grants add PLATFORM at their own level. What the route does to practice
 * partitions goes through the practice data role (`practicePartitionAccess`).
 */
export function platformTableAccessStatements(
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
    const name = titled(definition.id);
    const access = ACCESS_NAMES[grant.access];
    const actions = tableActions(grant.access);
    const account = ACCOUNT_KEYS[definition.id];
    const before = statements.length;
    const platformStatement = () =>
      new PolicyStatement({
        sid: `${name}TablePlatform${access}`,
        effect: Effect.ALLOW,
        actions,
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [PLATFORM_PARTITION] } },
      });
    let accountLevel: TableGrant['access'] | undefined;
    if (grant.scope === 'platform') {
      statements.push(platformStatement());
    } else {
      if (grant.scope === 'any') statements.push(platformStatement());
      accountLevel = grant.accountKeys ?? 'read';
      if (account.partitions.length > 0) {
        statements.push(
          new PolicyStatement({
            sid: `${name}TableAccountKeys${ACCESS_NAMES[accountLevel]}`,
            effect: Effect.ALLOW,
            actions: tableActions(accountLevel),
            resources: [table.tableArn],
            conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': account.partitions } },
          }),
        );
      }
      // The ODS-code lookup, for a function that declares what it does to account keys (registration).
      for (const [index, lookups] of Object.entries(grant.accountKeys ? account.indexes : {})) {
        statements.push(
          new PolicyStatement({
            sid: `${name}${titled(index)}NonPracticeQuery`,
            effect: Effect.ALLOW,
            actions: ['dynamodb:Query'],
            resources: [`${table.tableArn}/index/${index}`],
            conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': lookups } },
          }),
        );
      }
    }
    if (statements.length > before) {
      writes ||=
        (grant.scope !== 'practice' && writesTo(grant.access)) ||
        Boolean(accountLevel && writesTo(accountLevel));
    }
  }
  if (statements.length > 0) statements.push(tableKeyStatement(tableKey, writes));
  return statements;
}

/**
 * What a function that touches practice data may do instead: start a session of the practice data role,
 * tagged with exactly one tag, `practiceId` (the role's trust policy requires the same).
 */
export function assumePracticeDataRoleStatement(roleArn: string): PolicyStatement {
  return new PolicyStatement({
    sid: 'AssumePracticeDataRole',
    effect: Effect.ALLOW,
    actions: ['sts:AssumeRole', 'sts:TagSession'],
    resources: [roleArn],
    conditions: practiceTagConditions(),
  });
}

/** A `practiceId` request tag is present and plausible, and it is the only tag. */
export function practiceTagConditions(): Record<string, Record<string, unknown>> {
  return {
    Null: { [`aws:RequestTag/${PRACTICE_TAG_KEY}`]: 'false' },
    StringLike: { [`aws:RequestTag/${PRACTICE_TAG_KEY}`]: PRACTICE_TAG_PATTERN },
    'ForAllValues:StringEquals': { 'aws:TagKeys': [PRACTICE_TAG_KEY] },
  };
}

/** Tags every practice key carries (layers/crypto/kms-practice-keys.ts `provision`). */
export interface PracticeKeyTags {
  app: string;
  stage: string;
}

/** What a practice session may do to its own partition of each table: DynamoDB actions. */
export type PracticeSessionTables = Partial<Record<TableId, readonly string[]>>;

/** The DynamoDB actions of a function's declared practice access, table by table. */
export function practiceSessionTables(access: PracticeTableAccess): PracticeSessionTables {
  const tables: PracticeSessionTables = {};
  for (const [id, level] of Object.entries(access) as [TableId, TableGrant['access']][]) {
    tables[id] = tableActions(level);
  }
  return tables;
}

const ACTION_NAMES: Record<string, string> = {
  'dynamodb:GetItem': 'Get',
  'dynamodb:Query': 'Query',
  'dynamodb:BatchGetItem': 'BatchGet',
  'dynamodb:PutItem': 'Put',
  'dynamodb:ConditionCheckItem': 'ConditionCheck',
  'dynamodb:UpdateItem': 'Update',
  'dynamodb:DeleteItem': 'Delete',
};

function sidFor(actions: readonly string[]): string {
  const same = (a: readonly string[]) => a.length === actions.length && a.every((x) => actions.includes(x));
  for (const level of ['readwrite', 'readappend', 'read', 'append'] as const) {
    if (same(tableActions(level))) return ACCESS_NAMES[level];
  }
  return actions.map((action) => ACTION_NAMES[action] ?? 'Other').join('');
}

/**
 * A practice session's DynamoDB and table-key permissions. A session is tagged with one practice id and may
 * use DynamoDB only on items whose partition key is exactly `PRACTICE#<its practice id>`: `StringEquals`, not
 * the `StringLike` on `PRACTICE#${aws:PrincipalTag/practiceId}*` one might write, because that prefix match
 * would let practice `ab`'s session read practice `abc`'s partition (and `a81001`'s read `a81001-branch`'s).
 * Every practice item's partition key is exactly `PRACTICE#<id>` (what differs is the sort key, which IAM
 * cannot see). Should a table ever need sub-partitions, add `PRACTICE#<id>#*` (the `#` cannot occur in a
 * practice id, so it stays within one practice), never a bare trailing `*`.
 *
 * With `attributes`, reads are limited to those attributes (DynamoDB fine-grained access control: the
 * request must project them, `Select: SPECIFIC_ATTRIBUTES`), as the token trigger's are.
 *
 * The table key is used only through DynamoDB (encryption at rest); and, whatever a key policy says, no key
 * is used with another practice's encryption context (or none), except the table key by DynamoDB on the
 * session's behalf: the explicit deny makes the context check binding for every session.
 */
export function practiceSessionStatements(
  access: PracticeSessionTables,
  tables: { readonly [K in TableId]?: ITable },
  tableKey: IKey,
  options: { attributes?: readonly string[] } = {},
): PolicyStatement[] {
  const ownPartition = `${PRACTICE_PARTITION_PREFIX}${PRINCIPAL_PRACTICE_ID}`;
  const statements: PolicyStatement[] = [];
  let writes = false;
  for (const definition of TABLES) {
    const actions = access[definition.id];
    if (!actions || actions.length === 0) continue;
    writes ||= actions.some((action) => !READ_ACTIONS.includes(action));
    const table = tables[definition.id];
    if (!table) throw new Error(`No ${definition.id} table to grant a practice session.`);
    const reads = actions.some((action) => READ_ACTIONS.includes(action));
    statements.push(
      new PolicyStatement({
        sid: `${titled(definition.id)}OwnPractice${sidFor(actions)}`,
        effect: Effect.ALLOW,
        actions: [...actions],
        // Indexes only where the session reads: nothing is written to an index.
        resources: [
          table.tableArn,
          ...(reads ? definition.indexes.map((index) => `${table.tableArn}/index/${index.name}`) : []),
        ],
        conditions: {
          'ForAllValues:StringEquals': {
            'dynamodb:LeadingKeys': [ownPartition],
            ...(options.attributes ? { 'dynamodb:Attributes': [...options.attributes] } : {}),
          },
          ...(options.attributes
            ? { StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' } }
            : {}),
        },
      }),
    );
  }
  if (statements.length > 0) statements.push(tableKeyStatement(tableKey, writes));
  statements.push(
    new PolicyStatement({
      sid: 'DenyOtherPracticesEncryptionContext',
      effect: Effect.DENY,
      actions: [
        'kms:Decrypt',
        'kms:Encrypt',
        'kms:GenerateDataKey',
        'kms:GenerateDataKeyWithoutPlaintext',
        'kms:ReEncryptFrom',
        'kms:ReEncryptTo',
      ],
      resources: ['*'],
      conditions: {
        // Both must hold to deny (conditions are ANDed): the context names another practice or none, and
        // DynamoDB is not the caller. A missing key makes StringNotEquals true.
        StringNotEquals: {
          [`kms:EncryptionContext:${PRACTICE_TAG_KEY}`]: PRINCIPAL_PRACTICE_ID,
          'kms:ViaService': `dynamodb.${Aws.REGION}.amazonaws.com`,
        },
      },
    }),
  );
  return statements;
}

/** The KMS actions a practice session may take with its practice's key. */
export const PRACTICE_KEY_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'] as const;
export type PracticeKeyAction = (typeof PRACTICE_KEY_ACTIONS)[number];

/**
 * A practice session's use of its practice's KMS key, and only with that practice's encryption context: for
 * sessions of functions that declare `uses: ['practice-keys']` (infra/capabilities/practice-keys.ts), and for
 * the operators' offboarding and restore drill (Decrypt only). Practice keys are created at run time, so the
 * resource is every key of this account and region, narrowed by the keys' tags (`aws:ResourceTag/*`) rather
 * than by alias: `kms:RequestAlias` only applies when the caller names the key by alias, and the key adapter
 * (layers/crypto/kms-practice-keys.ts) names it by ARN. The key's own policy also requires the role's name to
 * be a practice data role's: both must allow.
 */
export function practiceKeyStatement(
  keyTags: PracticeKeyTags,
  actions: readonly PracticeKeyAction[] = PRACTICE_KEY_ACTIONS,
): PolicyStatement {
  return new PolicyStatement({
    sid: 'OwnPracticeKeyOwnContext',
    effect: Effect.ALLOW,
    actions: [...actions],
    resources: [`arn:${Aws.PARTITION}:kms:${Aws.REGION}:${Aws.ACCOUNT_ID}:key/*`],
    conditions: {
      StringEquals: {
        [`kms:EncryptionContext:${PRACTICE_TAG_KEY}`]: PRINCIPAL_PRACTICE_ID,
        [`aws:ResourceTag/${PRACTICE_TAG_KEY}`]: PRINCIPAL_PRACTICE_ID,
        'aws:ResourceTag/app': keyTags.app,
        'aws:ResourceTag/stage': keyTags.stage,
      },
    },
  });
}
