import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
 * Exactly one text as the patient sees it, although everything underneath is at least once: duplicate
 * requests, a sender that dies before answering the queue, a provider that fails, and giving up.
 */

let stack: Awaited<ReturnType<typeof startTestStack>>;
let clinician: { sub: string; token: string };
let patients: Awaited<ReturnType<typeof patientsWithMobiles>>;
const MOBILES = ['07700900201', '07700900202', '07700900203', '07700900204', '07700900205', '07700900206'];

beforeAll(async () => {
  patients = await patientsWithMobiles(MOBILES);
  stack = await startTestStack({
    pdsPatientsDir: patients.dir,
    env: {
      LOCAL_SMS_DELIVERY_DELAY_MS: '10-40',
      INVITE_SEND_RETRY_BASE_SECONDS: '0',
      LOCAL_QUEUE_VISIBILITY_SECONDS: '1',
    },
  });
  clinician = await signedInDemoMember(stack, 'clinician');
});
afterAll(async () => {
  await stack?.stop();
  await rm(patients.dir, { recursive: true, force: true });
});

const e164 = (mobile: string) => `+44${mobile.slice(1)}`;

async function lookupFor(index: number) {
  const patient = patients.patients[index];
  if (!patient) throw new Error('no patient');
  return (await lookUp(stack, clinician.token, patient.nhsNumber, patient.birthDate)).lookupId;
}

async function eventsOf(inviteId: string) {
  const events = await openStores(stack).audit.list(stack.demo.practice.practiceId, { limit: 1000 });
  return events.filter((event) => event.details.inviteId === inviteId).map((event) => event.type);
}

describe('Idempotency-Key', () => {
  it('answers the same key with the same invitation, and sends one text', async () => {
    const lookupId = await lookupFor(0);
    const key = randomUUID();
    const first = await invite(stack, clinician.token, { lookupId }, key);
    const again = await invite(stack, clinician.token, { lookupId }, key);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.inviteId).toBe(first.body.inviteId);
    await waitForStatus(stack, clinician.token, String(first.body.inviteId), ['delivered']);
    expect(await phoneMessages(stack, e164(MOBILES[0] ?? ''))).toHaveLength(1);
  });

  it('makes exactly one text of 100 concurrent duplicates', async () => {
    const lookupId = await lookupFor(1);
    const key = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 100 }, () =>
        invite(stack, clinician.token, { lookupId, message: 'See you soon.' }, key),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(100).fill(201));
    const ids = new Set(answers.map((answer) => answer.body.inviteId));
    expect(ids.size).toBe(1);
    const [inviteId] = [...ids] as string[];
    await waitForStatus(stack, clinician.token, inviteId ?? '', ['delivered']);
    await standIns(stack).queue.idle();
    expect(await phoneMessages(stack, e164(MOBILES[1] ?? ''))).toHaveLength(1);
    expect((await eventsOf(inviteId ?? '')).filter((type) => type === 'invite.created')).toHaveLength(1);
  });

  it('refuses a key used for a different request, and sends nothing for it', async () => {
    const lookupId = await lookupFor(2);
    const key = randomUUID();
    const first = await invite(stack, clinician.token, { lookupId, message: 'Hello.' }, key);
    const other = await invite(stack, clinician.token, { lookupId, message: 'Something else.' }, key);
    expect(first.status).toBe(201);
    expect(other.status).toBe(422);
    expect(other.body.type).toBe('urn:clinic-connect:problem:idempotency-key-reused');
  });

  it('lets a refused request’s key be used again once it is fixed', async () => {
    const lookupId = await lookupFor(2);
    const key = randomUUID();
    const refused = await invite(stack, clinician.token, { lookupId, message: 'x'.repeat(301) }, key);
    expect(refused.status).toBe(400);
    // Nothing was made, so the key was let go: the corrected request may carry it.
    const fixed = await invite(stack, clinician.token, { lookupId, message: 'x'.repeat(30) }, key);
    expect(fixed.status).toBe(201);
  });
});

describe('a sender that dies', () => {
  it('after sending but before answering the queue: the message comes again, and no second text goes', async () => {
    const { queue } = standIns(stack);
    const lookupId = await lookupFor(3);
    queue.crashNext(1);
    const answer = await invite(stack, clinician.token, { lookupId });
    const inviteId = String(answer.body.inviteId);
    await waitForStatus(stack, clinician.token, inviteId, ['delivered']);
    // Redelivered after the 1-second visibility timeout, and found sent.
    await queue.idle();
    expect(await phoneMessages(stack, e164(MOBILES[3] ?? ''))).toHaveLength(1);
    expect((await eventsOf(inviteId)).filter((type) => type === 'invite.sent')).toHaveLength(1);
    expect(queue.deadLetters()).toEqual([]);
  });

  it('while the provider fails: retried with backoff until it goes through, once', async () => {
    const { sms, queue } = standIns(stack);
    const lookupId = await lookupFor(4);
    // Three failed requests: one send attempt's worth (the SDK itself tries three times).
    sms.failNext('InternalError', 3);
    const answer = await invite(stack, clinician.token, { lookupId });
    const inviteId = String(answer.body.inviteId);
    const delivered = await waitForStatus(stack, clinician.token, inviteId, ['delivered']);
    await queue.idle();
    expect(await phoneMessages(stack, e164(MOBILES[4] ?? ''))).toHaveLength(1);
    const events = (delivered.timeline as { event: string }[]).map((entry) => entry.event);
    expect(events).toContain('retrying');
    expect(events.at(-1)).toBe('delivered');
  });

  it('gives up after every receive into the dead-letter queue, and tells the clinician', async () => {
    const { sms, queue } = standIns(stack);
    const lookupId = await lookupFor(5);
    // Ten receives, three requests each: every attempt the queue allows fails.
    sms.failNext('InternalError', 30);
    const answer = await invite(stack, clinician.token, { lookupId });
    const inviteId = String(answer.body.inviteId);
    const failed = await waitForStatus(stack, clinician.token, inviteId, ['failed'], 60_000);
    expect(failed.delivery).toMatchObject({ failure: { kind: 'technical', reason: 'provider-error' } });
    expect(failed.whatToDo).toBe(
      'The text could not be sent because of a problem with the text message service: try again later.',
    );
    await queue.idle(60_000);
    expect(queue.deadLetters()).toEqual([expect.objectContaining({ receiveCount: 10 })]);
    expect(await phoneMessages(stack, e164(MOBILES[5] ?? ''))).toEqual([]);
    // Nothing else went wrong on the way: the API still answers.
    expect((await getInvite(stack, clinician.token, inviteId)).status).toBe(200);
    expect((await api(stack, 'GET', '/api/health')).status).toBe(200);
  }, 90_000);
});
