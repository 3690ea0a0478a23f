import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capability as meetingsCapability } from '../../infra/capabilities/meetings';
import {
  launchChromium,
  seriousAccessibilityViolations,
  signInThroughConsole,
  watchForErrors,
} from '../support/browser';
import { api, invite, lookUp, patientsWithMobiles, phoneMessages, waitForStatus } from '../support/invites';
import { startTestStack } from '../support/local-stack';
import { signedInDemoMember } from '../support/lookups';

/**
 * The video consultation end to end on the local stack, in headless Chromium with fake camera and microphone
 * and one browser context per person: the clinician invites, the patient opens the link from the local phone
 * page, enters the code, passes the device check and waits; the clinician sees the waiting-room badge and
 * the device check, admits; both decode each other's video; the patient's connection drops and comes back
 * (not dissent); the patient leaves (dissent, which the clinician sees); neither browser keeps patient data.
 * A receptionist sees the status and cannot join; a second browser with the same link cannot join.
 */

let stack: Awaited<ReturnType<typeof startTestStack>>;
let browser: Browser;
let patients: { nhsNumber: string; birthDate: string; mobile: string }[];
let clinicianToken: string;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  const made = await patientsWithMobiles(['+447700900601', '+447700900602']);
  patients = made.patients;
  stack = await startTestStack({ pdsPatientsDir: made.dir });
  clinicianToken = (await signedInDemoMember(stack, 'clinician')).token;
  browser = await launchChromium([
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    '--allow-loopback-in-peer-connection',
    '--autoplay-policy=no-user-gesture-required',
  ]);
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await stack?.stop();
});

async function newPage(): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext();
  contexts.push(context);
  const page = await context.newPage();
  return { page, errors: watchForErrors(page) };
}

function demo(role: string) {
  const member = stack.demo.staff.find((s) => s.role === role);
  if (!member) throw new Error(`no demo ${role}`);
  return member;
}

async function until<T>(
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
  what: string,
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const frames = (page: Page, selector: string) =>
  page.evaluate((s) => {
    const video = document.querySelector<HTMLVideoElement>(s);
    return video
      ? { decoded: video.getVideoPlaybackQuality().totalVideoFrames, width: video.videoWidth }
      : { decoded: 0, width: 0 };
  }, selector);

/** Everything a page's origin keeps in the browser. */
const storage = (page: Page) =>
  page.evaluate(async () => ({
    local: Object.fromEntries(Object.entries(localStorage)),
    session: Object.fromEntries(Object.entries(sessionStorage)),
    cookies: document.cookie,
    databases: (await indexedDB.databases()).map((db) => db.name),
  }));

/** Invites a patient (the clinician's API call) and waits for the text on the phone page. */
async function invitePatient(index: number) {
  const patient = patients[index];
  if (!patient) throw new Error('no patient');
  const { lookupId } = await lookUp(stack, clinicianToken, patient.nhsNumber, patient.birthDate);
  const made = await invite(stack, clinicianToken, { lookupId });
  const inviteId = String(made.body.inviteId);
  await waitForStatus(stack, clinicianToken, inviteId, ['delivered']);
  const [message] = await phoneMessages(stack, patient.mobile);
  const code = /\b(\d{6})\b/.exec(message?.text ?? '')?.[1] ?? '';
  const link = /https?:\/\/\S+\/j\/[A-Za-z0-9_-]+/.exec(message?.text ?? '')?.[0] ?? '';
  return { inviteId, code, link };
}

describe('a video consultation', () => {
  it('from the text message to video both ways, a drop and a return, and the patient leaving', async () => {
    const clinician = await newPage();
    await signInThroughConsole(clinician.page, stack.url, demo('clinician'));
    // The clinician looks the patient up and invites them from the result.
    const record = patients[0];
    if (!record) throw new Error('no patient');
    const [year, month, day] = record.birthDate.split('-').map((part) => String(Number(part)));
    await clinician.page.goto(`${stack.url}/patients/find`);
    await clinician.page.fill('#nhs-number', record.nhsNumber);
    await clinician.page.fill('#birth-date-day', day ?? '');
    await clinician.page.fill('#birth-date-month', month ?? '');
    await clinician.page.fill('#birth-date-year', year ?? '');
    await clinician.page.click('#lookup-submit');
    await clinician.page.waitForSelector('#lookup-match');
    await clinician.page.click('#invite-submit');
    await until(
      async () => new URL(clinician.page.url()).pathname,
      (path) => /^\/invites\/[0-9a-f-]{36}$/.test(path),
      'the invitation page',
    );
    const inviteId = new URL(clinician.page.url()).pathname.split('/').at(-1) ?? '';
    await until(
      () => clinician.page.textContent('#invite-status'),
      (text) => text === 'Delivered',
      'delivered',
    );
    const [message] = await phoneMessages(stack, record.mobile);
    const sent = {
      inviteId,
      code: /\b(\d{6})\b/.exec(message?.text ?? '')?.[1] ?? '',
      link: /https?:\/\/\S+\/j\/[A-Za-z0-9_-]+/.exec(message?.text ?? '')?.[0] ?? '',
    };

    // The patient opens the link from their phone.
    const patient = await newPage();
    await patient.page.goto(`${stack.url}/local/phone/`);
    await patient.page.click(`a[href="${sent.link}"]`);
    await patient.page.waitForSelector('#view-code:not([hidden])');
    expect(await patient.page.textContent('#practice-name')).toBe(stack.demo.practice.name);
    expect(await patient.page.textContent('#consent-text')).toBe(
      `By entering the code you agree to a video consultation with ${stack.demo.practice.name}. You can leave at any time.`,
    );
    const field = patient.page.locator('#join-code');
    expect(await field.getAttribute('autocomplete')).toBe('one-time-code');
    expect(await field.getAttribute('inputmode')).toBe('numeric');
    expect(await seriousAccessibilityViolations(patient.page)).toEqual([]);
    // Nothing kept before the code.
    expect((await storage(patient.page)).session).toEqual({});

    await field.fill(sent.code);
    await patient.page.click('#code-submit');
    await patient.page.waitForSelector('#device-continue:not([hidden])', { timeout: 20_000 });
    expect(await patient.page.locator('#device-results li.cc-check--fail').count()).toBe(0);
    expect(await seriousAccessibilityViolations(patient.page)).toEqual([]);
    await patient.page.click('#device-continue');
    await patient.page.waitForSelector('#view-waiting:not([hidden])');
    expect(await patient.page.textContent('#waiting-text')).toBe(
      `${demo('clinician').name} will let you in soon.`,
    );
    expect(await seriousAccessibilityViolations(patient.page)).toEqual([]);

    // The invitation's timeline fills in with the patient's steps, without a reload.
    await until(
      () =>
        clinician.page
          .locator('#invite-timeline li')
          .evaluateAll((items) => items.map((item) => item.getAttribute('data-event'))),
      (steps) => ['link-opened', 'code-accepted', 'device-check', 'waiting'].every((s) => steps.includes(s)),
      'the journey on the invitation’s timeline',
    );
    expect(await clinician.page.textContent('#invite-timeline')).toContain(
      'Device check: camera ✓, microphone ✓, network good.',
    );

    // The clinician sees the waiting patient on whatever page they are on, and the device check.
    await clinician.page.waitForSelector('#waiting-badge-link', { timeout: 15_000 });
    expect(await clinician.page.textContent('#waiting-badge')).toMatch(
      /is waiting \((less than a minute|1 minute)\)/,
    );
    await clinician.page.click('#waiting-badge-link');
    await clinician.page.waitForSelector('#admit');
    expect(await clinician.page.textContent('#consultation-device-check')).toBe(
      'camera ✓, microphone ✓, network good',
    );
    expect(await clinician.page.textContent('#consultation-consent')).toMatch(/^Code accepted at/);
    expect(await seriousAccessibilityViolations(clinician.page)).toEqual([]);

    // Waiting: no media either way before the admit.
    expect((await frames(patient.page, '#remote')).decoded).toBe(0);

    const admitAt = Date.now();
    await clinician.page.click('#admit');
    const [atClinician, atPatient] = await Promise.all([
      until(
        () => frames(clinician.page, '#remote-video'),
        (f) => f.decoded > 0,
        'the clinician seeing the patient',
      ),
      until(
        () => frames(patient.page, '#remote'),
        (f) => f.decoded > 0,
        'the patient seeing the clinician',
      ),
    ]);
    console.log(`admit → both sides decoding the other's video: ${Date.now() - admitAt} ms`);
    for (const [page, selector, first] of [
      [clinician.page, '#remote-video', atClinician],
      [patient.page, '#remote', atPatient],
    ] as const) {
      const later = await until(
        () => frames(page, selector),
        (f) => f.decoded > first.decoded + 10,
        'frames decoding',
      );
      expect(later.width).toBeGreaterThan(0);
    }
    await clinician.page.waitForSelector('#call-duration');
    await until(
      () => api(stack, 'GET', `/api/consultations/${sent.inviteId}`, { token: clinicianToken }),
      (answer) => answer.body.status === 'in-call',
      'in call',
    );
    expect(await seriousAccessibilityViolations(patient.page)).toEqual([]);

    // The patient's connection drops: reconnecting, then back with the same session. Not dissent.
    const joinSession = JSON.parse(
      (await patient.page.evaluate(() => sessionStorage.getItem('clinic-connect.join'))) ?? '{}',
    ) as { joinInfo?: { attendee: { attendeeId: string } } };
    const attendeeId = joinSession.joinInfo?.attendee.attendeeId ?? '';
    const before = await frames(clinician.page, '#remote-video');
    expect(stack.standIn(meetingsCapability).dropConnection(attendeeId)).toBe(true);
    const back = await until(
      () => api(stack, 'GET', `/api/consultations/${sent.inviteId}`, { token: clinicianToken }),
      (answer) => {
        const events = (answer.body.events as { event: string }[]).map((e) => e.event);
        return (
          events.includes('reconnecting') && events.includes('rejoined') && answer.body.status === 'in-call'
        );
      },
      'the patient back after the drop',
    );
    expect(back.body.dissent).toBeNull();
    await until(
      () => frames(clinician.page, '#remote-video'),
      (f) => f.decoded > before.decoded + 10,
      'video after the drop',
    );

    // The patient leaves: dissent, with the time and the step, and the clinician sees it.
    await patient.page.click('#call-leave');
    await patient.page.waitForSelector('#view-ended:not([hidden])');
    await clinician.page.waitForSelector('#consultation-dissent', { timeout: 15_000 });
    expect(await clinician.page.textContent('#consultation-dissent')).toMatch(
      /The patient left the (video|page) during the video call at \d\d:\d\d\. This is recorded as dissent\./,
    );
    const after = await api(stack, 'GET', `/api/consultations/${sent.inviteId}`, { token: clinicianToken });
    expect(after.body).toMatchObject({ status: 'ended', dissent: { step: 'in-call' } });
    expect(after.body.call).toMatchObject({ durationSeconds: expect.any(Number) });

    // Nothing about the patient stays in either browser.
    const patientKept = await storage(patient.page);
    expect(patientKept).toEqual({ local: {}, session: {}, cookies: '', databases: [] });
    const clinicianKept = JSON.stringify(await storage(clinician.page));
    const patientRecord = patients[0];
    for (const secret of [patientRecord?.nhsNumber, patientRecord?.mobile, sent.code]) {
      if (secret) expect(clinicianKept).not.toContain(secret);
    }
    const name = String(after.body.patientName);
    expect(name.length).toBeGreaterThan(0);
    expect(clinicianKept).not.toContain(name);

    // The link and the code never work again.
    const again = await newPage();
    await again.page.goto(sent.link);
    await again.page.waitForSelector('#view-gone:not([hidden])');
    expect(await again.page.textContent('#gone-text')).toBe(
      'This link no longer works. Contact the practice for a new one.',
    );
    expect(
      [...clinician.errors, ...patient.errors, ...again.errors].filter((e) => !/40[349]/.test(e)),
    ).toEqual([]);
  });

  it('a receptionist follows the patient but cannot join; a second browser with the same link cannot join', async () => {
    const sent = await invitePatient(1);
    const patient = await newPage();
    await patient.page.goto(sent.link);
    await patient.page.waitForSelector('#view-code:not([hidden])');
    await patient.page.fill('#join-code', sent.code);
    await patient.page.click('#code-submit');
    await patient.page.waitForSelector('#device-continue:not([hidden])', { timeout: 20_000 });
    await patient.page.click('#device-continue');
    await patient.page.waitForSelector('#view-waiting:not([hidden])');

    const receptionist = await newPage();
    await signInThroughConsole(receptionist.page, stack.url, demo('receptionist'));
    await receptionist.page.waitForSelector('#waiting-badge-link', { timeout: 15_000 });
    await receptionist.page.click('#waiting-badge-link');
    await receptionist.page.waitForSelector('#host-only');
    expect(await receptionist.page.locator('#admit').count()).toBe(0);
    expect(await receptionist.page.textContent('#consultation-status')).toMatch(/^waiting for/);
    const token = (await signedInDemoMember(stack, 'receptionist')).token;
    const refused = await api(stack, 'POST', `/api/consultations/${sent.inviteId}/admit`, {
      token,
      body: {},
    });
    expect(refused.status).toBe(403);

    const second = await newPage();
    await second.page.goto(sent.link);
    await second.page.waitForSelector('#view-code:not([hidden])');
    await second.page.fill('#join-code', sent.code);
    await second.page.click('#code-submit');
    await second.page.waitForSelector('#view-gone:not([hidden])');
    expect(await second.page.textContent('#gone-text')).toContain('already been used');
    expect((await storage(second.page)).session).toEqual({});
    // The first browser is still waiting, untouched.
    expect(await patient.page.isVisible('#view-waiting')).toBe(true);
  });
});
