import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { practicePartition } from './record-keys';
import { sortKeyOf } from './record-kinds';

export interface RateLimit {
  /** Names the counter, e.g. `lookup#user#<sub>` or `lookup#practice`. */
  counter: string;
  limit: number;
  windowSeconds: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Fixed-window counters in the practice's own partition of the records table: one conditional UpdateItem per
 * check (`hits < limit`, then add one), so concurrent requests in many containers never overshoot, and no
 * transaction is needed (dynalite has none). A counter expires with its window (TTL; reads never see it after).
 */
export class PracticeRateLimits {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    readonly practiceId: string,
  ) {}

  async take(limit: RateLimit, now: Date = new Date()): Promise<RateDecision> {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const windowStart = nowSeconds - (nowSeconds % limit.windowSeconds);
    const windowEnd = windowStart + limit.windowSeconds;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: {
            pk: practicePartition(this.practiceId),
            sk: sortKeyOf('rateCounter', limit.counter, String(windowStart)),
          },
          UpdateExpression: 'ADD hits :one SET expiresAt = :expiresAt',
          ConditionExpression: 'attribute_not_exists(hits) OR hits < :limit',
          ExpressionAttributeValues: { ':one': 1, ':limit': limit.limit, ':expiresAt': windowEnd },
        }),
      );
      return { allowed: true };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return { allowed: false, retryAfterSeconds: Math.max(1, windowEnd - nowSeconds) };
      }
      throw error;
    }
  }
}
