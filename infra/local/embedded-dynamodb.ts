import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
} from '@aws-sdk/client-dynamodb';
import { TABLES, type TableDefinition, type TableId } from '../../layers/storage/tables';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;

export interface EmbeddedDynamo {
  endpoint: string;
  tableNames: Record<TableId, string>;
  /** Requests answered so far, by DynamoDB operation (`GetItem`, `PutItem`, ...): round trips, for the bench. */
  operations(): Record<string, number>;
  close(): Promise<void>;
}

/**
 * dynalite speaks the real DynamoDB HTTP API, so the handlers' DynamoDB adapter runs unchanged against it.
 * With a `path` it persists to LevelDB there; without one it is in memory (tests).
 */
export async function startEmbeddedDynamo(options: {
  path?: string;
  tablePrefix?: string;
}): Promise<EmbeddedDynamo> {
  const server = dynalite({
    ...(options.path ? { path: options.path } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  const operations: Record<string, number> = {};
  server.on('request', (request) => {
    // The operation is in the X-Amz-Target header, `DynamoDB_20120810.GetItem`.
    const operation =
      String(request.headers['x-amz-target'] ?? 'unknown')
        .split('.')
        .pop() ?? 'unknown';
    operations[operation] = (operations[operation] ?? 0) + 1;
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const prefix = options.tablePrefix ?? 'local';
  const tableNames = Object.fromEntries(TABLES.map((t) => [t.id, `${prefix}-${t.id}`])) as Record<
    TableId,
    string
  >;
  await ensureTables(endpoint, tableNames);
  return {
    endpoint,
    tableNames,
    operations: () => ({ ...operations }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function createTableInput(definition: TableDefinition, tableName: string) {
  const attributes = new Set<string>([definition.partitionKey, definition.sortKey]);
  for (const index of definition.indexes) {
    attributes.add(index.partitionKey);
    attributes.add(index.sortKey);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [...attributes].map((name) => ({
      AttributeName: name,
      AttributeType: 'S' as const,
    })),
    KeySchema: [
      { AttributeName: definition.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: definition.sortKey, KeyType: 'RANGE' as const },
    ],
    ...(definition.indexes.length > 0
      ? {
          GlobalSecondaryIndexes: definition.indexes.map((index) => ({
            IndexName: index.name,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
              { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
            ],
            Projection: { ProjectionType: 'ALL' as const },
          })),
        }
      : {}),
  };
}

/** Creates, from the shared definitions, whichever tables do not exist yet. */
async function ensureTables(endpoint: string, tableNames: Record<TableId, string>): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'eu-west-2',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const existing = new Set((await client.send(new ListTablesCommand({}))).TableNames ?? []);
    for (const definition of TABLES) {
      const name = tableNames[definition.id];
      if (!existing.has(name)) {
        await client.send(new CreateTableCommand(createTableInput(definition, name)));
        continue;
      }
      // dynalite cannot add an index to a table (UpdateTable), and a missing one fails only when it is queried.
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
      const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
      const missing = definition.indexes
        .filter((index) => !present.has(index.name))
        .map((index) => index.name);
      if (missing.length > 0) {
        throw new Error(
          `The local ${definition.id} table predates its index ${missing.join(', ')}: delete the data directory's ` +
            'dynamodb folder (or the whole data directory) and start again.',
        );
      }
    }
  } finally {
    client.destroy();
  }
}
