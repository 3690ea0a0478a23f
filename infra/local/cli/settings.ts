import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createDocumentClient } from '../../../layers/storage/dynamo-client';
import type { TableId } from '../../../layers/storage/tables';
import type { DemoData } from '../demo-seed';
import { REPO_ROOT, RUNTIME_FILE } from '../local-settings';

/**
 * The data directory `npm start` uses (DATA_DIR, default `.data`): the commands find the running stack from it.
 * Its port and host are not guessed: the stack writes them (with its DynamoDB endpoint) into RUNTIME_FILE there.
 */
export function localSettings() {
  return { dataDir: resolve(process.env.DATA_DIR ?? join(REPO_ROOT, '.data')) };
}

/** What a running local stack wrote into its data directory (infra/local/local-stack.ts). */
export interface RunningStack {
  url: string;
  dynamoEndpoint: string;
  tableNames: Record<TableId, string>;
}

/**
 * The local stack running with this data directory, or undefined when none is: no runtime file, or one left
 * by a stack that is gone (killed before it could remove it), which is found out by asking the stack.
 */
export async function findRunningStack(dataDir: string): Promise<RunningStack | undefined> {
  const text = await readFile(join(dataDir, RUNTIME_FILE), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  let runtime: RunningStack;
  try {
    runtime = JSON.parse(text) as RunningStack;
    new URL(runtime.url);
  } catch {
    return undefined;
  }
  try {
    // Any answer will do (a degraded health check is a 503): only a running stack answers at all.
    await fetch(`${runtime.url}/api/health`, { signal: AbortSignal.timeout(3_000), redirect: 'manual' });
    return runtime;
  } catch {
    return undefined;
  }
}

/** As `findRunningStack`, or one line saying none is running and exit 1: for the commands beside `npm start`. */
export async function runningStackOrExit(dataDir: string): Promise<RunningStack> {
  const running = await findRunningStack(dataDir);
  if (running) return running;
  const chosen = process.env.DATA_DIR ? `DATA_DIR=${process.env.DATA_DIR} ` : '';
  console.error(
    `No local stack is running with data directory ${dataDir}: start it with ${chosen}npm start, or set DATA_DIR to the one it uses.`,
  );
  process.exit(1);
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
  const { url, dynamoEndpoint, tableNames } = await runningStackOrExit(dataDir);
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  const client = createDocumentClient({ AWS_REGION: 'eu-west-2', DYNAMODB_ENDPOINT: dynamoEndpoint });
  return { url, tableNames, client };
}
