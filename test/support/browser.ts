import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Browser, chromium, type Page } from 'playwright-core';
import { totpCodeAt } from '../../infra/local/oidc/totp';
import { findBrowserHere } from './find-browser';

const require = createRequire(import.meta.url);

/**
 * Chrome or Chromium (CHROMIUM_PATH, Playwright's own, or a system one: test/support/find-browser.ts),
 * headless, with the flags that work on a machine with no outside network. `extraArgs` add to them (the
 * video tests' fake camera and microphone).
 */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  const found = await findBrowserHere();
  if (found.path === undefined) throw new Error(found.problem);
  return chromium.launch({
    executablePath: found.path,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

/** Collects console errors and failed page loads, which every browser test expects to stay empty. */
export function watchForErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Runs axe-core in the page (WCAG 2.2 AA rules) and returns serious and critical violations. */
export async function seriousAccessibilityViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated as a script, not added as a <script> tag: the site's CSP rightly refuses inline scripts.
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run: (ctx: Document, opts: unknown) => Promise<{ violations: AxeViolation[] }> };
      }
    ).axe;
    const result = await axe.run(document, {
      runOnly: {
        type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'],
      },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * Nothing wider than the viewport, and every visible control inside it (so reachable without scrolling
 * sideways): WCAG 1.4.10 reflow, for the 320 CSS pixel and zoom checks.
 */
export async function reflows(page: Page): Promise<{ overflow: number; outside: string[] }> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const outside = [...document.querySelectorAll<HTMLElement>('a, button, input, select, textarea, label')]
      .filter((element) => element.offsetParent !== null && !element.closest('.nhsuk-u-visually-hidden'))
      .filter((element) => {
        const box = element.getBoundingClientRect();
        return box.width > 0 && (box.left < -1 || box.right > width + 1);
      })
      .map((element) => element.id || element.textContent?.trim() || element.tagName);
    return { overflow: document.documentElement.scrollWidth - width, outside };
  });
}

/**
 * Signs a demo member in through the console as a person would (password, then authenticator code) and,
 * on a first sign-in, accepts the acceptable-use policy. Ends on the home page.
 */
export async function signInThroughConsole(
  page: Page,
  origin: string,
  member: { email: string; password: string; totpSecret: string },
): Promise<void> {
  await page.goto(`${origin}/`);
  await page.click('#sign-in');
  await page.fill('#email', member.email);
  await page.fill('#password', member.password);
  await page.click('button[type=submit]');
  await page.fill('#code', await totpCodeAt(member.totpSecret));
  await page.click('button[type=submit]');
  await page.waitForSelector('#aup-form, #practice-name');
  if (await page.isVisible('#aup-form')) {
    await page.check('#aup-accept');
    await page.click('#aup-submit');
  }
  await page.waitForSelector('#practice-name');
}
