import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../infra/local/local-stack';
import { apiClient } from '../../support/api';
import { startTestStack } from '../../support/local-stack';
import { openStores } from '../../support/stores';
import { mintAccessToken } from '../../support/tokens';

let stack: Awaited<ReturnType<typeof startTestStack>>;
let stores: ReturnType<typeof openStores>;

beforeAll(async () => {
  stack = await startTestStack();
  stores = openStores(stack);
});
afterAll(async () => {
  await stack?.stop();
});

/** Runs the CLI as an operator would. Asynchronously: the stack it talks to lives in this process. */
function onboard(...args: string[]): Promise<{ status: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'infra/local/cli/onboard-practice.ts'), ...args],
      { cwd: REPO_ROOT, env: { ...process.env, DATA_DIR: stack.dataDir }, encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ status: error ? (error.code as number | null) : 0, out: stdout, err: stderr }),
    );
  });
}

const BROOKSIDE = [
  '--name',
  'Brookside Health Centre',
  '--ods',
  'b82001',
  '--admin-email',
  'First.Admin@nhs.net',
];

describe('npm run practice:onboard, beside the running local stack', () => {
  it('reserves the ODS code, makes the practice’s key, creates it and invites its first admin, audited', async () => {
    const run = await onboard(...BROOKSIDE);
    expect(run.status, run.err).toBe(0);
    expect(run.out).toContain('first.admin@nhs.net signs up');

    const practice = await stores.directory.findPracticeByOdsCode('B82001');
    expect(practice).toMatchObject({ practiceId: 'b82001', name: 'Brookside Health Centre', demo: false });
    expect(await stores.directory.getInvitation('b82001', 'first.admin@nhs.net')).toMatchObject({
      role: 'practice_admin',
    });
    const key = await stat(join(stack.dataDir, 'keys', 'b82001.key'));
    expect(key.mode & 0o777).toBe(0o600);
    const events = await stores.audit.list('b82001');
    expect(events.map((e) => e.type).sort()).toEqual(['practice.onboarded', 'staff.invited']);
    expect(JSON.stringify(events)).not.toContain('first.admin');
  });

  it('refuses a second practice with the same ODS code, changing nothing', async () => {
    const before = await stores.directory.getPractice('b82001');
    const run = await onboard('--name', 'Impostor', '--ods', 'B82001', '--admin-email', 'x@nhs.net');
    expect(run.status).toBe(1);
    expect(run.err).toContain('A practice with ODS code B82001 is already on Clinic Connect.');
    expect(await stores.directory.getPractice('b82001')).toEqual(before);
    expect(await stores.directory.getInvitation('b82001', 'x@nhs.net')).toBeUndefined();
  });

  it('says what is wrong with bad input, and refuses an admin outside the allowed domains', async () => {
    const badOds = await onboard('--name', 'X', '--ods', '12', '--admin-email', 'a@nhs.net');
    expect(badOds.err).toMatch(/odsCode: must be an ODS code/);
    const outsider = await onboard('--name', 'X', '--ods', 'C00001', '--admin-email', 'a@gmail.com');
    expect(outsider.err).toMatch(/adminEmail: must be at nhs.net/);
    expect((await onboard('--name', 'X')).status).toBe(2);
    expect(await stores.directory.findPracticeByOdsCode('C00001')).toBeUndefined();
  });

  it('lets the invited admin join as the practice’s admin, and anyone else only as pending', async () => {
    const call = apiClient(stack.url);
    const admin = await mintAccessToken(stack, { email: 'first.admin@nhs.net' });
    const joined = await call('POST', '/api/registrations', {
      token: admin.token,
      body: { odsCode: 'B82001', name: 'Fran First' },
    });
    expect(joined.body).toMatchObject({ status: 'active' });
    expect(await stores.directory.getStaff('b82001', admin.sub)).toMatchObject({
      role: 'practice_admin',
      status: 'active',
    });
    expect(await stores.directory.getInvitation('b82001', 'first.admin@nhs.net')).toBeUndefined();

    const other = await mintAccessToken(stack, { email: 'second@nhs.net' });
    const second = await call('POST', '/api/registrations', {
      token: other.token,
      body: { odsCode: 'B82001', name: 'Sec Ond' },
    });
    expect(second.body).toMatchObject({ status: 'pending' });
  });

  it('keeps the ODS code reserved by its claim item', async () => {
    const { Item } = await stores.client.send(
      new GetCommand({ TableName: stack.tableNames.directory, Key: { pk: 'ODS#B82001', sk: 'CLAIM' } }),
    );
    expect(Item).toMatchObject({ practiceId: 'b82001' });
  });
});
