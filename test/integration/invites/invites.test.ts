import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../layers/audit/audit-log';
import { FieldCrypto } from '../../../layers/crypto/field-crypto';
import { LocalPracticeKeys } from '../../../layers/crypto/local-practice-keys';
import { PracticeInvites } from '../../../layers/records/invite-records';
import {
  api,
  DEMO_PATIENT,
  getInvite,
  invite,
  lookUp,
  phoneMessages,
  standIns,
  waitForStatus,
} from '../../support/invites';
import { startTestStack } from '../../support/local-stack';
import { rawTableContents, signedInDemoMember } from '../../support/lookups';
import { openStores } from '../../support/stores';

let stack: Awaited<ReturnType<typeof startTestStack>>;
let stores: ReturnType<typeof openStores>;
let clinician: { sub: string; token: string };
let receptionist: { sub: string; token: string };
let practiceId: string;

beforeAll(async () => {
  stack = await startTestStack({
    env: { LOCAL_SMS_DELIVERY_DELAY_MS: '20-60', INVITE_SEND_RETRY_BASE_SECONDS: '1' },
  });
  stores = openStores(stack);
  practiceId = stack.demo.practice.practiceId;
  clinician = await signedInDemoMember(stack, 'clinician');
  receptionist = await signedInDemoMember(stack, 'receptionist');
});
afterAll(async () => {
  await stack?.stop();
});

async function inviteEvents(inviteId: string): Promise<AuditEvent[]> {
  const events = await stores.audit.list(practiceId, { limit: 1000 });
  return events
    .filter((event) => event.details.inviteId === inviteId)
    .sort((a, b) => a.at.localeCompare(b.at));
}

describe('inviting the demo patient', () => {
  let inviteId: string;
  let lookupId: string;

  it('says at lookup time that the patient can be texted', async () => {
    const lookup = await lookUp(stack, clinician.token, DEMO_PATIENT.nhsNumber, DEMO_PATIENT.birthDate);
    expect(lookup.sms).toEqual({ textable: true, reason: null, optedOut: false });
    lookupId = lookup.lookupId;
  });

  it('answers 201 with the invitation, queued, and sends nothing about the patient back', async () => {
    const answer = await invite(stack, clinician.token, { lookupId, message: 'Dr Patel will call at 2pm.' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    inviteId = String(answer.body.inviteId);
    expect(answer.body).toMatchObject({
      status: expect.stringMatching(/^(queued|sending|sent|delivered)$/),
      patient: { mobileEnding: '123' },
      createdBy: { name: expect.any(String) },
      message: 'Dr Patel will call at 2pm.',
      actions: { cancel: true, resend: true },
    });
    const expiresIn = Date.parse(String(answer.body.expiresAt)) - Date.now();
    expect(expiresIn).toBeGreaterThan(23.9 * 3_600_000);
    expect(expiresIn).toBeLessThanOrEqual(24 * 3_600_000);
    const text = JSON.stringify(answer.body);
    expect(text).not.toContain(DEMO_PATIENT.mobile);
    expect(text).not.toContain('07700900123');
    expect(text).not.toContain('/j/');
  });

  it('puts the text on the patient’s phone: practice, link and 6-digit code, nothing identifying', async () => {
    const invited = await waitForStatus(stack, clinician.token, inviteId, ['delivered']);
    expect(invited.delivery).toMatchObject({ state: 'delivered', failure: null });
    const [sms, ...others] = await phoneMessages(stack, DEMO_PATIENT.mobile);
    expect(others).toEqual([]);
    expect(sms?.senderId).toBe('ClinicDemo');
    expect(sms?.smsType).toBe('Transactional');
    expect(sms?.maxPriceUsd).toBe(0.2);
    const lines = sms?.text.split('\n') ?? [];
    expect(lines[0]).toBe(`${stack.demo.practice.name} has invited you to a video consultation.`);
    expect(lines[1]).toMatch(new RegExp(`^Join: ${stack.url}/j/[A-Za-z0-9_-]{22}$`));
    expect(lines[2]).toMatch(/^Your code: \d{6}$/);
    expect(lines[3]).toBe('Dr Patel will call at 2pm.');
    expect(lines).toHaveLength(4);
    for (const identifying of ['Florence', 'Fictional', DEMO_PATIENT.nhsNumber, '1980', '12/04']) {
      expect(sms?.text).not.toContain(identifying);
    }
  });

  it('shows the journey on the timeline: created, queued, sending, sent, delivered', async () => {
    const { body } = await getInvite(stack, clinician.token, inviteId);
    const events = (body.timeline as { event: string; text: string }[]).map((entry) => entry.event);
    expect(events).toEqual(['created', 'queued', 'sending', 'sent', 'delivered']);
    expect(body.statusText).toBe("The text has been delivered to the patient's phone.");
  });

  it('lists it among today’s invitations of the practice, for any member who may invite', async () => {
    const { status, body } = await api(stack, 'GET', '/api/invites', { token: receptionist.token });
    expect(status).toBe(200);
    const listed = (body.invites as { inviteId: string; status: string; patient: { name: string } }[]).find(
      (entry) => entry.inviteId === inviteId,
    );
    expect(listed).toMatchObject({ status: 'delivered', patient: { name: 'Florence Fictional' } });
  });

  it('keeps only keyed hashes of the link and the code, and the number and text only encrypted', async () => {
    const [sms] = await phoneMessages(stack, DEMO_PATIENT.mobile);
    const token = /\/j\/([A-Za-z0-9_-]{22})/.exec(sms?.text ?? '')?.[1] ?? '';
    const code = /Your code: (\d{6})/.exec(sms?.text ?? '')?.[1] ?? '';
    expect(token).toHaveLength(22);
    const everything = await rawTableContents(stack, stores);
    for (const secret of [
      token,
      `Your code: ${code}`,
      DEMO_PATIENT.mobile,
      'Dr Patel will call',
      'Florence',
    ]) {
      expect(everything).not.toContain(secret);
    }
    const invites = new PracticeInvites(
      stores.client,
      stack.tableNames.records ?? '',
      practiceId,
      new FieldCrypto(new LocalPracticeKeys({ dataDir: stack.dataDir })),
    );
    const stored = await invites.get(inviteId);
    expect(stored?.tokenHash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(stored?.codeHash).toMatch(/^v1\./);
    expect(stored && (await invites.decryptMobile(stored))).toBe(DEMO_PATIENT.mobile);
  });

  it('audits every step, with the patient reference and never the number, code or link', async () => {
    const events = await inviteEvents(inviteId);
    expect(events.map((event) => event.type)).toEqual([
      'invite.created',
      'invite.queued',
      'invite.sent',
      'invite.delivered',
    ]);
    for (const event of events) {
      expect(event.details).toMatchObject({ inviteId, lookupId, nhsNumberIndex: expect.any(String) });
    }
    expect(events[0]?.actor).toMatchObject({ sub: clinician.sub, role: 'clinician' });
    const [sms] = await phoneMessages(stack, DEMO_PATIENT.mobile);
    const text = JSON.stringify(events);
    for (const secret of [DEMO_PATIENT.mobile, '7700900123', ...(sms?.text.match(/\d{6}|\/j\/\S+/g) ?? [])]) {
      expect(text).not.toContain(secret);
    }
  });
});

describe('refusals', () => {
  it('needs an Idempotency-Key, and says so', async () => {
    const { lookupId } = await lookUp(stack, clinician.token, DEMO_PATIENT.nhsNumber, DEMO_PATIENT.birthDate);
    const answer = await api(stack, 'POST', '/api/invites', { token: clinician.token, body: { lookupId } });
    expect(answer.status).toBe(400);
    expect(answer.body.detail).toContain('headers.idempotency-key: is required');
  });

  it('answers 404 for an unknown lookup, and sends nothing', async () => {
    const before = (await phoneMessages(stack)).length;
    const answer = await invite(stack, clinician.token, { lookupId: randomUUID() });
    expect(answer.status).toBe(404);
    expect(answer.body.type).toBe('urn:clinic-connect:problem:lookup-expired');
    expect((await phoneMessages(stack)).length).toBe(before);
  });

  it('refuses a patient with no mobile with a clear 422, said already at lookup', async () => {
    const lookup = await lookUp(stack, clinician.token, '9990000085', '1947-12-25');
    expect(lookup.sms).toEqual({
      textable: false,
      reason: 'there is no mobile number on record',
      optedOut: false,
    });
    const answer = await invite(stack, clinician.token, { lookupId: lookup.lookupId });
    expect(answer.status).toBe(422);
    expect(answer.body.type).toBe('urn:clinic-connect:problem:not-textable');
    expect(answer.body.detail).toBe('This patient cannot be texted: there is no mobile number on record.');
  });

  it('asks the sender to confirm a message that looks like it holds an NHS number, then sends it', async () => {
    const { lookupId } = await lookUp(stack, clinician.token, '9990000026', '1952-11-02');
    const message = 'Please bring your letter about 943 476 5919.';
    const refused = await invite(stack, clinician.token, { lookupId, message });
    expect(refused.status).toBe(422);
    expect(refused.body.type).toBe('urn:clinic-connect:problem:confirm-sensitive-content');
    expect(refused.body.issues).toEqual([
      {
        field: 'body.message',
        message: 'It looks like it contains an NHS number. Texts to patients must not include one.',
      },
    ]);
    expect(JSON.stringify(refused.body)).not.toContain('943 476 5919');
    const confirmed = await invite(stack, clinician.token, {
      lookupId,
      message,
      confirmSensitiveContent: true,
    });
    expect(confirmed.status).toBe(201);
  });

  it('refuses a message that would not fit in two texts', async () => {
    const { lookupId } = await lookUp(stack, clinician.token, '9990000034', '1999-07-30');
    const answer = await invite(stack, clinician.token, { lookupId, message: 'a'.repeat(301) });
    expect(answer.status).toBe(400);
    expect(answer.body.issues).toContainEqual({
      field: 'body.message',
      message: 'Your message must be 300 characters or fewer.',
    });
  });

  it('does not let a practice admin invite', async () => {
    const admin = await signedInDemoMember(stack, 'practice_admin');
    const answer = await invite(stack, admin.token, { lookupId: randomUUID() });
    expect(answer.status).toBe(403);
  });
});

describe('a new invitation for the same lookup, a re-send, a cancellation', () => {
  it('replaces the previous invitation: its link stops working', async () => {
    const { lookupId } = await lookUp(stack, clinician.token, '9990000050', '1970-05-05');
    const first = await invite(stack, clinician.token, { lookupId });
    const second = await invite(stack, clinician.token, { lookupId });
    expect(second.status).toBe(201);
    const old = await waitForStatus(stack, clinician.token, String(first.body.inviteId), ['replaced']);
    expect(old.replacedBy).toBe(second.body.inviteId);
    expect(old.actions).toEqual({ cancel: false, resend: false });
  });

  it('re-sends with a new code, and the old invitation is replaced', async () => {
    const { lookupId } = await lookUp(stack, clinician.token, '9990000069', '2015-09-09');
    const first = await invite(stack, clinician.token, { lookupId });
    await waitForStatus(stack, clinician.token, String(first.body.inviteId), ['delivered']);
    const resent = await api(stack, 'POST', `/api/invites/${String(first.body.inviteId)}/resend`, {
      token: clinician.token,
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(resent.status).toBe(201);
    expect(resent.body.resendOf).toBe(first.body.inviteId);
    await waitForStatus(stack, clinician.token, String(resent.body.inviteId), ['delivered']);
    const texts = (await phoneMessages(stack, '+447700900678')).map((m) => /code: (\d{6})/.exec(m.text)?.[1]);
    expect(texts).toHaveLength(2);
    const old = (await getInvite(stack, clinician.token, String(first.body.inviteId))).body;
    expect(old.status).toBe('replaced');
  });

  it('cancels: the text is marked cancelled and the link stops working', async () => {
    const { sms, queue } = standIns(stack);
    const { lookupId } = await lookUp(stack, clinician.token, '9990000077', '1988-02-29');
    // Held back at the provider, so the cancellation comes before the send.
    sms.failNext('Throttled', 3);
    const answer = await invite(stack, clinician.token, { lookupId });
    const inviteId = String(answer.body.inviteId);
    const cancelled = await api(stack, 'POST', `/api/invites/${inviteId}/cancel`, { token: clinician.token });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    await queue.idle();
    expect((await getInvite(stack, clinician.token, inviteId)).body.status).toBe('cancelled');
    expect((await inviteEvents(inviteId)).map((event) => event.type)).toContain('invite.cancelled');
  });
});
