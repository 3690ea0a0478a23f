import {
  type AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import type { KeyUsageRow, PrincipalAllowList } from './key-usage';
import type { EvidenceQuery, KeyUsageEvidence, KeyUsageSource } from './key-usage-source';

export interface AthenaTrailTable {
  workGroup: string;
  database: string;
  table: string;
}

/** Athena could not answer in time or failed: the report says the evidence is unavailable, and why. */
export class TrailQueryError extends Error {
  override readonly name: string = 'TrailQueryError';
}

const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/;
const PARTITION_KEY = /^PRACTICE#[a-z0-9][a-z0-9-]{2,62}$/;
const NAME = /^[A-Za-z0-9_-]{1,128}$/;

/** Who acted, as `principalOf` (layers/trail/key-usage.ts) says it, in SQL over the CloudTrail table. */
const PRINCIPAL = `CASE useridentity.type
    WHEN 'AssumedRole' THEN coalesce(useridentity.sessioncontext.sessionissuer.arn, useridentity.arn, 'unknown')
    WHEN 'AWSService' THEN coalesce(useridentity.invokedby, 'AWSService')
    WHEN 'AWSAccount' THEN concat('account:', coalesce(useridentity.accountid, useridentity.principalid))
    ELSE coalesce(useridentity.arn, useridentity.principalid, 'unknown') END`;

const day = (date: Date) => date.toISOString().slice(0, 10).replace(/-/g, '/');
const time = (date: Date) => `${date.toISOString().slice(0, 19)}Z`;

/**
 * The two queries of a practice's evidence. Values are checked against strict patterns before they are put
 * into SQL (Athena's DML has no bound parameters for these), and `timestamp` (the partition projection's day)
 * bounds what Athena reads to the range's days.
 */
export function evidenceQueries(table: AthenaTrailTable, query: EvidenceQuery) {
  if (!KEY_ARN.test(query.keyArn)) throw new TypeError('Not a KMS key ARN.');
  if (!PARTITION_KEY.test(query.partitionKey)) throw new TypeError('Not a practice partition key.');
  if (!NAME.test(table.database) || !NAME.test(table.table)) throw new TypeError('Not an Athena table name.');
  const from = `"${table.database}"."${table.table}"`;
  const where = `timestamp BETWEEN '${day(query.start)}' AND '${day(query.end)}'
    AND eventtime >= '${time(query.start)}' AND eventtime < '${time(query.end)}'`;
  const columns = `${PRINCIPAL} AS principal, useridentity.type AS principaltype, eventname,
    substr(eventtime, 1, 10) AS day, count(*) AS calls, count_if(errorcode IS NOT NULL) AS errors`;
  return {
    keyUsage: `SELECT ${columns} FROM ${from}
  WHERE ${where} AND eventsource = 'kms.amazonaws.com'
    AND any_match(resources, r -> r.arn = '${query.keyArn}')
  GROUP BY 1, 2, 3, 4 ORDER BY 4, 1, 3`,
    itemAccess: `SELECT ${columns} FROM ${from}
  WHERE ${where} AND eventsource = 'dynamodb.amazonaws.com'
    AND coalesce(json_extract_scalar(requestparameters, '$.key.pk'), '${query.partitionKey}') = '${query.partitionKey}'
  GROUP BY 1, 2, 3, 4 ORDER BY 4, 1, 3`,
  };
}

/**
 * The trail in S3, queried with Athena (CloudTrail Lake is closed to new customers since 31 May 2026): a Glue
 * table over the log files with partition projection by day, in a workgroup whose results are encrypted. Each
 * query is started, polled until it finishes (or the deadline), and read back page by page.
 */
export class AthenaKeyUsage implements KeyUsageSource {
  readonly source = 'athena' as const;

  constructor(
    private readonly client: AthenaClient,
    private readonly table: AthenaTrailTable,
    private readonly options: { timeoutMs?: number; pollMs?: number } = {},
  ) {}

  async evidence(query: EvidenceQuery, allow: PrincipalAllowList): Promise<KeyUsageEvidence> {
    const sql = evidenceQueries(this.table, query);
    const [keyUsage, itemAccess] = await Promise.all([this.rows(sql.keyUsage), this.rows(sql.itemAccess)]);
    const asRow = (row: Record<string, string>): KeyUsageRow => ({
      keyArn: query.keyArn,
      principal: row.principal ?? 'unknown',
      principalType: row.principaltype ?? 'Unknown',
      action: row.eventname ?? '',
      day: row.day ?? '',
      count: Number(row.calls ?? 0),
      errors: Number(row.errors ?? 0),
      allowed: allow.allows(row.principal ?? 'unknown'),
    });
    return {
      keyUsage: keyUsage.map(asRow),
      itemAccess: itemAccess.map(asRow).filter((row) => !row.allowed),
    };
  }

  private async rows(queryString: string): Promise<Record<string, string>[]> {
    const deadline = Date.now() + (this.options.timeoutMs ?? 20_000);
    const { QueryExecutionId } = await this.client.send(
      new StartQueryExecutionCommand({
        QueryString: queryString,
        WorkGroup: this.table.workGroup,
        QueryExecutionContext: { Database: this.table.database },
      }),
    );
    if (!QueryExecutionId) throw new TrailQueryError('Athena started no query.');
    for (;;) {
      const { QueryExecution } = await this.client.send(new GetQueryExecutionCommand({ QueryExecutionId }));
      const state = QueryExecution?.Status?.State;
      if (state === 'SUCCEEDED') break;
      if (state === 'FAILED' || state === 'CANCELLED') {
        throw new TrailQueryError(
          `The trail query ${state.toLowerCase()}: ${QueryExecution?.Status?.StateChangeReason ?? ''}`,
        );
      }
      if (Date.now() > deadline) throw new TrailQueryError('The trail query did not finish in time.');
      await new Promise((resolve) => setTimeout(resolve, this.options.pollMs ?? 400));
    }
    const rows: Record<string, string>[] = [];
    let header: string[] | undefined;
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new GetQueryResultsCommand({ QueryExecutionId, NextToken: nextToken }),
      );
      for (const row of page.ResultSet?.Rows ?? []) {
        const values = (row.Data ?? []).map((datum) => datum.VarCharValue ?? '');
        if (!header) {
          header = values;
          continue;
        }
        rows.push(Object.fromEntries(header.map((name, index) => [name, values[index] ?? ''])));
      }
      nextToken = page.NextToken;
    } while (nextToken);
    return rows;
  }
}
