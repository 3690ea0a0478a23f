import { createHash } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkify } from '../../../infra/local/sms/phone-page';
import { type PhoneMessage, type SmsServer, startSmsServer } from '../../../infra/local/sms/sms-server';
import { createSnsClient, SnsSmsSender } from '../../../layers/sms/sns-sms-sender';
import { buildInviteMessage } from '../../../layers/universal/invite-message';
import { launchChromium, seriousAccessibilityViolations, watchForErrors } from '../../support/browser';

let server: SmsServer;
let sender: SnsSmsSender;
const invite = (token: string, code: string, clinicianText?: string) =>
  buildInviteMessage({
    practiceName: 'Riverside Surgery (demo)',
    link: `http://127.0.0.1:3000/j/${token}`,
    code,
    ...(clinicianText ? { clinicianText } : {}),
  });

beforeAll(async () => {
  server = await startSmsServer({ deliveryDelayMs: 0 });
  sender = new SnsSmsSender(
    createSnsClient({
      region: 'eu-west-2',
      endpoint: server.url,
      credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
    }),
  );
  const send = (to: string, text: string) =>
    sender.send({ to, text, senderId: 'Riverside', maxPriceUsd: 0.1, idempotencyRef: 'r' });
  await send('+447700900123', invite('AAAAAAAAAAAAAAAAAAAAAA', '111111'));
  await send(
    '+447700900234',
    invite('BBBBBBBBBBBBBBBBBBBBBB', '222222', 'Dr Patel will call at 2pm. <b>bold?</b> & "quotes"'),
  );
  await send('+447700900123', invite('CCCCCCCCCCCCCCCCCCCCCC', '333333'));
  await send('+447700900002', invite('DDDDDDDDDDDDDDDDDDDDDD', '444444'));
  await server.idle();
});
afterAll(() => server.stop());

describe('GET /local/phone/messages', () => {
  it('lists every message, newest first, with its delivery state', async () => {
    const response = await fetch(`${server.url}/local/phone/messages`);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const { messages } = (await response.json()) as { messages: PhoneMessage[] };
    expect(messages.map((m) => [m.to, m.delivery.state])).toEqual([
      ['+447700900002', 'failed'],
      ['+447700900123', 'delivered'],
      ['+447700900234', 'delivered'],
      ['+447700900123', 'delivered'],
    ]);
    expect(messages[0]?.delivery.providerResponse).toBe('Invalid phone number');
  });

  it('filters by number', async () => {
    const response = await fetch(
      `${server.url}/local/phone/messages?to=${encodeURIComponent('+447700900123')}`,
    );
    const { messages } = (await response.json()) as { messages: PhoneMessage[] };
    expect(messages.map((m) => m.text.match(/code: (\d+)/u)?.[1])).toEqual(['333333', '111111']);
  });
});

describe('GET /local/phone/', () => {
  it('shows each inbox, newest first, with clickable links and the text escaped', async () => {
    const response = await fetch(server.phoneUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();

    const first = html.indexOf('+44 7700 900123');
    const second = html.indexOf('+44 7700 900234');
    expect(first).toBeGreaterThan(-1);
    expect(second).toBeGreaterThan(first); // the number with the newest text first
    expect(html.indexOf('333333')).toBeLessThan(html.indexOf('111111')); // newest first within an inbox
    expect(html).toContain('<a href="http://127.0.0.1:3000/j/CCCCCCCCCCCCCCCCCCCCCC">');
    expect(html).toContain('&lt;b&gt;bold?&lt;/b&gt; &amp; &quot;quotes&quot;');
    expect(html).not.toContain('<b>bold?</b>');
    // The failed text is not in the inbox, but is shown as not delivered.
    expect(html).toMatch(/<h3>Not delivered<\/h3><ol><li class="failed">Invalid phone number \(sent /u);
  });

  it('loads nothing from elsewhere, and its CSP allows exactly its own inline style', async () => {
    const response = await fetch(server.phoneUrl);
    const html = await response.text();
    const csp = response.headers.get('content-security-policy') ?? '';
    const style = /<style>([\s\S]*?)<\/style>/u.exec(html)?.[1] ?? '';
    const hash = createHash('sha256').update(style, 'utf8').digest('base64');
    expect(csp).toContain(`style-src 'sha256-${hash}'`);
    expect(csp).toContain("default-src 'none'");
    expect(html).not.toMatch(/<script|<link|<img|src=|@import|url\(/u);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('redirects /local/phone to /local/phone/ and the bare SNS root to the page', async () => {
    const bare = await fetch(`${server.url}/local/phone`, { redirect: 'manual' });
    expect(bare.status).toBe(308);
    expect(bare.headers.get('location')).toBe('/local/phone/');
    const root = await fetch(`${server.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect((await fetch(`${server.url}/local/phone/nothing`)).status).toBe(404);
  });
});

describe('in a browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(() => browser?.close());

  it('has no serious accessibility problems, no console errors, and its links work', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchForErrors(page);
    await page.goto(server.phoneUrl);
    expect(await page.title()).toBe("Patient's phone - Clinic Connect (local)");
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    const links = page.getByRole('link', { name: /\/j\/CCCCCCCCCCCCCCCCCCCCCC/u });
    expect(await links.count()).toBe(1);
    if (process.env.PHONE_PAGE_SCREENSHOT)
      await page.screenshot({ path: process.env.PHONE_PAGE_SCREENSHOT, fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});

describe('linkify', () => {
  it('links http(s) URLs, leaving trailing punctuation out, and escapes the rest', () => {
    expect(linkify('Join: https://a.example/j/x. Then <go>')).toBe(
      'Join: <a href="https://a.example/j/x">https://a.example/j/x</a>. Then &lt;go&gt;',
    );
    expect(linkify('javascript:alert(1) and www.example.com')).toBe(
      'javascript:alert(1) and www.example.com',
    );
  });
});
