/**
 * Server-rendered pages of the local identity provider, in the NHS.UK design system's markup. No scripts and
 * no inline styles: the pages work under `default-src 'none'; style-src 'self'; img-src 'self' data:`.
 */
export const SERVICE_NAME = 'Clinic Connect';

export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

export interface FieldError {
  /** The id of the input the summary links to. */
  field: string;
  message: string;
}

const NHS_LOGO = `<svg class="nhsuk-header__logo" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 80" height="40" width="100" focusable="false" role="img" aria-label="NHS"><title>NHS</title><path fill="currentcolor" d="M200 0v80H0V0h200Zm-27.5 5.5c-14.5 0-29 5-29 22 0 10.2 7.7 13.5 14.7 16.3l.7.3c5.4 2 10.1 3.9 10.1 8.4 0 6.5-8.5 7.5-14 7.5s-12.5-1.5-16-3.5L135 70c5.5 2 13.5 3.5 20 3.5 15.5 0 32-4.5 32-22.5 0-19.5-25.5-16.5-25.5-25.5 0-5.5 5.5-6.5 12.5-6.5a35 35 0 0 1 14.5 3l4-13.5c-4.5-2-12-3-20-3Zm-131 2h-22l-14 65H22l9-45h.5l13.5 45h21.5l14-65H64l-9 45h-.5l-13-45Zm63 0h-18l-13 65h17l6-28H117l-5.5 28H129l13.5-65H125L119.5 32h-20l5-24.5Z"/></svg>`;

export interface LayoutOptions {
  title: string;
  assetsPath: string;
  /** HTML of the main column. */
  body: string;
  hasErrors?: boolean;
}

export function layout({ title, assetsPath, body, hasErrors = false }: LayoutOptions): string {
  const assets = escapeHtml(assetsPath);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${hasErrors ? 'Error: ' : ''}${escapeHtml(title)} – ${SERVICE_NAME}</title>
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="theme-color" content="#005eb8">
<meta name="robots" content="noindex, nofollow">
<link rel="icon" href="${assets}/images/favicon.svg" sizes="any" type="image/svg+xml">
<link rel="stylesheet" href="${assets}/nhsuk-frontend.min.css">
</head>
<body>
<a class="nhsuk-skip-link" href="#maincontent">Skip to main content</a>
<header class="nhsuk-header" role="banner">
  <div class="nhsuk-header__container nhsuk-width-container">
    <div class="nhsuk-header__service">
      <span class="nhsuk-header__service-logo">${NHS_LOGO}<span class="nhsuk-header__service-name">${SERVICE_NAME}</span></span>
    </div>
  </div>
</header>
<div class="nhsuk-width-container">
<main class="nhsuk-main-wrapper" id="maincontent">
<div class="nhsuk-grid-row"><div class="nhsuk-grid-column-two-thirds">
${body}
</div></div>
</main>
</div>
<footer class="nhsuk-footer" role="contentinfo">
  <div class="nhsuk-width-container"><div class="nhsuk-footer__meta">
    <p class="nhsuk-body-s">Local development sign-in service. It stands in for Amazon Cognito and is not used in any deployed environment.</p>
  </div></div>
</footer>
</body>
</html>`;
}

export function errorSummary(errors: FieldError[]): string {
  if (errors.length === 0) return '';
  const items = errors
    .map(({ field, message }) => `<li><a href="#${escapeHtml(field)}">${escapeHtml(message)}</a></li>`)
    .join('');
  return `<div class="nhsuk-error-summary" tabindex="-1" autofocus>
<div role="alert">
<h2 class="nhsuk-error-summary__heading">There is a problem</h2>
<div class="nhsuk-error-summary__body"><ul class="nhsuk-list nhsuk-error-summary__list">${items}</ul></div>
</div>
</div>`;
}

interface InputOptions {
  id: string;
  name: string;
  label: string;
  type: 'email' | 'password' | 'text';
  value?: string;
  hint?: string;
  autocomplete: string;
  error?: string;
  extra?: string;
  widthClass?: string;
}

function input(options: InputOptions): string {
  const { id, name, label, type, value, hint, autocomplete, error, extra = '', widthClass = '' } = options;
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return `<div class="nhsuk-form-group${error ? ' nhsuk-form-group--error' : ''}">
<label class="nhsuk-label" for="${id}">${escapeHtml(label)}</label>
${hint ? `<div class="nhsuk-hint" id="${id}-hint">${escapeHtml(hint)}</div>` : ''}
${error ? `<span class="nhsuk-error-message" id="${id}-error"><span class="nhsuk-u-visually-hidden">Error: </span>${escapeHtml(error)}</span>` : ''}
<input class="nhsuk-input${widthClass ? ` ${widthClass}` : ''}${error ? ' nhsuk-input--error' : ''}" id="${id}" name="${name}" type="${type}" autocomplete="${autocomplete}" spellcheck="false"${value ? ` value="${escapeHtml(value)}"` : ''}${describedBy ? ` aria-describedby="${describedBy}"` : ''}${extra}>
</div>`;
}

function errorFor(errors: FieldError[], field: string): string | undefined {
  return errors.find((error) => error.field === field)?.message;
}

export interface PageContext {
  assetsPath: string;
  /** Form action URL of this step. */
  action: string;
  /** Link that abandons the sign-in and returns to the application with access_denied. */
  cancelUrl: string;
  errors?: FieldError[];
}

function cancelLink(cancelUrl: string): string {
  return `<p class="nhsuk-body-s"><a href="${escapeHtml(cancelUrl)}">Cancel sign-in</a></p>`;
}

/** A success panel above a form (NHS.UK notification banner, success). */
function successBanner(id: string, text: string): string {
  return `<div class="nhsuk-notification-banner nhsuk-notification-banner--success" role="alert" aria-labelledby="${id}-title" id="${id}">
<div class="nhsuk-notification-banner__header"><h2 class="nhsuk-notification-banner__title" id="${id}-title">Success</h2></div>
<div class="nhsuk-notification-banner__content"><p class="nhsuk-notification-banner__heading">${escapeHtml(text)}</p></div>
</div>`;
}

export function loginPage({
  assetsPath,
  action,
  cancelUrl,
  signUpUrl,
  forgotUrl,
  errors = [],
  email = '',
  notice,
}: PageContext & { email?: string; signUpUrl: string; forgotUrl: string; notice?: string }) {
  const body = `${errorSummary(errors)}${notice ? successBanner('sign-in-notice', notice) : ''}
<h1>Sign in</h1>
<p>Sign in with your work email address. You will then need a code from your authenticator app.</p>
<form method="post" action="${escapeHtml(action)}" novalidate data-step="login">
${input({ id: 'email', name: 'email', label: 'Email address', type: 'email', value: email, autocomplete: 'username', error: errorFor(errors, 'email'), extra: ' autofocus' })}
${input({ id: 'password', name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password', error: errorFor(errors, 'password') })}
<button class="nhsuk-button" type="submit">Continue</button>
</form>
<p><a href="${escapeHtml(forgotUrl)}" id="forgot-password-link">Forgot your password?</a></p>
<h2 class="nhsuk-heading-s">New to ${SERVICE_NAME}?</h2>
<p><a href="${escapeHtml(signUpUrl)}" id="create-account-link">Create an account</a></p>
${cancelLink(cancelUrl)}`;
  return layout({ title: 'Sign in', assetsPath, body, hasErrors: errors.length > 0 });
}

/** "nhs.net", "nhs.net or nhs.uk", "a.org, b.org or c.org". */
export function domainList(domains: readonly string[]): string {
  if (domains.length <= 1) return domains[0] ?? '';
  return `${domains.slice(0, -1).join(', ')} or ${domains.at(-1)}`;
}

export interface SignUpValues {
  email?: string;
  name?: string;
}

/** Self-service sign-up, within the sign-in interaction: next comes authenticator enrolment. */
export function signUpPage({
  assetsPath,
  action,
  cancelUrl,
  signInUrl,
  errors = [],
  values = {},
  allowedDomains,
  passwordHint,
}: PageContext & {
  signInUrl: string;
  values?: SignUpValues;
  allowedDomains: readonly string[];
  passwordHint: string;
}) {
  const body = `${errorSummary(errors)}
<h1>Create an account</h1>
<p>After you create your account you will set up an authenticator app. Your practice then has to approve your account before you can use ${SERVICE_NAME}.</p>
<form method="post" action="${escapeHtml(action)}" novalidate data-step="signup">
${input({ id: 'email', name: 'email', label: 'Email address', type: 'email', value: values.email, hint: `Use your work email address, ending in ${domainList(allowedDomains)}`, autocomplete: 'username', error: errorFor(errors, 'email'), extra: ' autofocus' })}
${input({ id: 'name', name: 'name', label: 'Full name', type: 'text', value: values.name, autocomplete: 'name', error: errorFor(errors, 'name') })}
${input({ id: 'password', name: 'password', label: 'Create a password', type: 'password', hint: passwordHint, autocomplete: 'new-password', error: errorFor(errors, 'password') })}
${input({ id: 'confirm-password', name: 'confirmPassword', label: 'Confirm your password', type: 'password', autocomplete: 'new-password', error: errorFor(errors, 'confirm-password') })}
<button class="nhsuk-button" type="submit">Create account</button>
</form>
<p>If you already have an account, <a href="${escapeHtml(signInUrl)}" id="sign-in-link">sign in</a>.</p>
${cancelLink(cancelUrl)}`;
  return layout({ title: 'Create an account', assetsPath, body, hasErrors: errors.length > 0 });
}

const CODE_INPUT_EXTRA = ' inputmode="numeric" pattern="[0-9]*" maxlength="7" autofocus';

/** "Forgot your password?": the address to send a reset code to. */
export function forgotPasswordPage({
  assetsPath,
  action,
  cancelUrl,
  signInUrl,
  errors = [],
  email = '',
}: PageContext & { signInUrl: string; email?: string }) {
  const body = `${errorSummary(errors)}
<h1>Reset your password</h1>
<p>Enter the email address you sign in with. We will send it a code to reset your password.</p>
<form method="post" action="${escapeHtml(action)}" novalidate data-step="forgot">
${input({ id: 'email', name: 'email', label: 'Email address', type: 'email', value: email, autocomplete: 'username', error: errorFor(errors, 'email'), extra: ' autofocus' })}
<button class="nhsuk-button" type="submit">Send a code</button>
</form>
<p>If you remember it, <a href="${escapeHtml(signInUrl)}" id="sign-in-link">sign in</a>.</p>
${cancelLink(cancelUrl)}`;
  return layout({ title: 'Reset your password', assetsPath, body, hasErrors: errors.length > 0 });
}

/** The code from the email, and the new password. */
export function resetPasswordPage({
  assetsPath,
  action,
  cancelUrl,
  errors = [],
  email,
  passwordHint,
  mailboxUrl,
}: PageContext & { email: string; passwordHint: string; mailboxUrl: string }) {
  const body = `${errorSummary(errors)}
<h1>Check your email</h1>
<p>If there is an account for <strong>${escapeHtml(email)}</strong>, we have sent it a 6-digit code. It works for 15 minutes.</p>
<div class="nhsuk-inset-text"><span class="nhsuk-u-visually-hidden">Information: </span><p>This is the local sign-in service: emails go to its <a href="${escapeHtml(mailboxUrl)}" id="mailbox-link" target="_blank" rel="noopener">local mailbox</a>, not to your inbox.</p></div>
<form method="post" action="${escapeHtml(action)}" novalidate data-step="reset">
<input type="hidden" name="email" value="${escapeHtml(email)}">
${input({ id: 'code', name: 'code', label: 'Code', type: 'text', hint: 'The 6-digit code in the email', autocomplete: 'one-time-code', error: errorFor(errors, 'code'), extra: CODE_INPUT_EXTRA, widthClass: 'nhsuk-input--width-10 nhsuk-input--code' })}
${input({ id: 'password', name: 'password', label: 'Create a new password', type: 'password', hint: passwordHint, autocomplete: 'new-password', error: errorFor(errors, 'password') })}
${input({ id: 'confirm-password', name: 'confirmPassword', label: 'Confirm your new password', type: 'password', autocomplete: 'new-password', error: errorFor(errors, 'confirm-password') })}
<button class="nhsuk-button" type="submit">Change password</button>
</form>
${cancelLink(cancelUrl)}`;
  return layout({ title: 'Check your email', assetsPath, body, hasErrors: errors.length > 0 });
}

/** The local mailbox: every email the provider has sent, newest first. */
export function mailboxPage({
  assetsPath,
  messages,
}: {
  assetsPath: string;
  messages: readonly { to: string; subject: string; text: string; sentAt: string }[];
}) {
  const items = messages
    .map(
      (
        message,
      ) => `<div class="nhsuk-card" data-to="${escapeHtml(message.to)}"><div class="nhsuk-card__content">
<h2 class="nhsuk-card__heading nhsuk-heading-s">${escapeHtml(message.subject)}</h2>
<p class="nhsuk-body-s">To ${escapeHtml(message.to)}, ${escapeHtml(message.sentAt)}</p>
<pre class="nhsuk-body mailbox-text">${escapeHtml(message.text)}</pre>
</div></div>`,
    )
    .join('\n');
  const body = `<h1>Local mailbox</h1>
<p>The emails the local sign-in service has sent (Cognito sends them for real in AWS). Newest first; gone when the stack stops.</p>
${items || '<p id="mailbox-empty">No emails yet.</p>'}`;
  return layout({ title: 'Local mailbox', assetsPath, body });
}

export function totpPage({ assetsPath, action, cancelUrl, errors = [] }: PageContext) {
  const body = `${errorSummary(errors)}
<h1>Enter the code from your authenticator app</h1>
<form method="post" action="${escapeHtml(action)}" novalidate data-step="totp">
${input({ id: 'code', name: 'code', label: 'Security code', type: 'text', hint: 'The 6-digit code your authenticator app shows for Clinic Connect', autocomplete: 'one-time-code', error: errorFor(errors, 'code'), extra: CODE_INPUT_EXTRA, widthClass: 'nhsuk-input--width-10 nhsuk-input--code' })}
<button class="nhsuk-button" type="submit">Sign in</button>
</form>
<p class="nhsuk-body-s">If you have lost your authenticator, ask your practice administrator to reset it.</p>
${cancelLink(cancelUrl)}`;
  return layout({ title: 'Enter your security code', assetsPath, body, hasErrors: errors.length > 0 });
}

export function enrolPage({
  assetsPath,
  action,
  cancelUrl,
  errors = [],
  qrCodeDataUrl,
  manualKey,
}: PageContext & { qrCodeDataUrl: string; manualKey: string }) {
  const grouped = manualKey.replace(/(.{4})/g, '$1 ').trim();
  const body = `${errorSummary(errors)}
<h1>Set up your authenticator app</h1>
<p>You need an authenticator app (for example Microsoft Authenticator or Google Authenticator) to sign in to ${SERVICE_NAME}.</p>
<ol class="nhsuk-list nhsuk-list--number">
<li>Open your authenticator app and add a new account.</li>
<li>Scan this QR code with it.</li>
</ol>
<p><img src="${escapeHtml(qrCodeDataUrl)}" width="200" height="200" alt="QR code to add ${SERVICE_NAME} to your authenticator app"></p>
<p>If you cannot scan the QR code, enter this key instead:</p>
<p class="nhsuk-body-l"><strong id="totp-manual-key" data-key="${escapeHtml(manualKey)}">${escapeHtml(grouped)}</strong></p>
<form method="post" action="${escapeHtml(action)}" novalidate data-step="enrol">
${input({ id: 'code', name: 'code', label: 'Enter the 6-digit code your app now shows', type: 'text', autocomplete: 'one-time-code', error: errorFor(errors, 'code'), extra: CODE_INPUT_EXTRA, widthClass: 'nhsuk-input--width-10 nhsuk-input--code' })}
<button class="nhsuk-button" type="submit">Confirm and sign in</button>
</form>
${cancelLink(cancelUrl)}`;
  return layout({ title: 'Set up your authenticator app', assetsPath, body, hasErrors: errors.length > 0 });
}

export function messagePage({
  assetsPath,
  title,
  paragraphs,
  link,
}: {
  assetsPath: string;
  title: string;
  paragraphs: string[];
  link?: { href: string; text: string };
}) {
  const body = `<h1>${escapeHtml(title)}</h1>
${paragraphs.map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`).join('\n')}
${link ? `<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>` : ''}`;
  return layout({ title, assetsPath, body });
}

/** The RP-initiated logout confirmation. `form` is oidc-provider's hidden form (id "op.logoutForm"). */
export function logoutPage({ assetsPath, form }: { assetsPath: string; form: string }) {
  const body = `<h1>Sign out of ${SERVICE_NAME}?</h1>
${form}
<div class="nhsuk-button-group">
<button class="nhsuk-button" type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Sign out</button>
<button class="nhsuk-button nhsuk-button--secondary" type="submit" form="op.logoutForm">Stay signed in</button>
</div>`;
  return layout({ title: 'Sign out', assetsPath, body });
}
