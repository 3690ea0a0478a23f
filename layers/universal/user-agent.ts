/**
 * A user agent reduced to what R14 asks for (browser family and major version, operating system) and no
 * more: the raw string can carry device models and build numbers that narrow down who someone is. Pure.
 */
export interface UserAgentSummary {
  browser: string;
  browserVersion: string;
  os: string;
}

const BROWSERS: readonly [RegExp, string][] = [
  [/EdgiOS\/(\d+)/, 'Edge'],
  [/EdgA?\/(\d+)/, 'Edge'],
  [/SamsungBrowser\/(\d+)/, 'Samsung Internet'],
  [/OPR\/(\d+)/, 'Opera'],
  [/CriOS\/(\d+)/, 'Chrome'],
  [/FxiOS\/(\d+)/, 'Firefox'],
  [/Firefox\/(\d+)/, 'Firefox'],
  [/HeadlessChrome\/(\d+)/, 'Chrome (headless)'],
  [/Chrome\/(\d+)/, 'Chrome'],
  [/Version\/(\d+(?:\.\d+)?).*Safari\//, 'Safari'],
];

function osOf(ua: string): string {
  const ios = /(?:iPhone|iPad|iPod).*? OS (\d+)/.exec(ua);
  if (ios) return `iOS ${ios[1]}`;
  const android = /Android (\d+)/.exec(ua);
  if (android) return `Android ${android[1]}`;
  if (/Windows NT/.test(ua)) return 'Windows';
  if (/Mac OS X/.test(ua)) return 'macOS';
  if (/CrOS/.test(ua)) return 'ChromeOS';
  if (/Linux/.test(ua)) return 'Linux';
  return 'other';
}

export function summariseUserAgent(userAgent: string | undefined): UserAgentSummary {
  const ua = (userAgent ?? '').slice(0, 512);
  for (const [pattern, browser] of BROWSERS) {
    const match = pattern.exec(ua);
    if (match) return { browser, browserVersion: match[1] ?? '', os: osOf(ua) };
  }
  return { browser: 'other', browserVersion: '', os: osOf(ua) };
}

/** "Safari 18 on iOS 18": the consent record's user-agent summary. */
export function userAgentText(summary: UserAgentSummary): string {
  const version = summary.browserVersion ? ` ${summary.browserVersion}` : '';
  return `${summary.browser}${version} on ${summary.os}`;
}
