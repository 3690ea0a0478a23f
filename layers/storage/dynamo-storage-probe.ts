import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { StorageProbe } from './storage-probe';
import { PLATFORM_PARTITION } from './tables';

/**
 * A read of one fixed platform key: a data-plane call, so it exercises the same path (and permissions) as
 * real traffic without the low rate limits of DescribeTable.
 */
export class DynamoStorageProbe implements StorageProbe {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async ping(): Promise<void> {
    await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: PLATFORM_PARTITION, sk: 'HEALTH' } }),
    );
  }
}
