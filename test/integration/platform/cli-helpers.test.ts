import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, RUNTIME_FILE } from '../../../infra/local/local-settings';
import { totpCodeAt } from '../../../infra/local/oidc/totp';
import { apiClient } from '../../support/api';
import { startTestStack } from '../../support/local-stack';

let stack: Awaited<ReturnType<typeof startTestStack>>;
let emptyDir: string;

beforeAll(async () => {
  // Another port than 3000 (a free one) and another data directory than .data: the CLIs must find it anyway.
  stack = await startTestStack();
  emptyDir = await mkdtemp(join(tmpdir(), 'clinic-no-stack-'));
});
afterAll(async () => {
  await stack?.stop();
  await rm(emptyDir, { recursive: true, force: true });
});

/** Runs `npm run <cli> -- <email>` as a developer would, with only DATA_DIR to say which stack. */
function run(
  cli: 'totp' | 'token',
  dataDir: string,
  ...args: string[]
): Promise<{ status: number | null; out: string; err: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir };
  delete env.PORT;
  delete env.HOST;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, `infra/local/cli/${cli}.ts`), ...args],
      { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ status: error ? (error.code as number | null) : 0, out: stdout, err: stderr }),
    );
  });
}

function admin() {
  const member = stack.demo.staff.find((s) => s.role === 'practice_admin');
  if (!member) throw new Error('no demo admin');
  return member;
}

describe('npm run totp and npm run token find the running local stack from DATA_DIR', () => {
  it('runs on another port than 3000', () => {
    expect(new URL(stack.url).port).not.toBe('3000');
  });

  it('npm run totp prints the code the account’s authenticator shows now', async () => {
    const before = await totpCodeAt(admin().totpSecret);
    const result = await run('totp', stack.dataDir, admin().email);
    const after = await totpCodeAt(admin().totpSecret);
    expect(result.status, result.err).toBe(0);
    const code = /^(\d{6}) {2}\(valid for another \d+ s\)$/.exec(result.out.trim())?.[1];
    expect([before, after]).toContain(code);
  });

  it('npm run token signs in at that stack and prints an access token its API accepts', async () => {
    const result = await run('token', stack.dataDir, admin().email);
    expect(result.status, result.err).toBe(0);
    const token = result.out.trim();
    expect(token.split('.')).toHaveLength(3);
    const me = await apiClient(stack.url)('GET', '/api/me', { token });
    expect(me.status).toBe(200);
    expect(JSON.stringify(me.body)).toContain(admin().email);
  });

  it.each(['totp', 'token'] as const)(
    'npm run %s says in one line that no stack is running, and exits non-zero',
    async (cli) => {
      const result = await run(cli, emptyDir, admin().email);
      expect(result.status).toBe(1);
      expect(result.out).toBe('');
      const lines = result.err.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toBe(
        `No local stack is running with data directory ${emptyDir}: start it with DATA_DIR=${emptyDir} npm start, or set DATA_DIR to the one it uses.`,
      );
    },
  );

  it('is not fooled by the runtime file of a stack that is gone', async () => {
    const port = await closedPort();
    const staleDir = await mkdtemp(join(tmpdir(), 'clinic-stale-'));
    try {
      await writeFile(
        join(staleDir, RUNTIME_FILE),
        JSON.stringify({
          url: `http://127.0.0.1:${port}`,
          dynamoEndpoint: 'http://127.0.0.1:1',
          tableNames: {},
        }),
      );
      const result = await run('totp', staleDir, admin().email);
      expect(result.status).toBe(1);
      expect(result.err).toMatch(/^No local stack is running with data directory /);
    } finally {
      await rm(staleDir, { recursive: true, force: true });
    }
  });
});

/** A port nothing listens on: one the OS just handed out and took back. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error()),
      );
    });
  });
}
