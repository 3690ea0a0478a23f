import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCodeAt } from '../../infra/local/oidc/totp';
import {
  launchChromium,
  seriousAccessibilityViolations,
  signInThroughConsole,
  watchForErrors,
} from '../support/browser';
import { startTestStack } from '../support/local-stack';

let stack: Awaited<ReturnType<typeof startTestStack>>;
let browser: Browser;
let newcomer: Page;
let admin: Page;
let newcomerErrors: string[];
let adminErrors: string[];

const NEWCOMER = {
  email: 'nia.newcomer@nhs.net',
  name: 'Nia Newcomer',
  password: 'Correct-Horse-42-battery',
};

/** Pending members are refused with 403 while they wait: the browser logs those, and nothing else may be. */
const unexpected = (errors: string[]) => errors.filter((e) => !/status of 403/.test(e));

beforeAll(async () => {
  stack = await startTestStack();
  browser = await launchChromium();
  newcomer = await (await browser.newContext()).newPage();
  admin = await (await browser.newContext()).newPage();
  newcomerErrors = watchForErrors(newcomer);
  adminErrors = watchForErrors(admin);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function acceptPolicy(page: Page) {
  await page.waitForSelector('#aup-form');
  await page.check('#aup-accept');
  await page.click('#aup-submit');
}

describe('a new member of staff', () => {
  it('signs up with an nhs.net address, enrols an authenticator, joins the practice and waits for approval', async () => {
    await newcomer.goto(`${stack.url}/`);
    await newcomer.click('#sign-in');
    await newcomer.click('#create-account-link');
    await newcomer.waitForSelector('form[data-step="signup"]');
    expect(await seriousAccessibilityViolations(newcomer)).toEqual([]);
    await newcomer.fill('#email', NEWCOMER.email);
    await newcomer.fill('#name', NEWCOMER.name);
    await newcomer.fill('#password', NEWCOMER.password);
    await newcomer.fill('#confirm-password', NEWCOMER.password);
    await newcomer.click('button[type=submit]');

    // Enrolment: the key is shown for the authenticator app; prove it by entering a code from it.
    const key = await newcomer.getAttribute('#totp-manual-key', 'data-key');
    expect(key).toMatch(/^[A-Z2-7]{16,}$/);
    expect(await newcomer.locator('img[alt]').count()).toBeGreaterThan(0);
    expect(await seriousAccessibilityViolations(newcomer)).toEqual([]);
    await newcomer.fill('#code', await totpCodeAt(key ?? ''));
    await newcomer.click('button[type=submit]');

    await newcomer.waitForSelector('#join-practice-form');
    expect(await seriousAccessibilityViolations(newcomer)).toEqual([]);
    await newcomer.fill('#join-name', NEWCOMER.name);
    await newcomer.fill('#join-ods-code', stack.demo.practice.odsCode);
    await newcomer.click('#join-submit');

    await expect.poll(() => newcomer.locator('h1').textContent()).toBe('Waiting for approval');
    expect(await newcomer.textContent('#pending-practice-name')).toBe(stack.demo.practice.name);
    expect(await seriousAccessibilityViolations(newcomer)).toEqual([]);
  });

  it('is waiting, as the practice admin’s home page says on arrival', async () => {
    const demoAdmin = stack.demo.staff.find((s) => s.role === 'practice_admin');
    if (!demoAdmin) throw new Error('no demo admin');
    await signInThroughConsole(admin, stack.url, demoAdmin);
    await admin.waitForSelector('#home-pending');
    expect(await admin.textContent('#home-pending')).toMatch(/1 person is waiting for your approval/);
    expect(await seriousAccessibilityViolations(admin)).toEqual([]);
  });

  it('is approved by the practice admin from the staff page, with the role chosen in the same step', async () => {
    await admin.click('#home-pending-link');
    const row = admin.locator(`tr[data-email="${NEWCOMER.email}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('pending');
    expect(await seriousAccessibilityViolations(admin)).toEqual([]);
    await row.locator('[data-action="approve"]').click();
    await admin.waitForSelector('#approve-form');
    expect(await admin.locator('h1').textContent()).toBe(`Approve ${NEWCOMER.name}`);
    // No role is assumed: approving without choosing one says so.
    await admin.click('#approve-form-submit');
    await admin.waitForSelector('.nhsuk-error-summary');
    expect(await seriousAccessibilityViolations(admin)).toEqual([]);
    await admin.check('#role-clinician');
    await admin.click('#approve-form-submit');
    await admin.waitForSelector('#staff-success');
    expect(await admin.textContent('#staff-success-message')).toContain(
      `${NEWCOMER.name} has been approved as a clinician`,
    );
    const approved = admin.locator(`tr[data-email="${NEWCOMER.email}"]`);
    expect(await approved.getAttribute('data-status')).toBe('active');
    expect(await approved.locator('[data-role]').getAttribute('data-role')).toBe('clinician');
    expect(unexpected(adminErrors)).toEqual([]);
  });

  it('checks again, accepts the acceptable-use policy and reaches the console', async () => {
    await newcomer.click('#pending-check-again');
    await acceptPolicy(newcomer);
    await newcomer.waitForSelector('#practice-name');
    expect(await newcomer.textContent('#practice-name')).toBe(stack.demo.practice.name);
    expect(await newcomer.textContent('#staff-name')).toBe(NEWCOMER.name);
    expect(await seriousAccessibilityViolations(newcomer)).toEqual([]);
    expect(unexpected(newcomerErrors)).toEqual([]);
  });
});
