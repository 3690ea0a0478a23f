import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCodeAt } from '../../infra/local/oidc/totp';
import {
  launchChromium,
  reflows,
  seriousAccessibilityViolations,
  signInThroughConsole,
  watchForErrors,
} from '../support/browser';
import { startTestStack } from '../support/local-stack';
import { openStores } from '../support/stores';

/**
 * The first hour, tried as a new user would: a page one's role does not include, a lost authenticator reset
 * by the practice admin, a forgotten password, and the admin's Staff page and the patient lookup at 320 CSS
 * pixels (WCAG 1.4.10's reflow width, 400% zoom of 1280) and at 200% zoom.
 */
let stack: Awaited<ReturnType<typeof startTestStack>>;
let browser: Browser;
/** Signed in once each: an authenticator code works once, so a second sign-in in the same 30 s would wait. */
let admin: Page;
let clinician: Page;
let adminErrors: string[];
let clinicianErrors: string[];

beforeAll(async () => {
  stack = await startTestStack();
  browser = await launchChromium();
  admin = await newPage();
  adminErrors = watchForErrors(admin);
  await signInThroughConsole(admin, stack.url, demoUser('practice_admin'));
  clinician = await newPage();
  clinicianErrors = watchForErrors(clinician);
  await signInThroughConsole(clinician, stack.url, demoUser('clinician'));
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

function demoUser(role: string) {
  const user = stack.demo.staff.find((s) => s.role === role);
  if (!user) throw new Error(`no demo ${role}`);
  return user;
}

async function newPage(): Promise<Page> {
  return (await browser.newContext()).newPage();
}

describe('a page one’s role does not include', () => {
  it('says "You do not have access to this page", not "Page not found"', async () => {
    const page = clinician;
    const errors = clinicianErrors;
    await page.goto(`${stack.url}/staff`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('You do not have access to this page');
    expect(await page.textContent('#no-access-role')).toContain('clinician');
    expect(await page.title()).toBe('You do not have access to this page – Clinic Connect');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe('a member who lost their authenticator', () => {
  it('is reset by their practice admin (audited), and sets up a new one at their next sign-in', async () => {
    const lead = demoUser('clinical_lead');
    await admin.goto(`${stack.url}/staff`);
    const row = admin.locator(`tr[data-email="${lead.email}"]`);
    await row.locator('[data-action="reset-authenticator"]').click();
    await admin.waitForSelector('#confirm-heading');
    expect(await admin.textContent('#confirm-heading')).toBe(`Reset the authenticator app of ${lead.name}?`);
    expect(await seriousAccessibilityViolations(admin)).toEqual([]);
    await admin.click('#confirm-change');
    await admin.waitForSelector('#staff-success');
    expect(await admin.textContent('#staff-success-message')).toContain(
      `The authenticator of ${lead.name} has been reset`,
    );
    expect(adminErrors).toEqual([]);

    const events = await openStores(stack).audit.list(stack.demo.practice.practiceId);
    expect(events.find((event) => event.type === 'staff.authenticator_reset')).toMatchObject({
      subject: { sub: lead.sub },
      actor: { role: 'practice_admin' },
    });

    // The lead signs in: the old authenticator is gone, so after the password comes enrolment.
    const member = await newPage();
    const memberErrors = watchForErrors(member);
    await member.goto(`${stack.url}/`);
    await member.click('#sign-in');
    await member.fill('#email', lead.email);
    await member.fill('#password', lead.password);
    await member.click('button[type=submit]');
    await member.waitForSelector('form[data-step="enrol"]');
    const key = await member.getAttribute('#totp-manual-key', 'data-key');
    expect(key).toMatch(/^[A-Z2-7]{16,}$/);
    expect(key).not.toBe(lead.totpSecret);
    await member.fill('#code', await totpCodeAt(key ?? ''));
    await member.click('button[type=submit]');
    await member.waitForSelector('#aup-form, #practice-name');
    expect(memberErrors).toEqual([]);
  });
});

describe('a member who forgot their password', () => {
  it('asks for a code, reads it in the local mailbox, sets a new password and signs in with it', async () => {
    const receptionist = demoUser('receptionist');
    const page = await newPage();
    const errors = watchForErrors(page);
    await page.goto(`${stack.url}/`);
    expect(await page.textContent('#sign-in-recovery')).toContain('Forgot your password?');
    await page.click('#sign-in');
    await page.click('#forgot-password-link');
    await page.waitForSelector('form[data-step="forgot"]');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.fill('#email', receptionist.email);
    await page.click('button[type=submit]');
    await page.waitForSelector('form[data-step="reset"]');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // The code is where Cognito would email it: the local mailbox.
    const mailbox = await newPage();
    await mailbox.goto(stack.mailboxUrl);
    const mail = await mailbox.textContent(`[data-to="${receptionist.email}"]`);
    const code = /code is (\d{6})/.exec(mail ?? '')?.[1];
    expect(code).toMatch(/^\d{6}$/);
    expect(await seriousAccessibilityViolations(mailbox)).toEqual([]);

    const password = 'A-new-Password-2026!';
    // A wrong code first: refused, the form stays.
    await page.fill('#code', code === '000000' ? '111111' : '000000');
    await page.fill('#password', password);
    await page.fill('#confirm-password', password);
    await page.click('button[type=submit]');
    await page.waitForSelector('.nhsuk-error-summary');
    expect(await page.textContent('.nhsuk-error-summary')).toContain('The code is not correct');
    // The form comes back with 400, which the browser logs: expected here, and only here.
    errors.splice(0, errors.length, ...errors.filter((e) => !/status of 400/.test(e)));
    await page.fill('#code', code ?? '');
    await page.fill('#password', password);
    await page.fill('#confirm-password', password);
    await page.click('button[type=submit]');
    await page.waitForSelector('#sign-in-notice');
    expect(await page.textContent('#sign-in-notice')).toContain('Your password has been changed');

    await page.fill('#password', password);
    await page.click('button[type=submit]');
    await page.fill('#code', await totpCodeAt(receptionist.totpSecret));
    await page.click('button[type=submit]');
    await page.waitForSelector('#aup-form, #practice-name');
    expect(errors).toEqual([]);
  });
});

describe('narrow screens and zoom', () => {
  // 200% zoom of a 1280 × 800 window lays a page out in 640 × 400 CSS pixels, as this viewport does.
  const sizes = [
    { name: '320 CSS pixels (400% zoom)', viewport: { width: 320, height: 640 } },
    { name: '200% zoom of a 1280-pixel window', viewport: { width: 640, height: 400 } },
  ];

  it.each(sizes)('the admin’s Staff page keeps working at $name', async ({ viewport }) => {
    const page = admin;
    await page.setViewportSize(viewport);
    await page.goto(`${stack.url}/staff`);
    await page.waitForSelector('#staff-active');
    expect(await reflows(page)).toEqual({ overflow: 0, outside: [] });
    // Controls are reachable and work: open a member's role form and go back.
    const member = demoUser('clinician');
    const change = page.locator(`tr[data-email="${member.email}"] [data-action="change-role"]`);
    await change.scrollIntoViewIfNeeded();
    await change.click();
    await page.waitForSelector('#change-role-form');
    expect(await reflows(page)).toEqual({ overflow: 0, outside: [] });
    await page.click('#change-role-form-cancel');
    await page.waitForSelector('#staff-active');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    expect(adminErrors).toEqual([]);
  });

  it.each(sizes)('the patient lookup keeps working at $name', async ({ viewport }) => {
    const page = clinician;
    await page.setViewportSize(viewport);
    await page.goto(`${stack.url}/patients/find`);
    await page.waitForSelector('#nhs-number');
    expect(await reflows(page)).toEqual({ overflow: 0, outside: [] });
    await page.fill('#nhs-number', '9990000018');
    await page.fill('#birth-date-day', '12');
    await page.fill('#birth-date-month', '4');
    await page.fill('#birth-date-year', '1980');
    const submit = page.locator('#lookup-submit');
    await submit.scrollIntoViewIfNeeded();
    await submit.click();
    await page.waitForSelector('#lookup-match');
    expect(await reflows(page)).toEqual({ overflow: 0, outside: [] });
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    expect(clinicianErrors).toEqual([]);
  });
});
