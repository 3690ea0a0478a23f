import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capability as cloudtrail } from '../../../infra/capabilities/cloudtrail';
import { REPO_ROOT } from '../../../infra/local/local-settings';
import { gzip } from '../../../layers/trail/gzip';
import { kmsRecord } from '../../../layers/trail/kms-record';
import { LOCAL_TRAIL, localPracticeKeyArn } from '../../../layers/trail/local-key-trail';
import { ukDay } from '../../../layers/universal/uk-days';
import { apiClient } from '../../support/api';
import { startTestStack } from '../../support/local-stack';
import { signedInDemoMember } from '../../support/lookups';
import { openStores } from '../../support/stores';

let stack: Awaited<ReturnType<typeof startTestStack>>;
let stores: ReturnType<typeof openStores>;
let call: ReturnType<typeof apiClient>;
let officer: string;
let clinician: string;
let practiceId: string;

beforeAll(async () => {
  stack = await startTestStack({ env: { AUDIT_SEAL_SETTLE_SECONDS: '0' } });
  stores = openStores(stack);
  call = apiClient(stack.url);
  practiceId = stack.demo.practice.practiceId;
  officer = (await signedInDemoMember(stack, 'compliance_officer')).token;
  clinician = (await signedInDemoMember(stack, 'clinician')).token;
  const lookup = await call('POST', '/api/lookups', {
    token: clinician,
    body: { nhsNumber: '9990000018', birthDate: '1980-04-12' },
  });
  expect(lookup.status).toBe(200);
});
afterAll(async () => {
  await stack?.stop();
});

/** `npm run audit:<command>` as an operator runs it beside the stack: only DATA_DIR says which one. */
function cli(command: 'seal' | 'verify', ...args: string[]) {
  return new Promise<{ status: number | null; out: string; err: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, `infra/local/cli/audit-${command}.ts`), ...args],
      { cwd: REPO_ROOT, env: { ...process.env, DATA_DIR: stack.dataDir }, encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ status: error ? (error.code as number | null) : 0, out: stdout, err: stderr }),
    );
  });
}

async function run(): Promise<string> {
  const today = ukDay(new Date());
  const response = await call('POST', '/api/audit/reports', {
    token: officer,
    body: { from: today, to: today },
  });
  expect(response.status).toBe(200);
  return response.body.reportId as string;
}

const verify = async (reportId: string) =>
  (await call('POST', `/api/audit/reports/${reportId}/verify`, { token: officer })).body as {
    intact: boolean;
    eventsChecked: number;
    eventsNotYetSealed: number;
    breaks: { kind: string; eventId: string | null }[];
  };

/** The scheduled sealer's own handler, as its schedule invokes it (this stack seals without waiting). */
async function sealNow() {
  const handler = (await import('../../../functions/audit/seal-audit-trails.handler')) as {
    handler: () => Promise<{ practices: number; digests: number; failed: number }>;
  };
  return handler.handler();
}

describe('the integrity check', () => {
  it('calls a fresh trail intact, with every event waiting for its first digest', async () => {
    const result = await verify(await run());
    expect(result.intact).toBe(true);
    expect(result.eventsChecked).toBe(0);
    expect(result.eventsNotYetSealed).toBeGreaterThan(0);
  });

  it('is sealed by the scheduled sealer (every practice on the platform) and then checks every event', async () => {
    const sealed = await sealNow();
    expect(sealed).toMatchObject({ failed: 0 });
    expect(sealed.practices).toBeGreaterThanOrEqual(1);
    expect(sealed.digests).toBeGreaterThanOrEqual(1);
    const result = await verify(await run());
    expect(result).toMatchObject({ intact: true, breaks: [] });
    expect(result.eventsChecked).toBeGreaterThan(3);
  });

  it('npm run audit:verify checks with the public key only, says INTACT and exits 0', async () => {
    const result = await cli('verify', '--practice', practiceId);
    expect(result.status, result.err).toBe(0);
    expect(result.out).toContain('INTACT');
    expect(result.out).toMatch(/Events checked: [1-9]\d*/);
  });

  it('npm run audit:seal seals beside the stack, with the same key', async () => {
    const result = await cli('seal');
    expect(result.status, result.err).toBe(0);
    expect(result.out).toContain(`${practiceId}:`);
    expect(result.out).toMatch(/Signed with local\/audit-signing\//);
  });

  it('names an event changed after it was sealed, in the console’s check and in audit:verify (exit 1)', async () => {
    const { Items } = await stores.client.send(
      new QueryCommand({
        TableName: stack.tableNames.audit,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
        FilterExpression: '#type = :lookup',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: {
          ':pk': `PRACTICE#${practiceId}`,
          ':events': 'EVENT#',
          ':lookup': 'patient.lookup',
        },
      }),
    );
    const lookup = Items?.[0] as { pk: string; sk: string; eventId: string };
    await stores.client.send(
      new UpdateCommand({
        TableName: stack.tableNames.audit,
        Key: { pk: lookup.pk, sk: lookup.sk },
        UpdateExpression: 'SET details.reason = :hidden',
        ExpressionAttributeValues: { ':hidden': 'nothing to see' },
      }),
    );
    const reportId = await run();
    const result = await verify(reportId);
    expect(result.intact).toBe(false);
    expect(result.breaks).toContainEqual(
      expect.objectContaining({ kind: 'changed', eventId: lookup.eventId }),
    );
    const command = await cli('verify', '--practice', practiceId);
    expect(command.status).toBe(1);
    expect(command.out).toContain('BROKEN');
    expect(command.out).toContain(`changed    event ${lookup.eventId}`);
    // The check itself is on record, with what it found.
    const { Items: checks } = await stores.client.send(
      new QueryCommand({
        TableName: stack.tableNames.audit,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :events)',
        FilterExpression: '#type = :checked AND details.reportId = :report',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: {
          ':pk': `PRACTICE#${practiceId}`,
          ':events': 'EVENT#',
          ':checked': 'audit.integrity_checked',
          ':report': reportId,
        },
      }),
    );
    expect(checks?.[0]?.details).toMatchObject({ intact: false, breaks: 1 });
  });
});

describe('the AWS evidence, from the local trail', () => {
  type Evidence = {
    keyArn: string;
    source: string;
    keyUsage: { principal: string; action: string; count: number; allowed: boolean }[];
    outsiders: { principal: string; action: string }[];
    trail: {
      ok: boolean;
      digests: { valid: number };
      logFiles: { valid: number; invalid: number };
      findings: string[];
    };
  };
  const evidence = async () =>
    (await call('GET', `/api/audit/reports/${await run()}/evidence`, { token: officer }))
      .body as unknown as Evidence;
  const trail = () =>
    stack.standIn(cloudtrail) as unknown as {
      deliverDigest(): Promise<unknown>;
      trail: { deliverLogFile: (records: unknown[]) => Promise<string> };
    };

  it('shows who used the practice’s key, per day, and validates the trail as validate-logs does', async () => {
    await trail().deliverDigest();
    const result = await evidence();
    expect(result).toMatchObject({ source: 'local-trail', keyArn: localPracticeKeyArn(practiceId) });
    const actions = result.keyUsage.map((row) => `${row.action}:${row.principal.split('/').at(-1)}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        'CreateKey:ClinicConnect-local-OnboardPractice',
        'GenerateDataKey:ClinicConnect-local-eu-west-2-PracticeData',
      ]),
    );
    expect(result.outsiders).toEqual([]);
    expect(result.trail.ok).toBe(true);
    expect(result.trail.digests.valid).toBeGreaterThanOrEqual(1);
    expect(result.trail.logFiles.valid).toBeGreaterThanOrEqual(2);
  });

  it('calls out a principal outside the app’s roles using the key', async () => {
    await trail().trail.deliverLogFile([
      kmsRecord({
        eventName: 'Decrypt',
        keyArn: localPracticeKeyArn(practiceId),
        caller: {
          roleArn: `arn:aws:iam::${LOCAL_TRAIL.accountId}:role/contractor-debugging`,
          sessionName: 'jo',
        },
        eventTime: new Date(),
      }),
    ]);
    const result = await evidence();
    expect(result.outsiders).toEqual([
      expect.objectContaining({
        principal: `arn:aws:iam::${LOCAL_TRAIL.accountId}:role/contractor-debugging`,
        action: 'Decrypt',
      }),
    ]);
  });

  it('finds a log file changed after its digest was signed', async () => {
    const logDir = join(
      stack.dataDir,
      'trail',
      LOCAL_TRAIL.bucket,
      'AWSLogs',
      LOCAL_TRAIL.accountId,
      'CloudTrail',
    );
    const { readdir } = await import('node:fs/promises');
    const logFiles = async () =>
      (await readdir(logDir, { recursive: true }))
        .map(String)
        .filter((file) => file.endsWith('.json.gz'))
        .sort();
    // The newest log file before a digest is signed: that digest covers it, and validation checks the
    // newest digest first, however soon its deadline stops it.
    const files = await logFiles();
    await trail().deliverDigest();
    const target = join(logDir, String(files.at(-1)));
    expect(await readFile(target)).toBeDefined();
    await writeFile(target, gzip(JSON.stringify({ Records: [] })));
    const result = await evidence();
    expect(result.trail.ok).toBe(false);
    expect(result.trail.logFiles.invalid).toBe(1);
    expect(result.trail.findings.join('\n')).toContain("INVALID: hash value doesn't match");
  });
});
