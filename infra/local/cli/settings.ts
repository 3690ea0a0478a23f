import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createDocumentClient } from '../../../layers/storage/dynamo-client';
import type { TableId } from '../../../layers/storage/tables';
import type { DemoData } from '../demo-seed';
import { localOrigin, REPO_ROOT, RUNTIME_FILE } from '../local-settings';

/** The same settings `npm start` reads, so the commands find the running stack and its data. */
export function localSettings() {
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST || '127.0.0.1';
  const dataDir = resolve(process.env.DATA_DIR ?? join(REPO_ROOT, '.data'));
  return { origin: localOrigin(host, port), dataDir };
}

export async function demoPasswordFor(dataDir: string, email: string): Promise<string | undefined> {
  const text = await readFile(join(dataDir, 'demo-credentials.json'), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  const demo = JSON.parse(text) as DemoData;
  return demo.staff.find((s) => s.email.toLowerCase() === email.toLowerCase())?.password;
}

export function emailArgument(command: string): string {
  const email = process.argv[2];
  if (!email?.includes('@')) {
    console.error(`Usage: npm run ${command} -- <email>   (e.g. npm run ${command} -- admin@demo.nhs.net)`);
    process.exit(2);
  }
  return email;
}

/**
 * The local stack running with this DATA_DIR (its URL and DynamoDB), with a client for that DynamoDB; exits
 * with a clear message when none is running. For operator commands run beside `npm start`.
 */
export async function runningLocalStack(dataDir: string) {
  const runtime = await readFile(join(dataDir, RUNTIME_FILE), 'utf8').catch(() => undefined);
  if (!runtime) {
    console.error(`The local stack is not running with DATA_DIR ${dataDir}: start it with npm start first.`);
    process.exit(1);
  }
  const { url, dynamoEndpoint, tableNames } = JSON.parse(runtime) as {
    url: string;
    dynamoEndpoint: string;
    tableNames: Record<TableId, string>;
  };
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  const client = createDocumentClient({ AWS_REGION: 'eu-west-2', DYNAMODB_ENDPOINT: dynamoEndpoint });
  return { url, tableNames, client };
}
