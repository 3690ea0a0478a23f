// Floor: the least a route that reads one table can carry here, the DynamoDB client and Powertools.
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { logger, metrics } from '../../../layers/observability/powertools';

const client = new DynamoDBClient({});

export const handler = async () => {
  const item = await client.send(new GetItemCommand({ TableName: 'floor', Key: { pk: { S: 'floor' } } }));
  logger.info('floor');
  metrics.publishStoredMetrics();
  return item;
};
