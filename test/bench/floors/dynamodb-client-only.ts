// Floor: the AWS SDK's DynamoDB client making one GetItem, and nothing else.
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';

const client = new DynamoDBClient({});

export const handler = async () =>
  client.send(new GetItemCommand({ TableName: 'floor', Key: { pk: { S: 'floor' } } }));
