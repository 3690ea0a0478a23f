import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../infra/local/local-stack';
import { DecryptionFailedError } from '../../../layers/crypto/errors';
import { FieldCrypto } from '../../../layers/crypto/field-crypto';
import { LocalPracticeKeys } from '../../../layers/crypto/local-practice-keys';
import { LOOKUP_PATIENT_FIELD } from '../../../layers/records/lookup-records';
import { AUDIT_NHS_NUMBER_FIELD } from '../../../layers/records/record-kinds';
import { apiClient } from '../../support/api';
import { startTestStack } from '../../support/local-stack';
import { signedInDemoMember, syntheticPatient } from '../../support/lookups';
import { openStores } from '../../support/stores';

let stack: Awaited<ReturnType<typeof startTestStack>>;
let stores: ReturnType<typeof openStores>;
let practiceId: string;

beforeAll(async () => {
  stack = await startTestStack();
  stores = openStores(stack);
  practiceId = stack.demo.practice.practiceId;
});
afterAll(async () => {
  await stack?.stop();
});

function offboard(...args: string[]): Promise<{ status: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'infra/local/cli/offboard-practice.ts'), ...args],
      { cwd: REPO_ROOT, env: { ...process.env, DATA_DIR: stack.dataDir }, encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ status: error ? (error.code as number | null) : 0, out: stdout, err: stderr }),
    );
  });
}

async function partition(table: string) {
  const { Items } = await stores.client.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `PRACTICE#${practiceId}` },
    }),
  );
  return Items ?? [];
}

describe('offboarding a practice', () => {
  it('exports everything decrypted, then crypto-shreds and deletes: a backup taken before is unreadable', async () => {
    const patient = await syntheticPatient(stack.pds.patientsDir, '9990000018');
    const clinician = await signedInDemoMember(stack, 'clinician');
    const call = apiClient(stack.url);
    const looked = await call('POST', '/api/lookups', {
      token: clinician.token,
      body: { nhsNumber: patient.nhsNumber, birthDate: patient.birthDate },
    });
    expect(looked.body.result).toBe('match');
    // An invitation held for review (nothing is sent, so nothing is on its way during the offboarding) and
    // an opt-out: both the practice's record, exported with their number and text.
    const held = await call('POST', '/api/invites', {
      token: clinician.token,
      body: { lookupId: looked.body.lookupId, message: 'Answer the phone, you idiot.' },
      headers: { 'idempotency-key': '7d3c2b1a-0f9e-4d8c-8b7a-6a5b4c3d2e1f' },
    });
    expect(held.body.status).toBe('held');
    const optOut = await call('POST', '/api/sms-opt-outs', {
      token: clinician.token,
      body: { lookupId: looked.body.lookupId },
    });
    expect(optOut.body.optedOut).toBe(true);

    // A "backup": the practice's items as they were, like a restore from AWS Backup or PITR would bring back.
    const backup = {
      records: await partition(stack.tableNames.records ?? ''),
      audit: await partition(stack.tableNames.audit ?? ''),
    };
    const lookupItem = backup.records.find((item) => String(item.sk).startsWith('LOOKUP#'));
    const auditItem = backup.audit.find((item) => item.details?.nhsNumberCiphertext);
    expect(lookupItem?.patient).toBeTruthy();
    expect(auditItem).toBeTruthy();

    // A wrong confirmation changes nothing.
    const exportPath = join(stack.dataDir, 'riverside-export.json');
    const refused = await offboard('--practice', practiceId, '--export', exportPath, '--confirm', 'A00000');
    expect(refused.status).toBe(1);
    expect(refused.err).toMatch(/Confirm with the practice's ODS code \(Y99999\)/);
    expect((await partition(stack.tableNames.records ?? '')).length).toBe(backup.records.length);

    const done = await offboard('--practice', practiceId, '--export', exportPath, '--confirm', 'y99999');
    expect(done.err).toBe('');
    expect(done.status).toBe(0);
    expect(done.out).toMatch(/Offboarded practice demo-riverside/);

    // The export: a private file, with the patient details and the audit trail decrypted.
    expect((await stat(exportPath)).mode & 0o777).toBe(0o600);
    const bundle = JSON.parse(await readFile(exportPath, 'utf8'));
    expect(bundle).toMatchObject({
      format: 'clinic-connect/practice-export',
      version: 1,
      practice: { practiceId, odsCode: 'Y99999' },
    });
    expect(bundle.staff).toHaveLength(stack.demo.staff.length);
    expect(bundle.lookups).toEqual([
      expect.objectContaining({
        lookupId: looked.body.lookupId,
        createdBy: clinician.sub,
        patient: expect.objectContaining({
          nhsNumber: patient.nhsNumber,
          birthDate: patient.birthDate,
          familyName: patient.family,
          mobile: patient.mobile,
        }),
      }),
    ]);
    expect(bundle.invites).toEqual([
      expect.objectContaining({
        inviteId: held.body.inviteId,
        state: 'held',
        mobile: '+447700900123',
        message: 'Answer the phone, you idiot.',
        patient: { name: `${patient.given.join(' ')} ${patient.family}`, mobileEnding: '123' },
      }),
    ]);
    expect(bundle.heldMessages).toEqual([
      expect.objectContaining({ inviteId: held.body.inviteId, message: 'Answer the phone, you idiot.' }),
    ]);
    expect(bundle.smsOptOuts).toEqual([
      expect.objectContaining({ mobile: '+447700900123', source: 'staff' }),
    ]);
    const lookupEvent = bundle.auditEvents.find(
      (e: { type: string; details: { outcome?: string } }) =>
        e.type === 'patient.lookup' && e.details.outcome === 'match',
    );
    expect(lookupEvent.details.nhsNumber).toBe(patient.nhsNumber);
    expect(lookupEvent.details.nhsNumberCiphertext).toBeUndefined();

    // Deleted: every partition item, the staff's membership pointers, the ODS claim.
    for (const table of Object.values(stack.tableNames)) expect(await partition(table)).toEqual([]);
    const member = stack.demo.staff[0];
    const { Item: membership } = await stores.client.send(
      new GetCommand({
        TableName: stack.tableNames.directory,
        Key: { pk: `USER#${member?.sub}`, sk: 'MEMBERSHIP' },
      }),
    );
    expect(membership).toBeUndefined();
    const { Item: claim } = await stores.client.send(
      new GetCommand({ TableName: stack.tableNames.directory, Key: { pk: 'ODS#Y99999', sk: 'CLAIM' } }),
    );
    expect(claim).toBeUndefined();
    const { Item: tombstone } = await stores.client.send(
      new GetCommand({
        TableName: stack.tableNames.directory,
        Key: { pk: 'PLATFORM', sk: `OFFBOARDED#${practiceId}` },
      }),
    );
    expect(tombstone).toMatchObject({ practiceId, odsCode: 'Y99999', exportCounts: { lookups: 1 } });
    expect(JSON.stringify(tombstone)).not.toContain(patient.nhsNumber);

    // Crypto-shred: the backup's ciphertexts cannot be decrypted, not even under a new key for the same id.
    const keys = new LocalPracticeKeys({ dataDir: stack.dataDir });
    const fields = new FieldCrypto(keys);
    await expect(
      fields.decrypt(practiceId, LOOKUP_PATIENT_FIELD, String(lookupItem?.patient)),
    ).rejects.toThrow(DecryptionFailedError);
    await expect(
      fields.decrypt(practiceId, AUDIT_NHS_NUMBER_FIELD, String(auditItem?.details.nhsNumberCiphertext)),
    ).rejects.toThrow(/no key: it was never provisioned, or it was offboarded/);
    await keys.provision(practiceId, 'Riverside again');
    await expect(
      new FieldCrypto(keys).decrypt(practiceId, LOOKUP_PATIENT_FIELD, String(lookupItem?.patient)),
    ).rejects.toThrow(DecryptionFailedError);

    // And its staff are no longer members of anything.
    const me = await call('GET', '/api/me', { token: clinician.token });
    expect(me.status).toBe(403);
  });

  it('refuses to overwrite an existing export file, and refuses a practice that does not exist', async () => {
    const existing = join(stack.dataDir, 'riverside-export.json');
    const again = await offboard('--practice', 'no-such-practice', '--export', existing, '--confirm', 'X');
    expect(again.status).toBe(1);
    expect(again.err).toMatch(/There is no practice no-such-practice/);
  });

  it('finishes an interrupted offboarding when run again, without a second export', async () => {
    // The first test offboarded the demo practice; its record is there. Leave a straggler, as an
    // interrupted run would, and run the command again.
    await stores.client.send(
      new PutCommand({
        TableName: stack.tableNames.records,
        Item: { pk: `PRACTICE#${practiceId}`, sk: 'RATE#lookup#practice#0', hits: 1 },
      }),
    );
    const newExport = join(stack.dataDir, 'second-export.json');
    const resumed = await offboard('--practice', practiceId, '--export', newExport, '--confirm', 'Y99999');
    expect(resumed.err).toBe('');
    expect(resumed.out).toMatch(/Finished the interrupted offboarding of practice demo-riverside/);
    await expect(stat(newExport)).rejects.toThrow(/ENOENT/);
    expect(await partition(stack.tableNames.records ?? '')).toEqual([]);
  });
});
