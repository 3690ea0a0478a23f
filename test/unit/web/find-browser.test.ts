import { describe, expect, it } from 'vitest';
import { type BrowserProbe, findBrowser, NO_BROWSER, SYSTEM_BROWSERS } from '../../support/find-browser';

const PLAYWRIGHT = '/home/dev/.cache/ms-playwright/chromium-1255/chrome-linux64/chrome';

function probe(files: readonly string[], env: NodeJS.ProcessEnv = {}, playwright = PLAYWRIGHT): BrowserProbe {
  return { env, exists: (path) => files.includes(path), playwrightChromium: () => playwright };
}

describe('the browser the browser tests drive', () => {
  it('is CHROMIUM_PATH when set, before anything else', () => {
    const files = ['/opt/chrome/chrome', PLAYWRIGHT, ...SYSTEM_BROWSERS];
    expect(findBrowser(probe(files, { CHROMIUM_PATH: '/opt/chrome/chrome' }))).toEqual({
      path: '/opt/chrome/chrome',
      source: 'CHROMIUM_PATH',
    });
  });

  it('is not guessed when CHROMIUM_PATH names nothing: that is reported in one line', () => {
    const found = findBrowser(probe([PLAYWRIGHT], { CHROMIUM_PATH: '/nope/chrome' }));
    expect(found).toEqual({
      problem: expect.stringMatching(/^CHROMIUM_PATH is \/nope\/chrome, which does not exist/),
    });
    expect(found.path).toBeUndefined();
  });

  it('is Playwright’s own Chromium next, when it is installed', () => {
    expect(findBrowser(probe([PLAYWRIGHT, '/usr/bin/chromium']))).toEqual({
      path: PLAYWRIGHT,
      source: 'playwright',
    });
    expect(findBrowser(probe([PLAYWRIGHT], { CHROMIUM_PATH: ' ' }))).toMatchObject({ source: 'playwright' });
  });

  it('is the first system browser otherwise: Linux locations, then macOS', () => {
    for (const [index, path] of SYSTEM_BROWSERS.entries()) {
      const laterOnes = SYSTEM_BROWSERS.slice(index);
      expect(findBrowser(probe(laterOnes))).toEqual({ path, source: 'system' });
    }
    expect(SYSTEM_BROWSERS.slice(0, 4)).toEqual([
      '/usr/bin/chromium',
      '/usr/bin/chromium-browser',
      '/usr/bin/google-chrome',
      '/snap/bin/chromium',
    ]);
    expect(SYSTEM_BROWSERS[4]).toMatch(/^\/Applications\/Google Chrome\.app\//);
    expect(SYSTEM_BROWSERS[5]).toMatch(/^\/Applications\/Chromium\.app\//);
  });

  it('skips Playwright when its registry knows no path or throws', () => {
    expect(findBrowser(probe(['/snap/bin/chromium'], {}, '')).path).toBe('/snap/bin/chromium');
    const throwing: BrowserProbe = {
      env: {},
      exists: (path) => path === '/usr/bin/google-chrome',
      playwrightChromium: () => {
        throw new Error('no registry');
      },
    };
    expect(findBrowser(throwing)).toEqual({ path: '/usr/bin/google-chrome', source: 'system' });
  });

  it('is none on a machine with none, with one line saying how to install one', () => {
    const found = findBrowser(probe([]));
    expect(found).toEqual({ problem: NO_BROWSER });
    expect(NO_BROWSER).not.toContain('\n');
    expect(NO_BROWSER).toMatch(/apt-get install chromium/);
    expect(NO_BROWSER).toMatch(/CHROMIUM_PATH/);
  });
});
