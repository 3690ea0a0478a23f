import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack } from '../../support/local-stack';

let stack: Awaited<ReturnType<typeof startTestStack>>;

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe('GET /api/health when storage is gone', () => {
  it('answers 503 and says storage is failing', async () => {
    // Point the (not yet loaded) handler at a port nothing listens on: its one DynamoDB call must fail.
    process.env.DYNAMODB_ENDPOINT = 'http://127.0.0.1:9';
    const response = await fetch(`${stack.url}/api/health`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 'degraded', checks: { storage: 'failing' } });
  });
});
