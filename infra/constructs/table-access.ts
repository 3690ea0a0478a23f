import { Aws } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { effectiveTableGrants, type TableGrant, type TableGrants } from '../../layers/functions/definition';
import { PLATFORM_PARTITION, TABLES, type TableId } from '../../layers/storage/tables';

export type { TableGrant, TableGrants };
export { effectiveTableGrants };

const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'];
/** Append: new items only, as far as IAM can say it (no update, no delete; the writes are conditional puts). */
const APPEND_ACTIONS = ['dynamodb:PutItem', 'dynamodb:ConditionCheckItem'];
const WRITE_ACTIONS = [...APPEND_ACTIONS, 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];

/** The DynamoDB actions of an access level. */
export function tableActions(access: TableGrant['access']): string[] {
  if (access === 'read') return READ_ACTIONS;
  if (access === 'append') return [...READ_ACTIONS, ...APPEND_ACTIONS];
  return [...READ_ACTIONS, ...WRITE_ACTIONS];
}

const ACCESS_RANK = { read: 0, append: 1, readwrite: 2 } as const;

/** The wider of two access levels. */
export function widerAccess(
  a: TableGrant['access'] | undefined,
  b: TableGrant['access'],
): TableGrant['access'] {
  return a !== undefined && ACCESS_RANK[a] >= ACCESS_RANK[b] ? a : b;
}

const writesTo = (access: TableGrant['access']) => access !== 'read';
const titled = (id: string) => `${id[0]?.toUpperCase()}${id.slice(1)}`;
const ACCESS_NAMES = { read: 'Read', append: 'Append', readwrite: 'ReadWrite' } as const;

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

/** The widest of several routes' practice access, table by table: what the one practice data role needs. */
export function unionPracticeAccess(all: readonly PracticeTableAccess[]): PracticeTableAccess {
  const union: PracticeTableAccess = {};
  for (const access of all) {
    for (const [id, level] of Object.entries(access) as [TableId, TableGrant['access']][]) {
      union[id] = widerAccess(union[id], level);
    }
  }
  return union;
}

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
 * The function role's own table access when practice data goes through the practice data role: exactly its
 * access without the scoped credentials (`tableAccessStatements`), minus every `PRACTICE#` partition. So
 * `platform` grants are unchanged (the PLATFORM partition); `practice` grants keep the table's account keys
 * (`ACCOUNT_KEYS`: the partitions and lookups that are neither PLATFORM nor a practice's); `any` grants keep
 * PLATFORM and the account keys. What the route does to practice partitions goes through the practice data
 * role (`practicePartitionAccess`).
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
    if (grant.scope === 'platform') {
      statements.push(
        new PolicyStatement({
          sid: `${name}TablePlatform${access}`,
          effect: Effect.ALLOW,
          actions,
          resources: [table.tableArn],
          conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [PLATFORM_PARTITION] } },
        }),
      );
    } else {
      const partitions = [...(grant.scope === 'any' ? [PLATFORM_PARTITION] : []), ...account.partitions];
      if (partitions.length > 0) {
        statements.push(
          new PolicyStatement({
            sid: `${name}TableNonPractice${access}`,
            effect: Effect.ALLOW,
            actions,
            resources: [table.tableArn],
            conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': partitions } },
          }),
        );
      }
      for (const [index, lookups] of Object.entries(account.indexes)) {
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
    if (statements.length > before) writes ||= writesTo(grant.access);
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

/**
 * The practice data role's permissions. A session is tagged with one practice id, and may:
 *
 * - use DynamoDB only on items whose partition key is exactly `PRACTICE#<its practice id>`: `StringEquals`,
 *   not the `StringLike` on `PRACTICE#${aws:PrincipalTag/practiceId}*` one might write, because that prefix
 *   match would let practice `ab`'s session read practice `abc`'s partition (and `a81001`'s read
 *   `a81001-branch`'s). Every practice item's partition key is exactly `PRACTICE#<id>` (what differs is the
 *   sort key, which IAM cannot see). Should a table ever need sub-partitions, add `PRACTICE#<id>#*` (the `#`
 *   cannot occur in a practice id, so it stays within one practice), never a bare trailing `*`.
 * - use the table key only through DynamoDB (table encryption at rest);
 * - use a practice key only if it is tagged for this app, stage and practice, and only with the encryption
 *   context `practiceId = <its practice id>`. Practice keys are created at run time, so the resource is every
 *   key of this account and region, narrowed by the keys' tags (`aws:ResourceTag/*`) rather than by alias:
 *   `kms:RequestAlias` only applies when the caller names the key by alias, and the key adapter
 *   (layers/crypto/kms-practice-keys.ts) names it by ARN.
 * - and never, whatever a key policy says, use any key with another practice's encryption context (or none),
 *   except DynamoDB using the table key on its behalf: the explicit deny makes the context check binding even
 *   though practice key policies name this role directly (a key policy grant alone would suffice for KMS).
 */
export function practiceDataRoleStatements(
  access: PracticeTableAccess,
  tables: { readonly [K in TableId]: ITable },
  tableKey: IKey,
  keyTags: PracticeKeyTags,
): PolicyStatement[] {
  const ownPartition = `${PRACTICE_PARTITION_PREFIX}${PRINCIPAL_PRACTICE_ID}`;
  const statements: PolicyStatement[] = [];
  let writes = false;
  for (const definition of TABLES) {
    const level = access[definition.id];
    if (!level) continue;
    writes ||= writesTo(level);
    const table = tables[definition.id];
    statements.push(
      new PolicyStatement({
        sid: `${titled(definition.id)}OwnPractice${ACCESS_NAMES[level]}`,
        effect: Effect.ALLOW,
        actions: tableActions(level),
        resources: [
          table.tableArn,
          ...definition.indexes.map((index) => `${table.tableArn}/index/${index.name}`),
        ],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [ownPartition] } },
      }),
    );
  }
  if (statements.length > 0) statements.push(tableKeyStatement(tableKey, writes));
  const anyKey = `arn:${Aws.PARTITION}:kms:${Aws.REGION}:${Aws.ACCOUNT_ID}:key/*`;
  statements.push(
    new PolicyStatement({
      sid: 'OwnPracticeKeyOwnContext',
      effect: Effect.ALLOW,
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
      resources: [anyKey],
      conditions: {
        StringEquals: {
          [`kms:EncryptionContext:${PRACTICE_TAG_KEY}`]: PRINCIPAL_PRACTICE_ID,
          [`aws:ResourceTag/${PRACTICE_TAG_KEY}`]: PRINCIPAL_PRACTICE_ID,
          'aws:ResourceTag/app': keyTags.app,
          'aws:ResourceTag/stage': keyTags.stage,
        },
      },
    }),
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
