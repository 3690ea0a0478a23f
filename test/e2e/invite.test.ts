import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchChromium,
  seriousAccessibilityViolations,
  signInThroughConsole,
  watchForErrors,
} from '../support/browser';
import { startTestStack } from '../support/local-stack';

/**
 * The clinician's journey: find the demo patient, invite them with a message they can preview, watch the
 * text reach "delivered" without reloading, and the patient's phone page shows it. Then the clinical lead's
 * review of a flagged message, and an opt-out recorded from the lookup.
 */

let stack: Awaited<ReturnType<typeof startTestStack>>;
let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  stack = await startTestStack({ env: { LOCAL_SMS_DELIVERY_DELAY_MS: '200-500' } });
  browser = await launchChromium();
  page = await (await browser.newContext()).newPage();
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

async function findPatient(target: Page, nhsNumber: string, [day, month, year]: [string, string, string]) {
  await target.goto(`${stack.url}/patients/find`);
  await target.fill('#nhs-number', nhsNumber);
  await target.fill('#birth-date-day', day);
  await target.fill('#birth-date-month', month);
  await target.fill('#birth-date-year', year);
  await target.click('#lookup-submit');
  await target.waitForSelector('#lookup-match');
}

describe('inviting the demo patient', () => {
  it('offers the invitation on the lookup result, with the exact text, its length and segments', async () => {
    await signInThroughConsole(page, stack.url, demoUser('clinician'));
    await findPatient(page, '999 000 0018', ['12', '4', '1980']);
    expect(await page.locator('#invite-unavailable').count()).toBe(0);
    await page.fill('#invite-message', 'Dr Patel will call at 2pm.');
    const preview = await page.textContent('#invite-preview');
    expect(preview).toContain(`${stack.demo.practice.name} has invited you to a video consultation.`);
    expect(preview).toContain(`Join: ${stack.url}/j/`);
    expect(preview).toContain('Your code: ••••••');
    expect(preview).toContain('Dr Patel will call at 2pm.');
    // A link and a code take most of a first text: with a note the whole is two (at most two are allowed).
    expect(await page.textContent('#invite-message-counter')).toMatch(
      /^\d+ characters: [12] text messages?$/,
    );
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  });

  it('asks to confirm a message that looks clinical, and explains why', async () => {
    await page.fill('#invite-message', 'About your blood test results.');
    await page.waitForSelector('#invite-warnings');
    expect(await page.textContent('#invite-warnings')).toContain('It mentions "test results".');
    await page.click('#invite-submit');
    await page.waitForSelector('#error-summary');
    expect(await page.textContent('#error-summary')).toContain('Confirm that your message is right to send');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.fill('#invite-message', 'Dr Patel will call at 2pm.');
    expect(await page.locator('#invite-warnings').count()).toBe(0);
  });

  it('sends, and the status reaches “Delivered” on the invitation’s page without a reload', async () => {
    await page.click('#invite-submit');
    // The console routes with the History API: the address changes, nothing loads.
    await expect
      .poll(() => new URL(page.url()).pathname, { timeout: 15_000 })
      .toMatch(/^\/invites\/[0-9a-f-]{36}$/);
    await page.waitForSelector('#invite-status');
    const before = await page.evaluate(() => performance.getEntriesByType('navigation').length);
    await expect.poll(() => page.textContent('#invite-status'), { timeout: 20_000 }).toBe('Delivered');
    expect(await page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(before);
    expect(await page.textContent('#invite-status-text')).toBe(
      "The text has been delivered to the patient's phone.",
    );
    const steps = await page
      .locator('#invite-timeline li')
      .evaluateAll((items) => items.map((item) => item.getAttribute('data-event')));
    expect(steps).toEqual(['created', 'queued', 'sending', 'sent', 'delivered']);
    expect(await page.textContent('#invite-message-sent')).toBe('Dr Patel will call at 2pm.');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  });

  it('puts the text on the patient’s phone page, with its link', async () => {
    const phone = await (await browser.newContext()).newPage();
    await phone.goto(`${stack.url}/local/phone/`);
    const body = await phone.textContent('body');
    expect(body).toContain(`${stack.demo.practice.name} has invited you to a video consultation.`);
    expect(body).toContain('Dr Patel will call at 2pm.');
    expect(body).toMatch(/Your code: \d{6}/);
    const link = await phone.locator(`a[href^="${stack.url}/j/"]`).first().getAttribute('href');
    expect(link).toMatch(/\/j\/[A-Za-z0-9_-]{22}$/);
    expect(await seriousAccessibilityViolations(phone)).toEqual([]);
    await phone.close();
  });

  it('lists it on the Invitations page, delivered', async () => {
    await page.click('#invite-all');
    await page.waitForSelector('#invitations');
    const row = page.locator('#invitations tbody tr').first();
    expect(await row.textContent()).toContain('Florence Fictional');
    expect(await row.textContent()).toContain('Delivered');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  });
});

describe('a message the scanner flags', () => {
  it('is held, the sender is told, and a clinical lead releases it from the review queue', async () => {
    await findPatient(page, '999 000 0026', ['2', '11', '1952']);
    await page.fill('#invite-message', 'Answer your phone, you stupid idiot.');
    await page.click('#invite-submit');
    // The console routes with the History API: the address changes, nothing loads.
    await expect
      .poll(() => new URL(page.url()).pathname, { timeout: 15_000 })
      .toMatch(/^\/invites\/[0-9a-f-]{36}$/);
    await page.waitForSelector('#invite-status');
    expect(await page.textContent('#invite-status')).toBe('Held for review');
    expect(await page.textContent('#invite-status-text')).toContain('sent to your practice’s clinical lead');

    const lead = await (await browser.newContext()).newPage();
    await signInThroughConsole(lead, stack.url, demoUser('clinical_lead'));
    await lead.click('#home-held-messages');
    await lead.waitForSelector('[data-action="release"]');
    expect(await lead.textContent('main')).toContain('Answer your phone, you stupid idiot.');
    expect(await seriousAccessibilityViolations(lead)).toEqual([]);
    await lead.click('[data-action="release"]');
    await lead.waitForSelector('#held-outcome');
    expect(await lead.textContent('#held-empty')).toBe('There are no messages waiting for review.');
    await lead.close();

    await expect.poll(() => page.textContent('#invite-status'), { timeout: 20_000 }).toBe('Delivered');
  });
});

describe('an opt-out recorded from the lookup', () => {
  it('takes the invitation away and says why, until the patient asks for texts again', async () => {
    await findPatient(page, '999 000 0034', ['30', '7', '1999']);
    await page.click('#sms-opt-out');
    await page.waitForSelector('#sms-opted-out');
    expect(await page.locator('#invite-form').count()).toBe(0);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.click('#sms-opt-in');
    await page.waitForSelector('#invite-form');
    expect(errors).toEqual([]);
  });
});
