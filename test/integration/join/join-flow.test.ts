import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  invite,
  lookUp,
  patientsWithMobiles,
  phoneMessages,
  waitForStatus,
} from '../../support/invites';
import { startTestStack } from '../../support/local-stack';
import { signedInDemoMember } from '../../support/lookups';
import { openStores } from '../../support/stores';

/**
 * The patient's join API through the local gateway, on invitations made and texted by the real invite
 * routes (the local SMS service's phone page has the link and the code): a bot's GET of the link, the code
 * five times wrong then right, consent once, dead links alike, a second browser, and staff roles.
 */

let stack: Awaited<ReturnType<typeof startTestStack>>;
let stores: ReturnType<typeof openStores>;
let clinician: string;
let receptionist: string;
let patients: { nhsNumber: string; birthDate: string; mobile: string }[];
let next = 0;
const WORDING = 'video-consent-v1';

beforeAll(async () => {
  const mobiles = Array.from({ length: 12 }, (_, i) => `+4477009001${String(i + 10)}`);
  const made = await patientsWithMobiles(mobiles);
  patients = made.patients;
  stack = await startTestStack({ pdsPatientsDir: made.dir });
  stores = openStores(stack);
  clinician = (await signedInDemoMember(stack, 'clinician')).token;
  receptionist = (await signedInDemoMember(stack, 'receptionist')).token;
});

afterAll(async () => {
  await stack?.stop();
});

/** A fresh patient invited and texted: the link's token and the code, as the phone shows them. */
async function invited(by = clinician) {
  const patient = patients[next++];
  if (!patient) throw new Error('out of patients');
  const { lookupId } = await lookUp(stack, by, patient.nhsNumber, patient.birthDate);
  const made = await invite(stack, by, { lookupId });
  expect(made.status).toBe(201);
  const inviteId = String(made.body.inviteId);
  await waitForStatus(stack, by, inviteId, ['sent', 'delivered']);
  const [message] = await phoneMessages(stack, patient.mobile);
  const text = message?.text ?? '';
  const token = /\/j\/([A-Za-z0-9_-]+)/.exec(text)?.[1];
  const code = /\b(\d{6})\b/.exec(text)?.[1];
  if (!token || !code) throw new Error('no link or code in the text');
  return { inviteId, token, code, link: `${stack.url}/j/${token}` };
}

const join = (path: string, body: unknown) => api(stack, 'POST', `/api/join/${path}`, { body });

async function recordsOf(inviteId: string) {
  const { Items } = await stores.client.send(
    new QueryCommand({
      TableName: stack.tableNames.records,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `PRACTICE#${stack.demo.practice.practiceId}` },
    }),
  );
  return (Items ?? []).filter((item) => String(item.sk).endsWith(inviteId));
}

describe('the join API', () => {
  it('a link-preview bot’s GET of the link gets the static page and changes nothing', async () => {
    const sent = await invited();
    const before = await recordsOf(sent.inviteId);
    const page = await fetch(sent.link, { headers: { 'user-agent': 'WhatsApp/2.23 (link preview)' } });
    const html = await page.text();
    // The static site's answer (the join page once `npm run build:web` has run), never the API's.
    if (page.status === 200) expect(html).toContain('<title>Join your video consultation');
    else expect(html).toBe('The web app is not built: run npm run build:web');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(html).not.toContain(sent.token);
    expect(await recordsOf(sent.inviteId)).toEqual(before);
    expect(before.some((item) => String(item.sk).startsWith('CONSULTATION#'))).toBe(false);
  });

  it('opening the link from script names the practice and what the code means, and says "link opened"', async () => {
    const sent = await invited();
    const opened = await join('open', { token: sent.token });
    expect(opened.status).toBe(200);
    expect(opened.body).toEqual({
      practiceName: stack.demo.practice.name,
      consentText: `By entering the code you agree to a video consultation with ${stack.demo.practice.name}. You can leave at any time.`,
      wordingVersion: WORDING,
      resume: null,
    });
    const detail = await api(stack, 'GET', `/api/invites/${sent.inviteId}`, { token: clinician });
    expect((detail.body.timeline as { event: string }[]).map((e) => e.event)).toContain('link-opened');
  });

  it('five wrong codes, then the right one: refused, and the clinician sees it locked', async () => {
    const sent = await invited();
    await join('open', { token: sent.token });
    const wrong = sent.code === '000000' ? '111111' : '000000';
    const answers: number[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      answers.push((await join('code', { token: sent.token, code: wrong, wordingVersion: WORDING })).status);
    }
    expect(answers).toEqual([400, 400, 400, 400, 403]);
    const right = await join('code', { token: sent.token, code: sent.code, wordingVersion: WORDING });
    expect(right.status).toBe(403);
    expect(right.body.detail).toContain('locked');
    const items = await recordsOf(sent.inviteId);
    expect(items.some((item) => String(item.sk).startsWith('CONSENT#'))).toBe(false);
    const seen = await api(stack, 'GET', `/api/consultations/${sent.inviteId}`, { token: clinician });
    expect(seen.body.statusText).toBe('locked: too many wrong codes');
  });

  it('the right code stores consent once; a second browser with the same link cannot join', async () => {
    const sent = await invited();
    await join('open', { token: sent.token });
    const accepted = await join('code', { token: sent.token, code: sent.code, wordingVersion: WORDING });
    expect(accepted.status).toBe(200);
    expect(accepted.body.hostName).toBe(stack.demo.staff.find((s) => s.role === 'clinician')?.name);
    const again = await join('code', { token: sent.token, code: sent.code, wordingVersion: WORDING });
    expect(again.status).toBe(409);
    const consents = (await recordsOf(sent.inviteId)).filter((item) =>
      String(item.sk).startsWith('CONSENT#'),
    );
    expect(consents).toHaveLength(1);
    expect(consents[0]).toMatchObject({
      wordingVersion: WORDING,
      userAgent: expect.stringContaining(' on '),
    });
    expect(JSON.stringify(consents)).not.toContain(sent.code);
    // Without this browser's session nothing goes further.
    const otherSession = await join('wait', { token: sent.token, session: 'B'.repeat(43) });
    expect(otherSession.status).toBe(403);
  });

  it('answers an unknown, a cancelled and an expired link with the same words', async () => {
    const cancelled = await invited();
    const cancel = await api(stack, 'POST', `/api/invites/${cancelled.inviteId}/cancel`, {
      token: clinician,
    });
    expect(cancel.status).toBe(200);
    const expired = await invited();
    await stores.client.send(
      new UpdateCommand({
        TableName: stack.tableNames.records,
        Key: { pk: `PRACTICE#${stack.demo.practice.practiceId}`, sk: `INVITE#${expired.inviteId}` },
        UpdateExpression: 'SET linkExpiresAt = :past',
        ExpressionAttributeValues: { ':past': new Date(Date.now() - 60_000).toISOString() },
      }),
    );
    const answers = await Promise.all(
      ['AAAAAAAAAAAAAAAAAAAAAA', cancelled.token, expired.token].map((token) => join('open', { token })),
    );
    for (const answer of answers) {
      expect(answer.status).toBe(404);
      expect(answer.body.detail).toBe('This link no longer works. Contact the practice for a new one.');
    }
    expect(new Set(answers.map((a) => JSON.stringify({ ...a.body, requestId: undefined })))).toHaveProperty(
      'size',
      1,
    );
  });

  it('refuses bad input with a 400 that names the field, and changes nothing', async () => {
    const sent = await invited();
    const before = await recordsOf(sent.inviteId);
    const bad = await join('code', { token: sent.token, code: '12ab', wordingVersion: WORDING });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.issues)).toContain('body.code');
    expect(
      (await join('code', { token: sent.token, code: sent.code, wordingVersion: WORDING, extra: 1 })).status,
    ).toBe(400);
    expect(await recordsOf(sent.inviteId)).toEqual(before);
  });

  it('lets a receptionist see a consultation’s status but never join it', async () => {
    const sent = await invited(receptionist);
    await join('open', { token: sent.token });
    const { body } = await join('code', { token: sent.token, code: sent.code, wordingVersion: WORDING });
    await join('wait', { token: sent.token, session: String(body.session) });
    const seen = await api(stack, 'GET', `/api/consultations/${sent.inviteId}`, { token: receptionist });
    expect(seen.status).toBe(200);
    expect(seen.body.status).toBe('waiting');
    expect(JSON.stringify(seen.body)).not.toContain('joinToken');
    const list = await api(stack, 'GET', '/api/consultations', { token: receptionist });
    expect((list.body.waiting as { consultationId: string }[]).map((w) => w.consultationId)).toContain(
      sent.inviteId,
    );
    const admitted = await api(stack, 'POST', `/api/consultations/${sent.inviteId}/admit`, {
      token: receptionist,
      body: {},
    });
    expect(admitted.status).toBe(403);
    expect(JSON.stringify(admitted.body)).not.toContain('joinToken');
    // A clinician can, and gets their own join info only.
    const host = await api(stack, 'POST', `/api/consultations/${sent.inviteId}/admit`, {
      token: clinician,
      body: {},
    });
    expect(host.status).toBe(200);
    expect((host.body.joinInfo as { attendee: { externalUserId: string } }).attendee.externalUserId).toBe(
      `host-${sent.inviteId}`,
    );
    // The patient's waits for the patient, once.
    const status = await join('status', { token: sent.token, session: String(body.session) });
    expect((status.body.joinInfo as { attendee: { externalUserId: string } }).attendee.externalUserId).toBe(
      `patient-${sent.inviteId}`,
    );
    expect(
      (await join('status', { token: sent.token, session: String(body.session) })).body.joinInfo,
    ).toBeNull();
  });

  it('refuses a media region outside the EU list with the list', async () => {
    const sent = await invited();
    await join('open', { token: sent.token });
    const refused = await api(stack, 'PUT', `/api/consultations/${sent.inviteId}/region`, {
      token: clinician,
      body: { mediaRegion: 'us-east-1' },
    });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body.issues)).toContain('eu-west-2 (London)');
    const chosen = await api(stack, 'PUT', `/api/consultations/${sent.inviteId}/region`, {
      token: clinician,
      body: { mediaRegion: 'eu-west-1' },
    });
    expect(chosen.status).toBe(200);
    expect(chosen.body.mediaRegionName).toBe('Ireland');
  });
});
