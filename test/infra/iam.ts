import type { Template } from 'aws-cdk-lib/assertions';

/**
 * Just enough of IAM's policy evaluation to answer "may this principal do this?" from synthesized templates:
 * the statements of a role's managed policies, its trust policy, and the condition operators and keys this
 * app's policies use. Anything else (another operator, key or resource shape) throws: a test built on it
 * fails rather than passing on something it cannot read.
 */
export type Json = Record<string, unknown>;
export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: unknown;
  Principal?: { AWS?: unknown; Service?: unknown };
  Condition?: Record<string, Record<string, unknown>>;
}
interface Resource {
  Type: string;
  Properties: Json;
}

// biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, written as IAM reads it.
export const PRINCIPAL_TAG = '${aws:PrincipalTag/practiceId}';

export const actionsOf = (statement: Statement) => [statement.Action].flat();

export function resourcesOf(template: Template): Record<string, Resource> {
  return template.toJSON().Resources as Record<string, Resource>;
}

/** Every statement of the managed policies attached to a role (by its logical id). */
export function roleStatements(template: Template, roleId: string): Statement[] {
  return Object.values(resourcesOf(template))
    .filter(
      (resource) =>
        resource.Type === 'AWS::IAM::ManagedPolicy' &&
        JSON.stringify(resource.Properties.Roles ?? []) === JSON.stringify([{ Ref: roleId }]),
    )
    .flatMap((resource) => (resource.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

/** The roles of a template whose trust policy names `principal` (a `Fn::GetAtt` of a role, or the account). */
export function rolesTrusting(template: Template, principal: unknown): string[] {
  return Object.entries(resourcesOf(template))
    .filter(([, resource]) => resource.Type === 'AWS::IAM::Role')
    .filter(([, resource]) => {
      const trust = (resource.Properties.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement;
      return trust.some((statement) =>
        [statement.Principal?.AWS].flat().some((p) => JSON.stringify(p) === JSON.stringify(principal)),
      );
    })
    .map(([id]) => id);
}

/** IAM's StringLike: `*` any run of characters, `?` exactly one. */
export function like(pattern: string, value: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(value);
}

/** What a request is, as far as these policies look at it. */
export interface Request {
  action: string;
  /** `directory`, `directory/index/gsi1`, `tableKey`, `practiceKey`, `exportKey`, `exportBucket`, ... */
  resource: string;
  /** The session's `practiceId` tag; none for the function's own role. */
  tag?: string;
  /** DynamoDB: every partition key the request touches (one, here). */
  partitionKey?: string;
  /** DynamoDB: the attributes it names, and its Select (fine-grained access control). */
  attributes?: string[];
  select?: string;
  /** KMS: the encryption context's practiceId, and whether DynamoDB is the caller. */
  contextPracticeId?: string;
  viaDynamoDb?: boolean;
  /** KMS: the practice key's tags. */
  keyTags?: Record<string, string>;
  /** Tagging requests (CreateKey, TagResource): the tags asked for. */
  requestTags?: Record<string, string>;
}

/** Which resource kinds a statement names (tables by logical id, keys by their shape). */
export function resourceKinds(statement: Statement): string[] {
  return [statement.Resource].flat().map((resource) => {
    const json = JSON.stringify(resource);
    if (json === '"*"') return '*';
    const table = /(directory|records|audit)Table/.exec(json)?.[1];
    if (table) {
      const index = /\/index\/(\w+)/.exec(json)?.[1];
      return index ? `${table}/index/${index}` : table;
    }
    if (json.includes(':key/*')) return 'practiceKey';
    if (/TableKey/.test(json)) return 'tableKey';
    if (/alias\/clinic-connect\/[^"]*\/practice\/\*/.test(json)) return 'practiceKeyAlias';
    if (/PracticeExports.*Key/.test(json)) return 'exportKey';
    if (/PracticeExports.*Bucket/.test(json)) return 'exportBucket';
    if (/UserPool/.test(json)) return 'userPool';
    if (/Logs/.test(json)) return 'logGroup';
    if (/PracticeData|RestoreDrill/.test(json)) return 'practiceDataRole';
    return `other:${json}`;
  });
}

function contextValue(key: string, request: Request): string | string[] | undefined {
  switch (key) {
    case 'dynamodb:LeadingKeys':
      return request.partitionKey === undefined ? undefined : [request.partitionKey];
    case 'dynamodb:Attributes':
      return request.attributes;
    case 'dynamodb:Select':
      return request.select;
    case 'kms:EncryptionContext:practiceId':
      return request.contextPracticeId;
    case 'kms:ViaService':
      return request.viaDynamoDb ? 'dynamodb.REGION.amazonaws.com' : undefined;
    case 'aws:TagKeys':
      return request.requestTags ? Object.keys(request.requestTags) : undefined;
    default:
      if (key.startsWith('aws:ResourceTag/')) return request.keyTags?.[key.slice('aws:ResourceTag/'.length)];
      if (key.startsWith('aws:RequestTag/'))
        return request.requestTags?.[key.slice('aws:RequestTag/'.length)];
      throw new Error(`unexpected condition key ${key}`);
  }
}

/** A policy value with its variables filled in for the request; undefined when a variable is missing. */
function expected(value: unknown, request: Request): string | undefined {
  const json = JSON.stringify(value);
  if (json.includes('dynamodb.') && json.includes('AWS::Region')) return 'dynamodb.REGION.amazonaws.com';
  if (typeof value !== 'string') throw new Error(`unexpected condition value ${json}`);
  if (!value.includes(PRINCIPAL_TAG)) return value;
  return request.tag === undefined ? undefined : value.replaceAll(PRINCIPAL_TAG, request.tag);
}

function conditionHolds(operator: string, key: string, raw: unknown, request: Request): boolean {
  const wanted = [raw]
    .flat()
    .map((value) => expected(value, request))
    .filter((value): value is string => value !== undefined);
  const actual = contextValue(key, request);
  const values = actual === undefined ? undefined : [actual].flat();
  switch (operator) {
    case 'StringEquals':
      return values !== undefined && values.length === 1 && wanted.includes(values[0] as string);
    case 'StringNotEquals':
      return values === undefined || !wanted.includes(values[0] as string);
    case 'StringLike':
      return values !== undefined && values.length === 1 && wanted.some((w) => like(w, values[0] as string));
    case 'StringEqualsIfExists':
      return values === undefined || wanted.includes(values[0] as string);
    case 'ForAllValues:StringEquals':
      return (values ?? []).every((value) => wanted.includes(value));
    case 'ForAllValues:StringLike':
      return (values ?? []).every((value) => wanted.some((w) => like(w, value)));
    case 'ForAllValues:StringNotEquals':
      return (values ?? []).every((value) => !wanted.includes(value));
    default:
      throw new Error(`unexpected operator ${operator}`);
  }
}

function matches(statement: Statement, request: Request): boolean {
  if (!actionsOf(statement).some((action) => like(action, request.action))) return false;
  const kinds = resourceKinds(statement);
  if (!kinds.includes('*') && !kinds.includes(request.resource)) return false;
  return Object.entries(statement.Condition ?? {}).every(([operator, block]) =>
    Object.entries(block).every(([key, value]) => conditionHolds(operator, key, value, request)),
  );
}

/** Allowed: some Allow statement matches and no Deny does. */
export function allows(statements: readonly Statement[], request: Request): boolean {
  if (statements.some((s) => s.Effect === 'Deny' && matches(s, request))) return false;
  return statements.some((s) => s.Effect === 'Allow' && matches(s, request));
}
