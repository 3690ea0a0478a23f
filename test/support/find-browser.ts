import { existsSync } from 'node:fs';

/** Where Chrome or Chromium usually is, after CHROMIUM_PATH and Playwright's own download: Linux, then macOS. */
export const SYSTEM_BROWSERS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
] as const;

/** The one line `npm test` stops with when there is no browser. */
export const NO_BROWSER =
  'No Chrome or Chromium for the browser tests: install one (Debian/Ubuntu: sudo apt-get install chromium; ' +
  'macOS: brew install --cask chromium; anywhere: npx playwright-core install chromium) or set CHROMIUM_PATH ' +
  'to its executable.';

export interface BrowserProbe {
  env: NodeJS.ProcessEnv;
  /** Whether a file exists (injected, so the search can be tested without those files). */
  exists: (path: string) => boolean;
  /** Where Playwright keeps the Chromium it downloads (`chromium.executablePath()`), installed or not. */
  playwrightChromium: () => string | undefined;
}

export type BrowserFound =
  | { path: string; source: 'CHROMIUM_PATH' | 'playwright' | 'system' }
  | { path?: undefined; problem: string };

/**
 * The browser the browser tests drive: `CHROMIUM_PATH` when set (and then only that: a path someone chose
 * that does not exist is a mistake to report, not to paper over), else Playwright's own installed Chromium,
 * else the first of the usual system locations that exists.
 */
export function findBrowser(probe: BrowserProbe): BrowserFound {
  const chosen = probe.env.CHROMIUM_PATH?.trim();
  if (chosen) {
    return probe.exists(chosen)
      ? { path: chosen, source: 'CHROMIUM_PATH' }
      : {
          problem: `CHROMIUM_PATH is ${chosen}, which does not exist: point it at a Chrome or Chromium executable.`,
        };
  }
  let playwright: string | undefined;
  try {
    playwright = probe.playwrightChromium();
  } catch {
    playwright = undefined;
  }
  if (playwright && probe.exists(playwright)) return { path: playwright, source: 'playwright' };
  const system = SYSTEM_BROWSERS.find((path) => probe.exists(path));
  return system ? { path: system, source: 'system' } : { problem: NO_BROWSER };
}

/** The real machine: its environment, its files, playwright-core's registry. */
export async function findBrowserHere(env: NodeJS.ProcessEnv = process.env): Promise<BrowserFound> {
  const { chromium } = await import('playwright-core');
  return findBrowser({ env, exists: existsSync, playwrightChromium: () => chromium.executablePath() });
}
