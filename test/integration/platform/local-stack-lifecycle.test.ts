import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { PortInUseError, startLocalStack } from '../../../infra/local/local-stack';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function freshDir() {
  const dir = await mkdtemp(join(tmpdir(), 'clinic-life-'));
  dirs.push(dir);
  return dir;
}

async function readPractice(endpoint: string, table: string, practiceId: string) {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint,
      region: 'eu-west-2',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    }),
  );
  const { Item } = await client.send(
    new GetCommand({ TableName: table, Key: { pk: `PRACTICE#${practiceId}`, sk: 'PRACTICE' } }),
  );
  client.destroy();
  return Item;
}

describe('the local stack', () => {
  it('keeps its data and demo credentials from one start to the next', async () => {
    const dataDir = await freshDir();
    const first = await startLocalStack({ port: 0, dataDir, logLevel: 'ERROR' });
    const firstPractice = await readPractice(
      first.dynamoEndpoint,
      first.tableNames.directory ?? '',
      first.demo.practice.practiceId,
    );
    await first.close();

    const second = await startLocalStack({ port: 0, dataDir, logLevel: 'ERROR' });
    try {
      expect(second.demo).toEqual(first.demo);
      const secondPractice = await readPractice(
        second.dynamoEndpoint,
        second.tableNames.directory ?? '',
        second.demo.practice.practiceId,
      );
      expect(secondPractice?.createdAt).toBe(firstPractice?.createdAt);
      expect((await fetch(`${second.url}/api/health`)).status).toBe(200);
    } finally {
      await second.close();
    }
  });

  it('keeps demo credentials readable only by their owner', async () => {
    const dataDir = await freshDir();
    const stack = await startLocalStack({ port: 0, dataDir, inMemory: true, logLevel: 'ERROR' });
    await stack.close();
    const info = await stat(join(dataDir, 'demo-credentials.json'));
    expect(info.mode & 0o777).toBe(0o600);
  });

  it('says clearly when its port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const attempt = startLocalStack({ port, dataDir: await freshDir(), inMemory: true, logLevel: 'ERROR' });
      await expect(attempt).rejects.toThrow(PortInUseError);
      await expect(attempt).rejects.toThrow(`Port ${port} is already in use`);
    } finally {
      blocker.close();
    }
  });
});
