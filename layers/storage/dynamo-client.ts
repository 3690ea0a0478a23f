import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BaseConfig } from '../config/base-config';

/**
 * The same client talks to DynamoDB in AWS and to dynalite locally: only the endpoint differs. Created once
 * per container at module scope by each handler.
 */
export function createDocumentClient(config: Pick<BaseConfig, 'AWS_REGION' | 'DYNAMODB_ENDPOINT'>) {
  const client = new DynamoDBClient({
    region: config.AWS_REGION,
    ...(config.DYNAMODB_ENDPOINT ? { endpoint: config.DYNAMODB_ENDPOINT } : {}),
    maxAttempts: 3,
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}
