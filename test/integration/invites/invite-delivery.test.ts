import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduledEvent } from '../../../infra/capabilities/schedule';
import { lambdaContext } from '../../../infra/local/lambda-context';
import { LOCAL_SMS_NUMBERS } from '../../../infra/local/sms/sms-server';
import {
  api,
  getInvite,
  invite,
  lookUp,
  patientsWithMobiles,
  phoneMessages,
  standIns,
  waitForStatus,
} from '../../support/invites';
import { startTestStack } from '../../support/local-stack';
import { signedInDemoMember } from '../../support/lookups';
import { openStores } from '../../support/stores';

/**
 * Every outcome of the local SMS service's failure numbers, end to end: the sender, SNS's API, the delivery
 * records in CloudWatch Logs' shape, the status function, and what the clinician reads.
 */

const FAILURE_NUMBERS = Object.keys(LOCAL_SMS_NUMBERS).filter((n) => n !== '+447700900001');

let stack: Awaited<ReturnType<typeof startTestStack>>;
let clinician: { sub: string; token: string };
let patients: Awaited<ReturnType<typeof patientsWithMobiles>>;

beforeAll(async () => {
  patients = await patientsWithMobiles(
    ['+447700900001', ...FAILURE_NUMBERS].map((n) => n.replace('+44', '0')),
  );
  stack = await startTestStack({
    pdsPatientsDir: patients.dir,
    env: { LOCAL_SMS_DELIVERY_DELAY_MS: '10-40', INVITE_SEND_RETRY_BASE_SECONDS: '0' },
  });
  clinician = await signedInDemoMember(stack, 'clinician');
});
afterAll(async () => {
  await stack?.stop();
  await rm(patients.dir, { recursive: true, force: true });
});

function patientWith(e164: string) {
  const patient = patients.patients.find((p) => p.mobile === e164.replace('+44', '0'));
  if (!patient) throw new Error(`no patient with ${e164}`);
  return patient;
}

async function inviteNumber(e164: string) {
  const patient = patientWith(e164);
  const { lookupId } = await lookUp(stack, clinician.token, patient.nhsNumber, patient.birthDate);
  const answer = await invite(stack, clinician.token, { lookupId });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return String(answer.body.inviteId);
}

const EXPECTED: Record<string, { status: string; failure: { kind: string; reason: string } | null }> = {
  '+447700900001': { status: 'delivered', failure: null },
  '+447700900002': { status: 'failed', failure: { kind: 'permanent', reason: 'invalid-number' } },
  '+447700900003': { status: 'failed', failure: { kind: 'temporary', reason: 'phone-unreachable' } },
  '+447700900004': { status: 'failed', failure: { kind: 'technical', reason: 'message-rejected' } },
  '+447700900005': { status: 'failed', failure: { kind: 'permanent', reason: 'opted-out' } },
  '+447700900006': { status: 'failed', failure: { kind: 'permanent', reason: 'carrier-blocked' } },
  '+447700900007': { status: 'failed', failure: { kind: 'temporary', reason: 'unreachable' } },
  '+447700900008': { status: 'failed', failure: { kind: 'temporary', reason: 'carrier-unreachable' } },
  '+447700900009': { status: 'sent', failure: null },
  '+447700900010': { status: 'failed', failure: { kind: 'permanent', reason: 'invalid-number' } },
};

describe('the local SMS service’s numbers', () => {
  const invites = new Map<string, string>();

  it('covers every documented number', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(Object.keys(LOCAL_SMS_NUMBERS).sort());
  });

  it.each(Object.entries(EXPECTED))('%s ends %o', async (number, expected) => {
    const inviteId = await inviteNumber(number);
    invites.set(number, inviteId);
    const settled = await waitForStatus(stack, clinician.token, inviteId, [expected.status]);
    // The receipt of a number without one never comes: give the others' time to arrive first.
    if (expected.status === 'sent') await standIns(stack).sms.idle();
    const final = (await getInvite(stack, clinician.token, inviteId)).body;
    expect(final.status).toBe(expected.status);
    expect((final.delivery as { failure: unknown }).failure).toEqual(expected.failure);
    if (expected.failure) {
      expect(final.whatToDo).toEqual(expect.any(String));
      expect(String(final.whatToDo)).not.toMatch(/\d{6,}/);
    }
    expect(settled.inviteId).toBe(inviteId);
  });

  it('says what to do in the clinician’s words, e.g. check the number with the patient', async () => {
    const body = (await getInvite(stack, clinician.token, invites.get('+447700900002') ?? '')).body;
    expect(body.whatToDo).toBe(
      'The number is not a working mobile number: check the mobile number with the patient.',
    );
  });

  it('never publishes to a number SNS holds as opted out, nor one SNS refuses', async () => {
    const published = (await phoneMessages(stack)).map((message) => message.to);
    expect(published).not.toContain('+447700900005');
    expect(published).not.toContain('+447700900010');
    expect(published).toContain('+447700900002');
  });

  it('marks a text "unknown" when no receipt came within 72 hours, and expires its link after 24', async () => {
    const inviteId = invites.get('+447700900009') ?? '';
    const { handler } = (await import('../../../functions/invites/sweep-invites.handler')) as {
      handler: (event: unknown, context: unknown) => Promise<{ settled: number }>;
    };
    const context = lambdaContext('sweepInvites', 256, 60);
    const in25Hours = scheduledEvent('eu-west-2', new Date(Date.now() + 25 * 3_600_000));
    await handler(in25Hours, context);
    const expired = (await getInvite(stack, clinician.token, inviteId)).body;
    expect(expired.status).toBe('expired');
    expect(expired.actions).toEqual({ cancel: false, resend: true });

    const in73Hours = scheduledEvent('eu-west-2', new Date(Date.now() + 73 * 3_600_000));
    const first = await handler(in73Hours, context);
    expect(first.settled).toBeGreaterThanOrEqual(1);
    const body = (await getInvite(stack, clinician.token, inviteId)).body;
    expect(body.delivery).toMatchObject({ state: 'unknown' });
    expect((body.timeline as { event: string }[]).map((e) => e.event)).toEqual(
      expect.arrayContaining(['sent', 'expired', 'unknown']),
    );
    // A second tick finds nothing more to do.
    expect((await handler(in73Hours, context)).settled).toBe(0);
    const stores = openStores(stack);
    const events = (await stores.audit.list(stack.demo.practice.practiceId, { limit: 1000 })).filter(
      (event) => event.details.inviteId === inviteId,
    );
    expect(events.filter((e) => e.type === 'invite.unknown')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'invite.expired')).toHaveLength(1);
  });
});

describe('delivery records', () => {
  it('change nothing when they come again, or late and out of order', async () => {
    const inviteId = await inviteNumber('+447700900001');
    await waitForStatus(stack, clinician.token, inviteId, ['delivered']);
    const before = (await getInvite(stack, clinician.token, inviteId)).body;
    // The SMS service hands its record again (as CloudWatch Logs may), and an older "sent" arrives late.
    const { handler } = (await import('../../../functions/invites/record-sms-delivery.handler')) as {
      handler: (event: unknown, context: unknown) => Promise<{ applied: number; unchanged: number }>;
    };
    const [message] = await phoneMessages(stack, '+447700900001');
    const { gzipSync } = await import('node:zlib');
    const record = (status: string, at: number) => ({
      awslogs: {
        data: gzipSync(
          JSON.stringify({
            messageType: 'DATA_MESSAGE',
            owner: '000000000000',
            logGroup: `sns/eu-west-2/000000000000/DirectPublishToPhoneNumber${status === 'FAILURE' ? '/Failure' : ''}`,
            logStream: 'x',
            subscriptionFilters: ['f'],
            logEvents: [
              {
                id: `${at}`.padEnd(56, '7'),
                timestamp: at,
                message: JSON.stringify({
                  notification: { messageId: message?.messageId, timestamp: '2026-12-01 09:00:00.000' },
                  delivery: {
                    destination: '+447700900001',
                    providerResponse: 'Unknown error attempting to reach phone',
                  },
                  status,
                }),
              },
            ],
          }),
        ).toString('base64'),
      },
    });
    const context = lambdaContext('recordSmsDelivery', 256, 30);
    const late = await handler(record('FAILURE', Date.now() - 60_000), context);
    expect(late).toMatchObject({ applied: 0, unchanged: 1 });
    const after = (await getInvite(stack, clinician.token, inviteId)).body;
    expect(after.status).toBe('delivered');
    expect(after.timeline).toEqual(before.timeline);
  });
});

describe('an unknown message id', () => {
  it('is dropped once it is old: not ours', async () => {
    const { handler } = (await import('../../../functions/invites/record-sms-delivery.handler')) as {
      handler: (event: unknown, context: unknown) => Promise<{ unmatched: number }>;
    };
    const { gzipSync } = await import('node:zlib');
    const event = {
      awslogs: {
        data: gzipSync(
          JSON.stringify({
            messageType: 'DATA_MESSAGE',
            owner: '000000000000',
            logGroup: 'sns/eu-west-2/000000000000/DirectPublishToPhoneNumber',
            logStream: 'x',
            subscriptionFilters: ['f'],
            logEvents: [
              {
                id: '1'.repeat(56),
                timestamp: Date.now(),
                message: JSON.stringify({
                  notification: { messageId: randomUUID(), timestamp: '2020-01-01 00:00:00.000' },
                  delivery: { destination: '+447700900001' },
                  status: 'SUCCESS',
                }),
              },
            ],
          }),
        ).toString('base64'),
      },
    };
    expect(await handler(event, lambdaContext('recordSmsDelivery', 256, 30))).toMatchObject({ unmatched: 1 });
    expect((await api(stack, 'GET', '/api/health')).status).toBe(200);
  });
});
