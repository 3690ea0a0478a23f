import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A write DynamoDB carried out (it answered 200), as the request named it. */
export interface RecordedWrite {
  operation: string;
  table: string;
  pk: string;
  sk: string;
  /** The item written, for PutItem (DynamoDB JSON). */
  item?: Record<string, { S?: string } & Record<string, unknown>>;
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

type Key = { pk?: { S?: string }; sk?: { S?: string } };

function writesOf(operation: string, body: Record<string, unknown>): RecordedWrite[] {
  const one = (table: string, key: Key, item?: RecordedWrite['item']): RecordedWrite => ({
    operation,
    table,
    pk: key.pk?.S ?? '?',
    sk: key.sk?.S ?? '?',
    ...(item ? { item } : {}),
  });
  if (operation === 'PutItem')
    return [one(String(body.TableName), body.Item as Key, body.Item as RecordedWrite['item'])];
  if (operation === 'UpdateItem' || operation === 'DeleteItem')
    return [one(String(body.TableName), body.Key as Key)];
  if (operation === 'BatchWriteItem') {
    const byTable = body.RequestItems as Record<
      string,
      { PutRequest?: { Item: Key }; DeleteRequest?: { Key: Key } }[]
    >;
    return Object.entries(byTable).flatMap(([table, requests]) =>
      requests.map((r) => one(table, r.PutRequest?.Item ?? r.DeleteRequest?.Key ?? {})),
    );
  }
  return [{ operation, table: '?', pk: '?', sk: '?' }];
}

/**
 * A pass-through in front of the local DynamoDB (dynalite) that notes every write it carried out: the fuzz
 * suite points the functions at it and learns, request by request, exactly what each one wrote. Everything is
 * forwarded unchanged; nothing is answered on DynamoDB's behalf.
 */
export async function startDynamoRecorder(upstream: string) {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true });
  const writes: RecordedWrite[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const forward = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent,
        },
        (answer) => {
          const out: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => out.push(chunk));
          answer.on('end', () => {
            if (WRITES.has(operation) && answer.statusCode === 200) {
              writes.push(...writesOf(operation, JSON.parse(body.toString('utf8'))));
            }
            res.writeHead(answer.statusCode ?? 500, answer.headers);
            res.end(Buffer.concat(out));
          });
        },
      );
      forward.on('error', (error) => {
        res.writeHead(502).end(String(error));
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    writes,
    async close() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
