import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAuditLog } from '../../layers/audit/audit-log';
import { DynamoDirectoryStore } from '../../layers/directory/directory-store';

/** The stack's own stores, opened directly: for arranging data and checking what a request changed. */
export function openStores(stack: { dynamoEndpoint: string; tableNames: Record<string, string> }) {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: stack.dynamoEndpoint,
      region: 'eu-west-2',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    }),
  );
  return {
    client,
    directory: new DynamoDirectoryStore(client, stack.tableNames.directory ?? ''),
    audit: new DynamoAuditLog(client, stack.tableNames.audit ?? ''),
  };
}
