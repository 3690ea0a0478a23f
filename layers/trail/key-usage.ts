import type { CloudTrailRecord, UserIdentity } from './records';

/**
 * Who a record says acted: for an assumed role the ROLE (its session issuer), since sessions are per function
 * invocation or per person and the allow-list is of roles; for a service acting on its own, the service.
 */
export function principalOf(identity: UserIdentity | undefined): { principal: string; type: string } {
  const type = identity?.type ?? 'Unknown';
  if (!identity) return { principal: 'unknown', type };
  if (type === 'AssumedRole') {
    return { principal: identity.sessionContext?.sessionIssuer?.arn ?? identity.arn ?? 'unknown', type };
  }
  if (type === 'AWSService') return { principal: identity.invokedBy ?? 'AWSService', type };
  if (type === 'AWSAccount')
    return { principal: `account:${identity.accountId ?? identity.principalId}`, type };
  return { principal: identity.arn ?? identity.principalId ?? 'unknown', type };
}

/**
 * The principals expected to use a key: exact strings, strings with IAM-style wildcards (`*` any run, `?` one
 * character), or regular expressions, matched against the whole principal (see `principalOf`).
 */
export class PrincipalAllowList {
  private readonly patterns: RegExp[];

  constructor(patterns: readonly (string | RegExp)[]) {
    this.patterns = patterns.map((pattern) =>
      typeof pattern === 'string'
        ? new RegExp(
            `^${pattern
              .replace(/[.+^${}()|[\]\\/]/g, '\\$&')
              .replace(/\*/g, '.*')
              .replace(/\?/g, '.')}$`,
          )
        : pattern,
    );
  }

  allows(principal: string): boolean {
    return this.patterns.some((pattern) => {
      pattern.lastIndex = 0;
      return pattern.test(principal);
    });
  }
}

export interface KeyUsageRow {
  keyArn: string;
  principal: string;
  principalType: string;
  action: string;
  /** UTC day of the calls, `YYYY-MM-DD`. */
  day: string;
  count: number;
  /** Of those, how many failed (the record has an `errorCode`, e.g. AccessDenied). */
  errors: number;
  allowed: boolean;
}

export interface KeyUsageSummary {
  /** Per key, principal, action and day; sorted by key, day, principal, action. */
  rows: KeyUsageRow[];
  /** The rows of principals not on the allow-list (each use, successful or refused, is a finding). */
  outsiders: KeyUsageRow[];
  /** KMS records counted (after the key and time filters). */
  records: number;
}

export interface KeyUsageOptions {
  allow: PrincipalAllowList;
  /** Only these keys (ARNs); all KMS keys in the records if not given. */
  keyArns?: readonly string[];
  start?: Date;
  end?: Date;
}

/** The KMS keys a record is about: its `AWS::KMS::Key` resources, or a key ARN in `requestParameters.keyId`. */
export function kmsKeysOf(record: CloudTrailRecord): string[] {
  const fromResources = (record.resources ?? [])
    .filter((resource) => resource.type === 'AWS::KMS::Key' && typeof resource.ARN === 'string')
    .map((resource) => resource.ARN as string);
  if (fromResources.length > 0) return [...new Set(fromResources)];
  const keyId = record.requestParameters?.keyId;
  return typeof keyId === 'string' && keyId.startsWith('arn:') && keyId.includes(':key/') ? [keyId] : [];
}

/**
 * Who used which KMS key, how, and how often per day, from CloudTrail records (a trail's log files locally,
 * an Athena query in AWS), with every principal outside the allow-list called out: the report's "AWS
 * evidence" on key use.
 */
export async function summariseKeyUsage(
  records: Iterable<CloudTrailRecord> | AsyncIterable<CloudTrailRecord>,
  options: KeyUsageOptions,
): Promise<KeyUsageSummary> {
  const wanted = options.keyArns ? new Set(options.keyArns) : undefined;
  const start = options.start?.getTime() ?? Number.NEGATIVE_INFINITY;
  const end = options.end?.getTime() ?? Number.POSITIVE_INFINITY;
  const rows = new Map<string, KeyUsageRow>();
  let counted = 0;
  for await (const record of records) {
    if (record.eventSource !== 'kms.amazonaws.com') continue;
    const time = Date.parse(record.eventTime);
    if (!(time >= start && time < end)) continue;
    const keys = kmsKeysOf(record).filter((arn) => !wanted || wanted.has(arn));
    if (keys.length === 0) continue;
    counted++;
    const { principal, type } = principalOf(record.userIdentity);
    const day = new Date(time).toISOString().slice(0, 10);
    for (const keyArn of keys) {
      const id = JSON.stringify([keyArn, principal, record.eventName, day]);
      let row = rows.get(id);
      if (!row) {
        row = {
          keyArn,
          principal,
          principalType: type,
          action: record.eventName,
          day,
          count: 0,
          errors: 0,
          allowed: options.allow.allows(principal),
        };
        rows.set(id, row);
      }
      row.count++;
      if (record.errorCode) row.errors++;
    }
  }
  const sorted = [...rows.values()].sort(
    (a, b) =>
      compare(a.keyArn, b.keyArn) ||
      compare(a.day, b.day) ||
      compare(a.principal, b.principal) ||
      compare(a.action, b.action),
  );
  return { rows: sorted, outsiders: sorted.filter((row) => !row.allowed), records: counted };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
