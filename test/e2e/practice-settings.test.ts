import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
 * The practice admin's Practice settings page (issue 11): the practice's default video media region, an EU
 * Chime region, London until changed. Clinicians neither see it nor may open it.
 */
let stack: Awaited<ReturnType<typeof startTestStack>>;
let browser: Browser;
/** Signed in once each: an authenticator code works once, so a second sign-in in the same 30 s would wait. */
let admin: Page;
let clinician: Page;
let adminErrors: string[];
let clinicianErrors: string[];

const SETTINGS_LINK = '.nhsuk-header__navigation-link[href="/settings"]';

/** The page refuses what the API refuses with 400, which the browser logs: expected there, and only there. */
const unexpected = (errors: string[]) => errors.filter((e) => !/status of 400/.test(e));

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

/** The region whose radio is checked, by its value. */
function checkedRegion(page: Page): Promise<string | null> {
  return page.locator('input[name="media-region"]:checked').getAttribute('value');
}

describe('a practice admin’s Practice settings', () => {
  it('opens from the header and shows London (eu-west-2), the default, chosen among the EU regions', async () => {
    const page = admin;
    expect(await page.locator('#home-practice-settings').count()).toBe(1);
    await page.click(SETTINGS_LINK);
    await page.waitForSelector('#settings-form');
    expect(await page.locator('h1').textContent()).toContain('Practice settings');
    expect(await page.title()).toBe('Practice settings – Clinic Connect');
    expect(await page.textContent('#settings-current-region')).toBe('London (eu-west-2)');
    expect(await checkedRegion(page)).toBe('eu-west-2');
    expect(await page.locator('.nhsuk-radios__label').allTextContents()).toEqual([
      'London (eu-west-2)',
      'Ireland (eu-west-1)',
      'Paris (eu-west-3)',
      'Frankfurt (eu-central-1)',
      'Stockholm (eu-north-1)',
      'Milan (eu-south-1)',
    ]);
    // Milan is an opt-in region, and says so.
    expect(await page.textContent('#media-region-eu-south-1-hint')).toContain('opt-in region');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    expect(adminErrors).toEqual([]);
  });

  it('asks for another region when Save would change nothing, linking to the choices', async () => {
    const page = admin;
    await page.click('#settings-save');
    await page.waitForSelector('#error-summary');
    expect(await page.textContent('#error-summary')).toContain(
      'London (eu-west-2) is already the default. Choose another region to change it',
    );
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('error-summary');
    expect(await page.title()).toBe('Error: Practice settings – Clinic Connect');
    expect(await page.getAttribute('#error-summary a', 'href')).toBe('#media-region-eu-west-2');
    expect(await page.textContent('#media-region-error')).toContain('is already the default');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    expect(adminErrors).toEqual([]);
  });

  it('saves another EU region as the default (audited), with a success banner; a reload shows it', async () => {
    const page = admin;
    await page.check('#media-region-eu-west-3');
    await page.click('#settings-save');
    await page.waitForSelector('#settings-success');
    expect(await page.textContent('#settings-success-message')).toBe(
      'Video consultations now use Paris (eu-west-3) by default.',
    );
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('settings-success');
    expect(await page.locator('#error-summary').count()).toBe(0);
    expect(await page.title()).toBe('Practice settings – Clinic Connect');
    expect(await page.textContent('#settings-current-region')).toBe('Paris (eu-west-3)');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    await page.reload();
    await page.waitForSelector('#settings-form');
    expect(await page.textContent('#settings-current-region')).toBe('Paris (eu-west-3)');
    expect(await checkedRegion(page)).toBe('eu-west-3');
    expect(adminErrors).toEqual([]);

    const events = await openStores(stack).audit.list(stack.demo.practice.practiceId);
    expect(events.find((event) => event.type === 'practice.video_settings_changed')).toMatchObject({
      actor: { role: 'practice_admin' },
      details: { from: 'eu-west-2', to: 'eu-west-3' },
    });
  });

  it('shows the API’s refusal of a region outside the EU list, and keeps the default as it was', async () => {
    const page = admin;
    // The radios offer EU regions only: put a US region into the request on its way, as a tampered client would.
    await page.route('**/api/practice/video-settings', (route) =>
      route.request().method() === 'PUT'
        ? route.continue({ postData: JSON.stringify({ defaultMediaRegion: 'us-east-1' }) })
        : route.continue(),
    );
    await page.check('#media-region-eu-central-1');
    await page.click('#settings-save');
    await page.waitForSelector('#error-summary');
    await page.unroute('**/api/practice/video-settings');
    const summary = await page.textContent('#error-summary');
    expect(summary).toContain('"us-east-1" is not an allowed media region for video consultations.');
    expect(summary).toContain('eu-west-2 (London)');
    expect(await page.getAttribute('#error-summary a', 'href')).toBe('#media-region-eu-west-2');
    expect(await page.textContent('#media-region-error')).toContain('is not an allowed media region');
    expect(await page.locator('#settings-success').count()).toBe(0);
    expect(await page.textContent('#settings-current-region')).toBe('Paris (eu-west-3)');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    expect(unexpected(adminErrors)).toEqual([]);

    await page.reload();
    await page.waitForSelector('#settings-form');
    expect(await checkedRegion(page)).toBe('eu-west-3');
  });
});

describe('a clinician', () => {
  it('has no Practice settings link, and is told they do not have access at /settings', async () => {
    const page = clinician;
    await page.goto(`${stack.url}/`);
    await page.waitForSelector('#practice-name');
    expect(await page.locator('.nhsuk-header__navigation-link').count()).toBeGreaterThan(0);
    expect(await page.locator(SETTINGS_LINK).count()).toBe(0);
    expect(await page.locator('#home-practice-settings').count()).toBe(0);
    await page.goto(`${stack.url}/settings`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('You do not have access to this page');
    expect(await page.textContent('#no-access-role')).toContain('clinician');
    expect(await page.locator('#settings-form').count()).toBe(0);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    expect(clinicianErrors).toEqual([]);
  });
});

describe('narrow screens', () => {
  it('keeps Practice settings working at 320 CSS pixels (400% zoom)', async () => {
    const page = admin;
    await page.setViewportSize({ width: 320, height: 640 });
    await page.goto(`${stack.url}/settings`);
    await page.waitForSelector('#settings-form');
    expect(await reflows(page)).toEqual({ overflow: 0, outside: [] });
    const stockholm = page.locator('#media-region-eu-north-1');
    await stockholm.scrollIntoViewIfNeeded();
    await stockholm.check();
    const save = page.locator('#settings-save');
    await save.scrollIntoViewIfNeeded();
    await save.click();
    await page.waitForSelector('#settings-success');
    expect(await page.textContent('#settings-success-message')).toBe(
      'Video consultations now use Stockholm (eu-north-1) by default.',
    );
    expect(await reflows(page)).toEqual({ overflow: 0, outside: [] });
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    expect(unexpected(adminErrors)).toEqual([]);
  });
});
