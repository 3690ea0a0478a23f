import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchChromium,
  seriousAccessibilityViolations,
  signInThroughConsole,
  watchForErrors,
} from '../support/browser';
import { startTestStack } from '../support/local-stack';

let stack: Awaited<ReturnType<typeof startTestStack>>;
let browser: Browser;
let errors: string[];

beforeAll(async () => {
  stack = await startTestStack();
  browser = await launchChromium();
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
  const page = await (await browser.newContext({ acceptDownloads: true })).newPage();
  errors = watchForErrors(page);
  return page;
}

describe('a compliance officer’s audit report', () => {
  it('shows today’s lookup and invitation, downloads the CSV and finds the trail intact', async () => {
    // A clinician looks a patient up first.
    const clinician = await newPage();
    await signInThroughConsole(clinician, stack.url, demoUser('clinician'));
    await clinician.click('#home-find-patient');
    await clinician.fill('#nhs-number', '999 000 0018');
    await clinician.fill('#birth-date-day', '12');
    await clinician.fill('#birth-date-month', '4');
    await clinician.fill('#birth-date-year', '1980');
    await clinician.click('#lookup-submit');
    await clinician.waitForSelector('#lookup-match');
    // ... and invites them: the text goes out and is delivered (the local SMS service reports it).
    await clinician.click('#invite-submit');
    await clinician.waitForSelector('#invite-status');
    await expect.poll(() => clinician.textContent('#invite-status'), { timeout: 20_000 }).toBe('Delivered');
    await clinician.context().close();

    const page = await newPage();
    await signInThroughConsole(page, stack.url, demoUser('compliance_officer'));
    // An officer may read the trail, and nothing else: no lookups, no staff management.
    expect(await page.locator('#home-audit-reports').count()).toBe(1);
    expect(await page.locator('#home-find-patient').count()).toBe(0);
    expect(await page.locator('#home-manage-staff').count()).toBe(0);
    await page.click('#home-audit-reports');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Audit reports');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // Today is filled in: the report runs as it stands.
    await page.click('#run-report');
    await page.waitForSelector('#audit-report');
    expect(await page.textContent('#report-run-by')).toContain('Pat Okafor');
    const lookups = page.locator('#section-lookups-table tbody tr');
    expect(await lookups.count()).toBe(1);
    const row = lookups.first();
    expect(await row.locator('[data-column="staff"]').textContent()).toBe('Dr Sam Patel');
    expect(await row.locator('[data-column="patient"]').textContent()).toBe('999 000 0018');
    expect(await row.locator('[data-column="patientName"]').textContent()).toBe('Florence Fictional');
    expect(await row.locator('[data-column="outcome"]').textContent()).toBe('Match shown');
    // The invitation, step by step as the SMS service reported it, about the same patient.
    const invitations = page.locator('#section-invitations-table tbody tr');
    const events = await invitations.locator('[data-column="event"]').allTextContents();
    expect(events).toEqual(['Invitation made', 'SMS queued', 'SMS sent', 'SMS delivered']);
    expect(await invitations.first().locator('[data-column="patient"]').textContent()).toBe('999 000 0018');
    expect(await invitations.first().locator('[data-column="staff"]').textContent()).toBe('Dr Sam Patel');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
    expect(download.suggestedFilename()).toMatch(
      /^audit-report-y99999-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/,
    );
    const csv = await readFile((await download.path()) as string, 'utf8');
    expect(csv.split('\r\n')[0]).toContain('PERSONAL DATA');
    expect(csv).toContain('999 000 0018');
    expect(csv).toContain('Florence Fictional');
    await page.waitForSelector('#csv-downloaded');

    await page.click('#verify-integrity');
    await page.waitForSelector('#integrity-result');
    expect(await page.textContent('#integrity-result')).toBe('intact');
    expect(await page.textContent('#report-integrity')).toBe('intact');
    expect(await page.getAttribute('#integrity', 'data-intact')).toBe('true');

    // The print view keeps the report and its integrity, without the console around it.
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('#report-summary').isVisible()).toBe(true);
    expect(await page.locator('#integrity').isVisible()).toBe(true);
    expect(await page.locator('#audit-report-form').isVisible()).toBe(false);
    expect(await page.locator('#download-csv').isVisible()).toBe(false);
    await page.emulateMedia({ media: 'screen' });

    // The AWS evidence: the practice key's use, from the local trail, and the trail valid.
    await page.click('#show-evidence');
    await page.waitForSelector('#aws-evidence');
    expect(await page.textContent('#aws-key-usage')).toContain('GenerateDataKey');
    expect(await page.locator('#aws-no-outsiders').count()).toBe(1);
    expect(errors).toEqual([]);
  });
});
