import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCodeAt } from '../../infra/local/oidc/totp';
import { launchChromium, seriousAccessibilityViolations, watchForErrors } from '../support/browser';
import { startTestStack } from '../support/local-stack';

let stack: Awaited<ReturnType<typeof startTestStack>>;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];

beforeAll(async () => {
  stack = await startTestStack();
  browser = await launchChromium();
  context = await browser.newContext();
  page = await context.newPage();
  errors = watchForErrors(page);
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

describe('the practice console', () => {
  it('greets a signed-out visitor with a sign-in page that passes axe', async () => {
    await page.goto(`${stack.url}/`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Sign in to Clinic Connect');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('signs a demo clinician in with password and authenticator code, and shows their demo practice', async () => {
    const clinician = demoUser('clinician');
    await page.click('#sign-in');
    await page.waitForSelector('#email');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.fill('#email', clinician.email);
    await page.fill('#password', clinician.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('#code');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.fill('#code', await totpCodeAt(clinician.totpSecret));
    await page.click('button[type=submit]');

    // First sign-in: the acceptable-use policy comes before anything else.
    await page.waitForSelector('#aup-form');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.check('#aup-accept');
    await page.click('#aup-submit');

    await page.waitForSelector('#practice-name');
    expect(await page.textContent('#practice-name')).toBe(stack.demo.practice.name);
    expect(await page.textContent('#header-practice-name')).toBe(stack.demo.practice.name);
    expect(await page.textContent('#staff-name')).toBe(clinician.name);
    expect(await page.textContent('#demo-practice-tag')).toContain('Demo practice');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('keeps nothing but the session tokens in browser storage', async () => {
    const storage = await page.evaluate(() => ({
      local: Object.keys(localStorage),
      session: Object.keys(sessionStorage),
    }));
    expect(storage.local).toEqual([]);
    expect(storage.session.every((key) => key.startsWith('oidc.'))).toBe(true);
  });

  it('signs out at the provider too: signing in again asks for the password', async () => {
    await page.goto(`${stack.url}/`);
    await page.waitForSelector('#sign-out');
    await page.click('#sign-out');
    await page.waitForSelector('#signed-out-message');
    expect(await page.textContent('#signed-out-message')).toContain('You have signed out.');
    expect(
      await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('oidc.user'))),
    ).toEqual([]);
    await page.click('#sign-in');
    await page.waitForSelector('#password');
    expect(page.url()).toContain('/oidc/');
  });

  it('answers an unknown console path with an accessible not-found page', async () => {
    await page.goto(`${stack.url}/no-such-page`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Page not found');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  });
});

describe('the patient join page', () => {
  it('is a separate, small page with no console code, and passes axe', async () => {
    const patient = await (await browser.newContext()).newPage();
    const patientErrors = watchForErrors(patient);
    const scripts: string[] = [];
    patient.on('request', (request) => {
      if (request.resourceType() === 'script') scripts.push(request.url());
    });
    // A link of the right shape that no invitation has: the page's one answer for every dead link.
    await patient.goto(`${stack.url}/j/${'A'.repeat(22)}`);
    await expect.poll(() => patient.locator('h1:visible').textContent()).toBe('This link no longer works');
    // Its own script and Vite's small helper for the video code it fetches later: nothing of the console's.
    expect(scripts.map((url) => new URL(url).pathname.replace(/-[\w-]{8}\.js$/, '')).sort()).toEqual([
      '/assets/join',
      '/assets/preload-helper',
    ]);
    expect(await seriousAccessibilityViolations(patient)).toEqual([]);
    // The API's 404 for the dead link is the browser's console line for any 404 answer; nothing else.
    expect(patientErrors.filter((error) => !error.includes('status of 404'))).toEqual([]);
  });
});
