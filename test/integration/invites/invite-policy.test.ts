import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
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

/** Opt-out (R8), the clinical lead's review of flagged messages (R7), and the limits on how much is sent. */

let stack: Awaited<ReturnType<typeof startTestStack>>;
let clinician: { sub: string; token: string };
let lead: { sub: string; token: string };
let receptionist: { sub: string; token: string };
let patients: Awaited<ReturnType<typeof patientsWithMobiles>>;
const MOBILES = ['07700900301', '07700900302', '07700900303', '07700900304', '07700900305', '07700900306'];

beforeAll(async () => {
  patients = await patientsWithMobiles(MOBILES);
  stack = await startTestStack({
    pdsPatientsDir: patients.dir,
    env: {
      LOCAL_SMS_DELIVERY_DELAY_MS: '10-40',
      INVITE_LIMIT_PER_NUMBER_PER_DAY: '2',
      INVITE_LIMIT_PER_USER_PER_HOUR: '5',
      INVITE_LIMIT_PER_PRACTICE_PER_DAY: '9',
      INVITE_SEND_RETRY_BASE_SECONDS: '1',
    },
  });
  clinician = await signedInDemoMember(stack, 'clinician');
  lead = await signedInDemoMember(stack, 'clinical_lead');
  receptionist = await signedInDemoMember(stack, 'receptionist');
});
afterAll(async () => {
  await stack?.stop();
  await rm(patients.dir, { recursive: true, force: true });
});

const e164 = (mobile: string | undefined) => `+44${(mobile ?? '').slice(1)}`;

async function lookupFor(index: number, token = clinician.token) {
  const patient = patients.patients[index];
  if (!patient) throw new Error('no patient');
  return lookUp(stack, token, patient.nhsNumber, patient.birthDate);
}

async function auditTypes(filter: (details: Record<string, unknown>) => boolean) {
  const events = await openStores(stack).audit.list(stack.demo.practice.practiceId, { limit: 1000 });
  return events.filter((event) => filter(event.details)).map((event) => event.type);
}

describe('opt-out, recorded by staff on the patient’s request', () => {
  it('refuses invitations to the number from then on, in plain words, until the patient opts in again', async () => {
    const { lookupId } = await lookupFor(0);
    const out = await api(stack, 'POST', '/api/sms-opt-outs', {
      token: receptionist.token,
      body: { lookupId },
    });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({
      textable: false,
      reason: 'this patient has asked not to receive texts from the practice',
      optedOut: true,
    });
    // A new lookup says so too, and an invitation is refused.
    const again = await lookupFor(0);
    expect(again.sms.optedOut).toBe(true);
    const refused = await invite(stack, clinician.token, { lookupId: again.lookupId });
    expect(refused.status).toBe(422);
    expect(refused.body.type).toBe('urn:clinic-connect:problem:sms-opted-out');
    expect(refused.body.detail).toBe(
      'This patient cannot be texted: this patient has asked not to receive texts from the practice.',
    );
    expect(await phoneMessages(stack, e164(MOBILES[0]))).toEqual([]);

    const back = await api(stack, 'POST', '/api/sms-opt-ins', { token: clinician.token, body: { lookupId } });
    expect(back.body).toEqual({ textable: true, reason: null, optedOut: false });
    const accepted = await invite(stack, clinician.token, { lookupId: again.lookupId });
    expect(accepted.status).toBe(201);
    await waitForStatus(stack, clinician.token, String(accepted.body.inviteId), ['delivered']);
  });

  it('is kept by blind index only, and audited both ways with the patient reference', async () => {
    const types = await auditTypes((details) => typeof details.mobileIndex === 'string');
    expect(types.filter((type) => type === 'sms.opted_out')).toHaveLength(1);
    expect(types.filter((type) => type === 'sms.opted_in')).toHaveLength(1);
    const everything = JSON.stringify(
      await openStores(stack).audit.list(stack.demo.practice.practiceId, { limit: 1000 }),
    );
    expect(everything).not.toContain(e164(MOBILES[0]));
    expect(everything).not.toContain(MOBILES[0]);
  });

  it('stops a text not yet sent, if the opt-out comes first', async () => {
    const { sms, queue } = standIns(stack);
    const { lookupId } = await lookupFor(1);
    sms.failNext('Throttled', 3);
    const answer = await invite(stack, clinician.token, { lookupId });
    await api(stack, 'POST', '/api/sms-opt-outs', { token: clinician.token, body: { lookupId } });
    await queue.idle();
    const final = await waitForStatus(stack, clinician.token, String(answer.body.inviteId), ['failed']);
    expect(final.delivery).toMatchObject({ failure: { reason: 'opted-out' } });
    expect(await phoneMessages(stack, e164(MOBILES[1]))).toEqual([]);
    await api(stack, 'POST', '/api/sms-opt-ins', { token: clinician.token, body: { lookupId } });
  });
});

describe('a message the scanner flags', () => {
  let heldId: string;

  it('is not sent: it is held, and the sender is told it went to the clinical lead', async () => {
    const { lookupId } = await lookupFor(2);
    const answer = await invite(stack, clinician.token, { lookupId, message: 'Pick up, you f*cking idiot.' });
    expect(answer.status).toBe(201);
    heldId = String(answer.body.inviteId);
    expect(answer.body).toMatchObject({
      status: 'held',
      statusText:
        'The message was sent to your practice’s clinical lead for review. Nothing is texted until they release it.',
      expiresAt: null,
      review: { reasons: ['swearing'], decision: null },
    });
    await standIns(stack).queue.idle();
    expect(await phoneMessages(stack, e164(MOBILES[2]))).toEqual([]);
  });

  it('waits in the clinical leads’ queue with who wrote it, when, the text and why', async () => {
    const { status, body } = await api(stack, 'GET', '/api/held-messages', { token: lead.token });
    expect(status).toBe(200);
    const held = (body.messages as Record<string, unknown>[]).find((m) => m.inviteId === heldId);
    expect(held).toMatchObject({
      text: 'Pick up, you f*cking idiot.',
      createdBy: { name: expect.any(String), role: 'clinician' },
      ownMessage: false,
    });
    expect(held?.reasons).toEqual(expect.arrayContaining([expect.stringContaining('swearing')]));
    // Only clinical leads see the queue.
    expect((await api(stack, 'GET', '/api/held-messages', { token: clinician.token })).status).toBe(403);
  });

  it('is sent once a clinical lead releases it (and audited)', async () => {
    const released = await api(stack, 'POST', `/api/held-messages/${heldId}/release`, { token: lead.token });
    expect(released.status).toBe(200);
    await waitForStatus(stack, clinician.token, heldId, ['delivered']);
    const [sms] = await phoneMessages(stack, e164(MOBILES[2]));
    expect(sms?.text).toContain('Pick up, you f*cking idiot.');
    const types = await auditTypes((details) => details.inviteId === heldId);
    expect(types).toEqual(
      expect.arrayContaining(['invite.created', 'invite.held', 'invite.released', 'invite.sent']),
    );
    // Decided once: a second decision is refused.
    const twice = await api(stack, 'POST', `/api/held-messages/${heldId}/reject`, { token: lead.token });
    expect(twice.status).toBe(409);
  });

  it('is never sent once rejected; the sender sees it was not approved', async () => {
    const { lookupId } = await lookupFor(3);
    const answer = await invite(stack, clinician.token, { lookupId, message: 'We know where you live.' });
    expect(answer.body.status).toBe('held');
    const inviteId = String(answer.body.inviteId);
    const rejected = await api(stack, 'POST', `/api/held-messages/${inviteId}/reject`, { token: lead.token });
    expect(rejected.body).toMatchObject({ status: 'rejected', review: { decision: 'rejected' } });
    const seen = (await api(stack, 'GET', `/api/invites/${inviteId}`, { token: clinician.token })).body;
    expect(seen.statusText).toBe('Your clinical lead did not approve the message, so nothing was texted.');
    await standIns(stack).queue.idle();
    expect(await phoneMessages(stack, e164(MOBILES[3]))).toEqual([]);
    expect(await auditTypes((details) => details.inviteId === inviteId)).toContain('invite.rejected');
  });

  it('cannot be released by the clinical lead who wrote it', async () => {
    const { lookupId } = await lookupFor(4, lead.token);
    const answer = await invite(stack, lead.token, {
      lookupId,
      message: 'You stupid idiot, answer the phone.',
    });
    expect(answer.body.status).toBe('held');
    const own = await api(stack, 'POST', `/api/held-messages/${String(answer.body.inviteId)}/release`, {
      token: lead.token,
    });
    expect(own.status).toBe(409);
    expect(own.body.detail).toBe('You wrote this message: another clinical lead must review it.');
    const listed = (await api(stack, 'GET', '/api/held-messages', { token: lead.token })).body;
    expect(
      (listed.messages as { inviteId: string; ownMessage: boolean }[]).find(
        (m) => m.inviteId === answer.body.inviteId,
      ),
    ).toMatchObject({ ownMessage: true });
  });
});

describe('limits', () => {
  it('refuses a third invitation to one number in a day, with when to try again', async () => {
    const { lookupId } = await lookupFor(5);
    expect((await invite(stack, receptionist.token, { lookupId })).status).toBe(201);
    expect((await invite(stack, receptionist.token, { lookupId })).status).toBe(201);
    const third = await invite(stack, receptionist.token, { lookupId });
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(third.body.detail).toMatch(
      /^This patient has been sent 2 invitations today, the most allowed\. Phone them instead, or try again in \d+ (minutes|hours)\.$/,
    );
    expect(await auditTypes((details) => details.reason === 'rate-limited')).toContain('invite.refused');
  });

  it('refuses a member over their hourly limit, then the practice over its daily one', async () => {
    // So far the clinician has sent 4 (the opt-out tests' two, the held ones' two: refusals before the limits
    // do not count) and the practice 7 (with the clinical lead's one and the receptionist's two).
    const { lookupId } = await lookupFor(0);
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await invite(stack, clinician.token, { lookupId }));
    expect(answers.map((answer) => answer.status)).toEqual([201, 429, 429]);
    expect(answers[1]?.body.detail).toMatch(
      /^You have sent 5 invitations in the last hour, the most allowed\. Try again in \d+ minutes?\.$/,
    );
    // The practice: 9 a day in all, whoever sends them.
    const ninth = await invite(stack, lead.token, { lookupId: (await lookupFor(4, lead.token)).lookupId });
    expect(ninth.status).toBe(201);
    const tenth = await invite(stack, lead.token, { lookupId: (await lookupFor(3, lead.token)).lookupId });
    expect(tenth.status).toBe(429);
    expect(tenth.body.detail).toMatch(/^Your practice has sent 9 invitations today, the most allowed\./);
  });
});
