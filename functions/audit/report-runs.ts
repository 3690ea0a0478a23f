import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { assertPracticeId } from '../../layers/crypto/practice-id';
import { directoryKeys } from '../../layers/directory/model';
import { sortKeyOf } from '../../layers/records/record-kinds';

/** How long a run can be paged, downloaded and checked before it must be run again. */
export const REPORT_RUN_HOURS = 4;

/**
 * One run of an audit report: who ran it, for which range and filters. Pages, the CSV and the integrity check
 * name the run rather than repeating the filters, so every read of report data happens within a run that was
 * audited, by the member who ran it. The patient filter is kept as its blind index (what the events are
 * matched by) and, encrypted, as typed (to print it back on the officer's report); never in clear.
 */
export interface ReportRun {
  reportId: string;
  createdBy: string;
  createdAt: string;
  /** UK days, both included, and the instants they span: `fromIso <= at < toIso`. */
  from: string;
  to: string;
  fromIso: string;
  toIso: string;
  staffId?: string;
  patientIndex?: string;
  patientNhsCiphertext?: string;
}

export class ReportRuns {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    readonly practiceId: string,
  ) {
    assertPracticeId(practiceId);
  }

  newReportId(): string {
    return randomUUID();
  }

  async create(run: ReportRun, now = new Date()): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...this.key(run.reportId),
          ...run,
          expiresAt: Math.floor(now.getTime() / 1000) + REPORT_RUN_HOURS * 3_600,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  /** The run, `expired` once its time is up (DynamoDB's TTL deletes it later), or undefined. */
  async get(reportId: string, now = new Date()): Promise<ReportRun | 'expired' | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(reportId) }),
    );
    if (!Item) return undefined;
    if (typeof Item.expiresAt === 'number' && Item.expiresAt * 1000 <= now.getTime()) return 'expired';
    const { pk: _pk, sk: _sk, expiresAt: _expires, ...run } = Item;
    return run as ReportRun;
  }

  private key(reportId: string) {
    return {
      pk: directoryKeys.practicePartition(this.practiceId),
      sk: sortKeyOf('auditReportRun', reportId),
    };
  }
}
