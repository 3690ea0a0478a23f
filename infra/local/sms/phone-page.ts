import { createHash } from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js/mobile';
import type { LocalSmsOutcome, PhoneMessage } from './sms-server';

/**
 * The patient's phone, locally: each number's inbox, newest first, links clickable. One HTML page with
 * its styles inline (hashed in the CSP), no script and no external assets; NHS.UK colours, type and focus
 * style, so it reads like the rest of the local stack. Only delivered texts are in an inbox, as on a real
 * phone; ones that failed are listed under the inbox with the provider's response, to show what happened.
 */

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font-family:Arial,Helvetica,sans-serif;font-size:1.1875rem;line-height:1.47;color:#212b32;background:#f0f4f5}
header{background:#005eb8;color:#fff;padding:16px 24px}
header p{margin:0;font-weight:700;font-size:1.5rem}
main{max-width:960px;margin:0 auto;padding:24px}
h1{font-size:2rem;line-height:1.25;margin:0 0 16px}
h2{font-size:1.5rem;margin:32px 0 8px}
h3{font-size:1.1875rem;margin:16px 0 8px}
a{color:#005eb8;word-break:break-all}
a:visited{color:#330072}
a:hover{color:#7c2855}
a:focus{outline:4px solid transparent;background:#ffeb3b;color:#212b32;box-shadow:0 -2px #ffeb3b,0 4px #212b32;text-decoration:none}
ol{list-style:none;margin:0;padding:0}
.phone{background:#fff;border:1px solid #d8dde0;border-radius:4px;padding:16px 24px;margin-bottom:24px}
.phone h2{margin-top:0}
.sms{background:#e8edee;border-radius:16px 16px 16px 4px;padding:12px 16px;margin:12px 0;max-width:40em}
.sms p{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
.meta{font-size:1rem;color:#4c6272;margin-bottom:4px}
.failed{border-left:4px solid #d5281b;padding-left:12px;margin:8px 0}
table{border-collapse:collapse;font-size:1rem;margin-top:8px}
th,td{text-align:left;padding:4px 12px 4px 0;border-bottom:1px solid #d8dde0}
`;

export function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

const STYLE_HASH = cspHash(STYLE);

function escapeHtml(text: string): string {
  return text.replace(
    /[<>&'"]/gu,
    (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&quot;' })[char] as string,
  );
}

const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)]/gu;

/** Escaped text with its http(s) links made clickable. */
export function linkify(text: string): string {
  let html = '';
  let last = 0;
  for (const match of text.matchAll(URL_IN_TEXT)) {
    const index = match.index ?? 0;
    html += escapeHtml(text.slice(last, index));
    html += `<a href="${escapeHtml(match[0])}">${escapeHtml(match[0])}</a>`;
    last = index + match[0].length;
  }
  return html + escapeHtml(text.slice(last));
}

function displayNumber(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
}

function time(iso: string): string {
  const date = new Date(iso);
  const shown = date.toLocaleString('en-GB', {
    dateStyle: 'medium',
    timeStyle: 'medium',
    timeZone: 'Europe/London',
  });
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(shown)}</time>`;
}

function smsItem(message: PhoneMessage): string {
  const from = message.senderId ?? 'Unknown sender';
  return `<li class="sms"><div class="meta">From <strong>${escapeHtml(from)}</strong>, ${time(
    message.delivery.at ?? message.publishedAt,
  )}</div><p>${linkify(message.text)}</p></li>`;
}

function failedItem(message: PhoneMessage): string {
  const what =
    message.delivery.state === 'failed'
      ? escapeHtml(message.delivery.providerResponse ?? 'Failed')
      : 'No delivery receipt from the network';
  return `<li class="failed">${what} (sent ${time(message.publishedAt)})</li>`;
}

export function renderPhonePage(
  messages: readonly PhoneMessage[],
  outcomes: Readonly<Record<string, LocalSmsOutcome>>,
): { html: string; styleHash: string } {
  // Newest first throughout: `messages` is newest first, and numbers are in order of their newest text.
  const byNumber = new Map<string, PhoneMessage[]>();
  for (const message of messages) {
    const list = byNumber.get(message.to) ?? [];
    list.push(message);
    byNumber.set(message.to, list);
  }

  const phones = [...byNumber].map(([number, list], i) => {
    const inbox = list.filter((message) => message.delivery.state === 'delivered');
    const pending = list.filter((message) => message.delivery.state === 'pending').length;
    const notDelivered = list.filter((message) => ['failed', 'no-receipt'].includes(message.delivery.state));
    const id = `phone-${i + 1}`;
    return `<section class="phone" aria-labelledby="${id}">
<h2 id="${id}">${escapeHtml(displayNumber(number))}</h2>
${inbox.length === 0 ? '<p>No texts delivered yet.</p>' : `<ol aria-label="Inbox, newest first">${inbox.map(smsItem).join('\n')}</ol>`}
${pending > 0 ? `<p>${pending} ${pending === 1 ? 'text is' : 'texts are'} on the way.</p>` : ''}
${notDelivered.length > 0 ? `<h3>Not delivered</h3><ol>${notDelivered.map(failedItem).join('\n')}</ol>` : ''}
</section>`;
  });

  const rows = Object.entries(outcomes)
    .map(
      ([number, outcome]) =>
        `<tr><td>${escapeHtml(displayNumber(number))}</td><td>${escapeHtml(outcome.description)}</td></tr>`,
    )
    .join('\n');

  const html = `<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Patient's phone - Clinic Connect (local)</title>
<style>${STYLE}</style>
</head>
<body>
<header><p>Clinic Connect: local stack</p></header>
<main>
<h1>Patient's phone</h1>
<p>Texts the local stack sends arrive here, as they would on the patient's phone. Nothing leaves this computer. <a href="">Refresh the page</a> to see new texts.</p>
${phones.length === 0 ? '<p>No texts have been sent yet.</p>' : phones.join('\n')}
<h2>Numbers that fail on purpose</h2>
<p>Every other number is delivered.</p>
<table><caption class="meta">What each test number does</caption>
<thead><tr><th scope="col">Number</th><th scope="col">Outcome</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</main>
</body>
</html>`;
  return { html, styleHash: STYLE_HASH };
}
