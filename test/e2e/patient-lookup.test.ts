import { readFileSync } from 'node:fs';
import type { Browser, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_MATCH_MESSAGE } from '../../functions/lookup/routes';
import {
  launchChromium,
  seriousAccessibilityViolations,
  signInThroughConsole,
  watchForErrors,
} from '../support/browser';
import { startTestStack } from '../support/local-stack';

/** The demo example: an ordinary patient with a current mobile, as the local PDS stand-in serves them. */
interface FhirPatient {
  name: { use?: string; given?: string[]; family?: string; period?: { end?: string } }[];
  gender: string;
  birthDate: string;
  telecom?: { system?: string; use?: string; value?: string; period?: { end?: string } }[];
}
const record = JSON.parse(
  readFileSync(new URL('../../infra/local/pds/patients/9990000018.json', import.meta.url), 'utf8'),
) as FhirPatient;
const usualName = record.name.find((name) => name.use === 'usual' && !name.period?.end) ?? record.name[0];
const mobile = record.telecom?.find((t) => t.system === 'phone' && t.use === 'mobile' && !t.period?.end);
const PATIENT = {
  nhsNumber: '9990000018',
  name: [...(usualName?.given ?? []), usualName?.family ?? ''].join(' '),
  gender: { female: 'Female', male: 'Male', other: 'Other', unknown: 'Not known' }[record.gender],
  birthDate: record.birthDate,
  mobileEnding: mobile?.value?.replace(/\D/g, '').slice(-3),
};
const [BIRTH_YEAR, BIRTH_MONTH, BIRTH_DAY] = PATIENT.birthDate.split('-').map((part) => String(Number(part)));

let stack: Awaited<ReturnType<typeof startTestStack>>;
let browser: Browser;
let page: Page;
let errors: string[];
/** Every request the console makes to the lookup API. */
const lookups: Request[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  browser = await launchChromium();
  page = await (await browser.newContext()).newPage();
  errors = watchForErrors(page);
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/api/lookups')) lookups.push(request);
  });
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

async function signIn(target: Page, role: string) {
  await signInThroughConsole(target, stack.url, demoUser(role));
}

async function fillBirthDate(day: string, month: string, year: string) {
  await page.fill('#birth-date-day', day);
  await page.fill('#birth-date-month', month);
  await page.fill('#birth-date-year', year);
}

/** Waits for the lookup's answer and says which it was (an error summary's text, if that is what came). */
async function outcome(): Promise<string> {
  const answer = page.locator('#lookup-match, #lookup-no-match, #error-summary').first();
  await answer.waitFor();
  const id = await answer.getAttribute('id');
  return id === 'error-summary' ? `error summary: ${await answer.textContent()}` : (id ?? '');
}

const focusedId = () => page.evaluate(() => document.activeElement?.id ?? '');

describe('finding a patient', () => {
  it('is linked from a clinician’s home page and passes axe', async () => {
    expect(PATIENT.name).not.toBe('');
    expect(PATIENT.mobileEnding).toMatch(/^\d{3}$/);
    await signIn(page, 'clinician');
    await page.click('#home-find-patient');
    await expect.poll(() => page.locator('h1').textContent()).toBe('Find a patient');
    expect(new URL(page.url()).pathname).toBe('/patients/find');
    expect(await page.title()).toBe('Find a patient – Clinic Connect');
    const nhsNumber = page.locator('#nhs-number');
    expect(await nhsNumber.getAttribute('inputmode')).toBe('numeric');
    expect(await nhsNumber.getAttribute('autocomplete')).toBe('off');
    expect(await nhsNumber.getAttribute('spellcheck')).toBe('false');
    expect(await page.textContent('#nhs-number-hint')).toBe('For example, 943 476 5919');
    expect(await page.textContent('#birth-date-hint')).toBe('For example, 15 3 1984');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  });

  it('lists both fields in an error summary when the form is sent empty, without asking the API', async () => {
    await page.click('#lookup-submit');
    await page.waitForSelector('#error-summary');
    expect(await focusedId()).toBe('error-summary');
    const links = page.locator('#error-summary a');
    expect(await links.allTextContents()).toEqual([
      'Enter the patient’s NHS number',
      'Enter the patient’s date of birth',
    ]);
    expect(await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual([
      '#nhs-number',
      '#birth-date-day',
    ]);
    expect(await page.textContent('#nhs-number-error')).toContain('Enter the patient’s NHS number');
    expect(await page.textContent('#birth-date-error')).toContain('Enter the patient’s date of birth');
    expect(await page.title()).toBe('Error: Find a patient – Clinic Connect');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    await links.first().click();
    expect(await focusedId()).toBe('nhs-number');
    expect(lookups).toEqual([]);
  });

  it('checks the NHS number and date of birth in the browser first, in the API’s words', async () => {
    await page.fill('#nhs-number', '999 000 0019');
    await fillBirthDate('31', '2', '1980');
    await page.click('#lookup-submit');
    await expect
      .poll(() => page.locator('#error-summary a').allTextContents())
      .toEqual([
        'NHS number is not valid: check it for a mistyped digit',
        'Date of birth must be a real date',
      ]);
    await fillBirthDate('12', '', '1980');
    await page.click('#lookup-submit');
    await expect
      .poll(() => page.textContent('#birth-date-error'))
      .toContain('Date of birth must include a month');
    expect(await page.getAttribute('#error-summary a >> nth=1', 'href')).toBe('#birth-date-month');
    expect(lookups).toEqual([]);
  });

  it('groups the NHS number 3-3-4 as it is typed, and finds the demo patient', async () => {
    await page.fill('#nhs-number', '');
    await page.locator('#nhs-number').pressSequentially(PATIENT.nhsNumber);
    expect(await page.inputValue('#nhs-number')).toBe('999 000 0018');
    // Deleting takes out what is deleted: the grouping does not put a space back.
    await page.press('#nhs-number', 'Backspace');
    expect(await page.inputValue('#nhs-number')).toBe('999 000 001');
    await page.press('#nhs-number', '8');
    expect(await page.inputValue('#nhs-number')).toBe('999 000 0018');

    await fillBirthDate(BIRTH_DAY ?? '', BIRTH_MONTH ?? '', BIRTH_YEAR ?? '');
    await page.click('#lookup-submit');
    expect(await outcome()).toBe('lookup-match');

    expect(await page.textContent('#patient-name')).toBe(PATIENT.name);
    expect(await focusedId()).toBe('patient-name');
    expect(await page.textContent('#patient-gender')).toBe(PATIENT.gender);
    expect(await page.textContent('#patient-mobile')).toBe(`Ending …${PATIENT.mobileEnding}`);
    expect(await page.textContent('#patient-nhs-number')).toBe('999 000 0018');
    expect(await page.textContent('#lookup-expiry')).toMatch(/expires at \d\d:\d\d\./);
    expect(await page.textContent('#lookup-status')).toBe(`Patient found: ${PATIENT.name}`);
    expect(await page.locator('#error-summary').count()).toBe(0);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // The NHS number and date of birth travel in the body of a POST, never in an address.
    expect(lookups).toHaveLength(1);
    const [request] = lookups;
    expect(request?.method()).toBe('POST');
    expect(request?.url()).toBe(`${stack.url}/api/lookups`);
    expect(request?.postDataJSON()).toEqual({ nhsNumber: PATIENT.nhsNumber, birthDate: PATIENT.birthDate });
    expect(page.url()).toBe(`${stack.url}/patients/find`);
  });

  it('clears the form to search again, and answers a wrong date of birth with the one no-match message', async () => {
    await page.click('#search-again');
    await page.waitForSelector('#lookup-form');
    expect(await focusedId()).toBe('nhs-number');
    expect(await page.inputValue('#nhs-number')).toBe('');
    expect(await page.inputValue('#birth-date-year')).toBe('');

    await page.fill('#nhs-number', '999 000 0018');
    await fillBirthDate(BIRTH_DAY ?? '', BIRTH_MONTH ?? '', String(Number(BIRTH_YEAR) + 1));
    await page.click('#lookup-submit');
    expect(await outcome()).toBe('lookup-no-match');
    expect(await page.textContent('#lookup-no-match-message')).toBe(NO_MATCH_MESSAGE);
    expect(await focusedId()).toBe('lookup-no-match');
    expect(await page.textContent('#lookup-status')).toBe('No patient found');
    expect(await page.locator('#lookup-match').count()).toBe(0);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('keeps neither the NHS number nor the date of birth in browser storage or the address', async () => {
    const stored = await page.evaluate(() => {
      const dump = (storage: Storage) =>
        Object.keys(storage)
          .map((key) => `${key}=${storage.getItem(key) ?? ''}`)
          .join('\n');
      return { local: dump(localStorage), session: dump(sessionStorage), href: location.href };
    });
    const [year, month, day] = PATIENT.birthDate.split('-');
    for (const secret of [PATIENT.nhsNumber, '999 000 0018', PATIENT.birthDate, `${day}/${month}/${year}`]) {
      expect(stored.local).not.toContain(secret);
      expect(stored.session).not.toContain(secret);
      expect(stored.href).not.toContain(secret);
    }
    expect(stored.local).toBe('');
  });

  it('explains the API’s refusals: fields it names, too many lookups, and PDS not answering', async () => {
    // The browser's checks match the API's, so the API's own refusals are staged here, shaped as it sends them.
    const problem = (status: number, title: string, detail: string, extra: object = {}) =>
      JSON.stringify({ type: 'about:blank', title, status, detail, requestId: 'e2e', ...extra });
    const answers: { status: number; headers: Record<string, string>; body: string }[] = [
      {
        status: 400,
        headers: {},
        body: problem(400, 'Bad request', 'body.birthDate: must be in the past', {
          issues: [
            { field: 'body.nhsNumber', message: 'is not valid: check it for a mistyped digit' },
            { field: 'body.birthDate', message: 'must be a real date, written YYYY-MM-DD' },
          ],
        }),
      },
      {
        status: 429,
        headers: { 'retry-after': '1800' },
        body: problem(
          429,
          'Too many requests',
          'You have made 30 lookups in the last hour, the most allowed. Try again in 30 minutes.',
        ),
      },
      {
        status: 503,
        headers: { 'retry-after': '30' },
        body: problem(
          503,
          'Service unavailable',
          'The NHS demographics service is not answering at the moment. Wait a minute and try again.',
        ),
      },
    ];
    await page.route('**/api/lookups', (route) => {
      const answer = answers.shift();
      return answer
        ? route.fulfill({ ...answer, contentType: 'application/problem+json' })
        : route.continue();
    });
    await page.fill('#birth-date-year', BIRTH_YEAR ?? '');

    await page.click('#lookup-submit');
    expect(await outcome()).toContain('error summary');
    expect(await page.locator('#error-summary a').allTextContents()).toEqual([
      'NHS number is not valid: check it for a mistyped digit',
      'Date of birth must be a real date',
    ]);
    expect(await page.textContent('#nhs-number-error')).toContain(
      'NHS number is not valid: check it for a mistyped digit',
    );
    expect(await page.textContent('#birth-date-error')).toContain('Date of birth must be a real date');
    expect(await page.isEnabled('#lookup-submit')).toBe(true);

    await page.click('#lookup-submit');
    await expect
      .poll(() => page.textContent('#error-summary'))
      .toMatch(
        /You have made 30 lookups in the last hour, the most allowed\. You can try again (at|tomorrow at) \d\d:\d\d\./,
      );
    expect(await page.locator('#nhs-number-error').count()).toBe(0);

    await page.click('#lookup-submit');
    await expect
      .poll(() => page.textContent('#error-summary'))
      .toContain('The NHS demographics service is not answering at the moment. Wait a minute and try again.');
    expect(await focusedId()).toBe('error-summary');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.unroute('**/api/lookups');
  });

  it('forgets the result once the page is left', async () => {
    await page.fill('#birth-date-year', BIRTH_YEAR ?? '');
    await page.click('#lookup-submit');
    expect(await outcome()).toBe('lookup-match');
    await page.click('.nhsuk-header__navigation-link[href="/"]');
    await page.waitForSelector('#practice-name');
    await page.goBack();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Find a patient');
    expect(await page.locator('#lookup-match').count()).toBe(0);
    expect(await page.inputValue('#nhs-number')).toBe('');
  });
});

describe('a practice admin', () => {
  it('has no way to look patients up: no link, and the page says they have no access', async () => {
    const admin = await (await browser.newContext()).newPage();
    await signIn(admin, 'practice_admin');
    expect(await admin.locator('#home-find-patient').count()).toBe(0);
    expect(await admin.locator('a[href="/patients/find"]').count()).toBe(0);
    await admin.goto(`${stack.url}/patients/find`);
    await expect.poll(() => admin.locator('h1').textContent()).toBe('You do not have access to this page');
  });
});
