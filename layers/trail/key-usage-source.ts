import type { TrailLocation } from './format';
import { type KeyUsageRow, type PrincipalAllowList, principalOf, summariseKeyUsage } from './key-usage';
import type { TrailObjectReader } from './objects';
import { type CloudTrailRecord, readTrailRecords } from './records';

export interface EvidenceQuery {
  /** The practice's KMS key. */
  keyArn: string;
  /** The practice's partition key (`PRACTICE#<id>`): DynamoDB data events name it in `requestParameters.key`. */
  partitionKey: string;
  start: Date;
  end: Date;
}

export interface KeyUsageEvidence {
  /** Every use of the key, per principal, action and UTC day. */
  keyUsage: KeyUsageRow[];
  /**
   * DynamoDB data events by principals outside the app's roles that touched the practice's items (by key), or
   * that cannot be tied to one practice (Query, Scan and batch calls do not log key values): each one needs
   * explaining. The app's own access is routine and not listed.
   */
  itemAccess: KeyUsageRow[];
}

/**
 * Port: the trail's records of one practice's key and items. In AWS an Athena query over the trail (its Glue
 * table, partition projection by day); locally the local trail's log files, read directly.
 */
export interface KeyUsageSource {
  readonly source: 'athena' | 'local-trail';
  evidence(query: EvidenceQuery, allow: PrincipalAllowList): Promise<KeyUsageEvidence>;
}

/** Groups DynamoDB data events by principal, action and day, keeping the outsiders'. */
export function summariseItemAccess(
  records: Iterable<CloudTrailRecord>,
  partitionKey: string,
  allow: PrincipalAllowList,
): KeyUsageRow[] {
  const rows = new Map<string, KeyUsageRow>();
  for (const record of records) {
    if (record.eventSource !== 'dynamodb.amazonaws.com') continue;
    const key = (record.requestParameters as { key?: { pk?: unknown } } | null | undefined)?.key?.pk;
    if (key !== undefined && key !== partitionKey) continue;
    const { principal, type } = principalOf(record.userIdentity);
    if (allow.allows(principal)) continue;
    const day = record.eventTime.slice(0, 10);
    const id = JSON.stringify([principal, record.eventName, day]);
    let row = rows.get(id);
    if (!row) {
      row = {
        keyArn: '',
        principal,
        principalType: type,
        action: record.eventName,
        day,
        count: 0,
        errors: 0,
        allowed: false,
      };
      rows.set(id, row);
    }
    row.count++;
    if (record.errorCode) row.errors++;
  }
  return [...rows.values()].sort((a, b) => (a.day + a.principal < b.day + b.principal ? -1 : 1));
}

/** The local trail (or any trail's files read directly): fine for what a laptop or a test holds. */
export class TrailFileKeyUsage implements KeyUsageSource {
  readonly source = 'local-trail' as const;

  constructor(
    private readonly objects: TrailObjectReader,
    private readonly location: TrailLocation,
  ) {}

  async evidence(query: EvidenceQuery, allow: PrincipalAllowList): Promise<KeyUsageEvidence> {
    const records: CloudTrailRecord[] = [];
    for await (const record of readTrailRecords(this.objects, this.location, query, () => undefined)) {
      records.push(record);
    }
    const summary = await summariseKeyUsage(records, {
      allow,
      keyArns: [query.keyArn],
      start: query.start,
      end: query.end,
    });
    return { keyUsage: summary.rows, itemAccess: summariseItemAccess(records, query.partitionKey, allow) };
  }
}
