import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import QRCode from 'qrcode';
import { AccountNotActiveError } from '../../../functions/identity/token-claims';
import { type Account, type AccountStore, PASSWORD_RESET } from './account-store';
import { type IpBackoff, minutesUntil } from './guessing-limits';
import { BodyError, clientIp, readForm, redirect, sendHtml } from './http-utils';
import type { LocalMailbox } from './mailbox';
import {
  PASSWORD_POLICY_DESCRIPTION,
  passwordPolicyMessage,
  passwordPolicyProblems,
} from './password-policy';
import { readSignUpForm, SIGN_UP_MESSAGES, validateSignUp } from './sign-up-form';
import { generateTotpSecret, totpUri } from './totp';
import {
  enrolPage,
  type FieldError,
  forgotPasswordPage,
  loginPage,
  messagePage,
  resetPasswordPage,
  type SignUpValues,
  signUpPage,
  totpPage,
} from './views';

/**
 * The sign-in pages behind oidc-provider's interactions, at `${mountPath}/interaction/:uid[/:action]`:
 *
 *   GET  /interaction/:uid          the current step: email + password, then TOTP (or TOTP enrolment)
 *   POST /interaction/:uid/login    email + password
 *   GET  /interaction/:uid/signup   create an account (email on the allow-list, name, password) …
 *   POST /interaction/:uid/signup   … after which the same interaction goes on to authenticator enrolment
 *   POST /interaction/:uid/totp     6-digit code
 *   POST /interaction/:uid/enrol    6-digit code confirming a new authenticator
 *   GET  /interaction/:uid/forgot   "Forgot your password?": the address to send a code to …
 *   POST /interaction/:uid/forgot   … which goes to the local mailbox (Cognito emails it), then …
 *   POST /interaction/:uid/reset    … the code and a new password: back to sign-in with it
 *   GET  /interaction/:uid/abort    cancel: back to the client with access_denied
 *
 * CSRF: each URL carries the interaction uid, and oidc-provider only resolves the interaction from its
 * SameSite=Lax, HttpOnly, signed cookie scoped to that path, which a cross-site POST does not carry; a
 * POST whose Origin header names another origin is refused outright as well.
 *
 * Between the password and the code, "this interaction has passed the password step for account X" is
 * kept in memory here, keyed by the interaction uid. It never reaches the browser.
 */
export interface InteractionDeps {
  provider: Provider;
  accounts: AccountStore;
  ipBackoff: IpBackoff;
  /** The app's token claims for the account; throws (AccountNotActiveError) when it must not sign in. */
  appClaims: (sub: string) => Promise<Record<string, string>>;
  /** Sign-up is allowed for addresses in these domains (and their subdomains). */
  staffEmailDomains: readonly string[];
  clientId: string;
  resourceIndicator: string;
  resourceScopes: readonly string[];
  mountPath: string;
  issuerOrigin: string;
  contentSecurityPolicy: string;
  /** Where "start again" links go when an interaction has expired. */
  homeUrl: string;
  /** Where the provider's emails (password reset codes) go, and the page that shows them. */
  mailbox: LocalMailbox;
  mailboxUrl: string;
  now: () => Date;
}

interface PendingSignIn {
  sub: string;
  email: string;
  /** After this, the password step must be repeated. */
  expiresAtMs: number;
  /** The secret being enrolled, for an account without TOTP. */
  enrolSecret?: string;
}

const PASSWORD_STEP_VALIDITY_MS = 10 * 60 * 1000;
const EMAIL_FORMAT = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export type InteractionAction = '' | 'login' | 'signup' | 'totp' | 'enrol' | 'forgot' | 'reset' | 'abort';

export function createInteractionHandler(deps: InteractionDeps) {
  const { provider, accounts, ipBackoff, mountPath, contentSecurityPolicy: csp } = deps;
  const assetsPath = `${mountPath}/assets`;
  const pending = new Map<string, PendingSignIn>();

  const pendingFor = (uid: string): PendingSignIn | undefined => {
    const entry = pending.get(uid);
    if (entry && entry.expiresAtMs <= deps.now().getTime()) {
      pending.delete(uid);
      return undefined;
    }
    return entry;
  };

  const prune = () => {
    const nowMs = deps.now().getTime();
    for (const [uid, entry] of pending) if (entry.expiresAtMs <= nowMs) pending.delete(uid);
  };

  const urls = (uid: string) => {
    const base = `${mountPath}/interaction/${uid}`;
    return {
      page: base,
      login: `${base}/login`,
      signup: `${base}/signup`,
      totp: `${base}/totp`,
      enrol: `${base}/enrol`,
      forgot: `${base}/forgot`,
      reset: `${base}/reset`,
      abort: `${base}/abort`,
    };
  };

  const expired = (res: ServerResponse) =>
    sendHtml(
      res,
      400,
      messagePage({
        assetsPath,
        title: 'Your sign-in has expired',
        paragraphs: ['For your security, sign-in pages expire. Go back to Clinic Connect and sign in again.'],
        link: { href: deps.homeUrl, text: 'Go to Clinic Connect' },
      }),
      csp,
    );

  const loginPageFor = (uid: string, errors: FieldError[], email = '', notice?: string) =>
    loginPage({
      assetsPath,
      action: urls(uid).login,
      cancelUrl: urls(uid).abort,
      signUpUrl: urls(uid).signup,
      forgotUrl: urls(uid).forgot,
      errors,
      email,
      ...(notice ? { notice } : {}),
    });

  const renderLogin = (
    res: ServerResponse,
    uid: string,
    status: number,
    errors: FieldError[],
    email = '',
    notice?: string,
  ) => sendHtml(res, status, loginPageFor(uid, errors, email, notice), csp);

  const renderForgot = (res: ServerResponse, uid: string, status: number, errors: FieldError[], email = '') =>
    sendHtml(
      res,
      status,
      forgotPasswordPage({
        assetsPath,
        action: urls(uid).forgot,
        cancelUrl: urls(uid).abort,
        signInUrl: urls(uid).page,
        errors,
        email,
      }),
      csp,
    );

  const renderReset = (
    res: ServerResponse,
    uid: string,
    status: number,
    errors: FieldError[],
    email: string,
    headers: Record<string, string> = {},
  ) =>
    sendHtml(
      res,
      status,
      resetPasswordPage({
        assetsPath,
        action: urls(uid).reset,
        cancelUrl: urls(uid).abort,
        errors,
        email,
        passwordHint: PASSWORD_POLICY_DESCRIPTION,
        mailboxUrl: deps.mailboxUrl,
      }),
      csp,
      headers,
    );

  const renderSignUp = (
    res: ServerResponse,
    uid: string,
    status: number,
    errors: FieldError[],
    values: SignUpValues = {},
    headers: Record<string, string> = {},
  ) =>
    sendHtml(
      res,
      status,
      signUpPage({
        assetsPath,
        action: urls(uid).signup,
        cancelUrl: urls(uid).abort,
        signInUrl: urls(uid).page,
        errors,
        values,
        allowedDomains: deps.staffEmailDomains,
        passwordHint: PASSWORD_POLICY_DESCRIPTION,
      }),
      csp,
      headers,
    );

  /**
   * Whether the app lets the account have tokens now: undefined when it does, else the status and message
   * for the sign-in page (the account is not active, or the check itself failed).
   */
  const refusal = async (sub: string): Promise<{ status: number; message: string } | undefined> => {
    try {
      await deps.appClaims(sub);
      return undefined;
    } catch (error) {
      if (error instanceof AccountNotActiveError) return { status: 403, message: inactiveMessage };
      console.error('[oidc] tokenClaims failed at sign-in:', error);
      return { status: 503, message: unavailableMessage };
    }
  };

  const renderTotp = (res: ServerResponse, uid: string, status: number, errors: FieldError[]) =>
    sendHtml(
      res,
      status,
      totpPage({ assetsPath, action: urls(uid).totp, cancelUrl: urls(uid).abort, errors }),
      csp,
    );

  const renderEnrol = async (
    res: ServerResponse,
    uid: string,
    entry: PendingSignIn,
    status: number,
    errors: FieldError[],
  ) => {
    entry.enrolSecret ??= generateTotpSecret();
    const svg = await QRCode.toString(totpUri(entry.enrolSecret, entry.email), {
      type: 'svg',
      margin: 1,
      errorCorrectionLevel: 'M',
    });
    const qrCodeDataUrl = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
    sendHtml(
      res,
      status,
      enrolPage({
        assetsPath,
        action: urls(uid).enrol,
        cancelUrl: urls(uid).abort,
        errors,
        qrCodeDataUrl,
        manualKey: entry.enrolSecret,
      }),
      csp,
    );
  };

  const lockedMessage = (until: Date) =>
    `Your account is locked because of too many failed sign-in attempts. Try again in ${minutesUntil(until, deps.now())} minutes.`;

  const tooManyFromHere = (res: ServerResponse, uid: string, retryAfter: number, step: 'login' | 'code') => {
    const message = `There have been too many failed sign-in attempts from your network. Wait ${retryAfter} seconds and try again.`;
    const errors = [{ field: step === 'login' ? 'email' : 'code', message }];
    return step === 'login'
      ? sendHtml(res, 429, loginPageFor(uid, errors), csp, { 'Retry-After': String(retryAfter) })
      : sendHtml(
          res,
          429,
          totpPage({ assetsPath, action: urls(uid).totp, cancelUrl: urls(uid).abort, errors }),
          csp,
          { 'Retry-After': String(retryAfter) },
        );
  };

  /** Both factors passed: record the login and grant the first-party client what it asked for. */
  const finish = async (req: IncomingMessage, res: ServerResponse, uid: string, account: Account) => {
    pending.delete(uid);
    const details = await provider.interactionDetails(req, res);
    const clientId = String(details.params.client_id ?? '');
    let grant = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
    if (!grant || grant.accountId !== account.sub || grant.clientId !== clientId) {
      grant = new provider.Grant({ accountId: account.sub, clientId });
    }
    const requested = String(details.params.scope ?? '')
      .split(' ')
      .filter(Boolean);
    grant.addOIDCScope(requested);
    const resourceScopes = requested.filter((scope) => deps.resourceScopes.includes(scope));
    if (resourceScopes.length > 0) grant.addResourceScope(deps.resourceIndicator, resourceScopes);
    const grantId = await grant.save();
    const result: InteractionResults = {
      login: { accountId: account.sub, amr: ['pwd', 'otp'], remember: true },
      consent: { grantId },
    };
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  };

  /** The console is first-party: consent is granted without asking (no consent screen). */
  const autoConsent = async (req: IncomingMessage, res: ServerResponse) => {
    const details = await provider.interactionDetails(req, res);
    const clientId = String(details.params.client_id ?? '');
    const accountId = details.session?.accountId;
    if (clientId !== deps.clientId || !accountId) {
      await provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'consent cannot be given for this client' },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    let grant = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
    if (!grant || grant.accountId !== accountId || grant.clientId !== clientId) {
      grant = new provider.Grant({ accountId, clientId });
    }
    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope);
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes);
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  };

  const postLogin = async (req: IncomingMessage, res: ServerResponse, uid: string, form: URLSearchParams) => {
    const email = (form.get('email') ?? '').trim();
    const password = form.get('password') ?? '';
    const errors: FieldError[] = [];
    if (!email) errors.push({ field: 'email', message: 'Enter your email address' });
    if (!password) errors.push({ field: 'password', message: 'Enter your password' });
    if (errors.length > 0) return renderLogin(res, uid, 400, errors, email);

    const ip = clientIp(req);
    const retryAfter = ipBackoff.retryAfterSeconds(ip, deps.now());
    if (retryAfter > 0) return tooManyFromHere(res, uid, retryAfter, 'login');

    const outcome = await accounts.authenticatePassword(email, password);
    switch (outcome.outcome) {
      case 'incorrect':
        ipBackoff.recordFailure(ip, deps.now());
        return renderLogin(
          res,
          uid,
          401,
          [{ field: 'email', message: 'Enter a correct email address and password' }],
          email,
        );
      case 'locked':
        return renderLogin(
          res,
          uid,
          423,
          [{ field: 'email', message: lockedMessage(outcome.lockedUntil) }],
          email,
        );
      case 'suspended':
        return renderLogin(res, uid, 403, [{ field: 'email', message: inactiveMessage }], email);
      case 'ok': {
        const refused = await refusal(outcome.account.sub);
        if (refused) {
          return renderLogin(res, uid, refused.status, [{ field: 'email', message: refused.message }], email);
        }
        return passedPasswordStep(res, uid, outcome.account);
      }
    }
  };

  /** The first factor is done (signed in, or just signed up): the code step comes next, for a while only. */
  const passedPasswordStep = (res: ServerResponse, uid: string, account: { sub: string; email: string }) => {
    prune();
    pending.set(uid, {
      sub: account.sub,
      email: account.email,
      expiresAtMs: deps.now().getTime() + PASSWORD_STEP_VALIDITY_MS,
    });
    return redirect(res, urls(uid).page);
  };

  const postCode = async (
    req: IncomingMessage,
    res: ServerResponse,
    uid: string,
    form: URLSearchParams,
    step: 'totp' | 'enrol',
  ) => {
    const entry = pendingFor(uid);
    if (!entry) return redirect(res, urls(uid).page);
    if (step === 'enrol' && !entry.enrolSecret) return redirect(res, urls(uid).page);
    const rerender = (status: number, message: string, headers?: Record<string, string>) => {
      const errors = [{ field: 'code', message }];
      if (step === 'enrol') return renderEnrol(res, uid, entry, status, errors);
      if (headers) {
        return sendHtml(
          res,
          status,
          totpPage({ assetsPath, action: urls(uid).totp, cancelUrl: urls(uid).abort, errors }),
          csp,
          headers,
        );
      }
      return renderTotp(res, uid, status, errors);
    };

    const code = (form.get('code') ?? '').replace(/[\s-]/g, '');
    if (!code) return rerender(400, 'Enter the 6-digit code from your authenticator app');
    if (!/^\d{6}$/.test(code)) return rerender(400, 'The code must be 6 digits');

    const ip = clientIp(req);
    const retryAfter = ipBackoff.retryAfterSeconds(ip, deps.now());
    if (retryAfter > 0) {
      return rerender(
        429,
        `There have been too many failed sign-in attempts from your network. Wait ${retryAfter} seconds and try again.`,
        { 'Retry-After': String(retryAfter) },
      );
    }

    const outcome = await accounts.verifyTotp(
      entry.sub,
      code,
      step === 'enrol' && entry.enrolSecret ? { enrolSecret: entry.enrolSecret } : {},
    );
    switch (outcome.outcome) {
      case 'incorrect':
        ipBackoff.recordFailure(ip, deps.now());
        return rerender(401, 'The code is not correct. Check your authenticator app and try again');
      case 'replayed':
        return rerender(409, 'That code has already been used. Wait for your app to show a new code');
      case 'locked':
        pending.delete(uid);
        return renderLogin(res, uid, 423, [{ field: 'email', message: lockedMessage(outcome.lockedUntil) }]);
      case 'not-enrolled':
      case 'already-enrolled':
        delete entry.enrolSecret;
        return redirect(res, urls(uid).page);
      case 'ok': {
        const refused =
          outcome.account.status === 'active'
            ? await refusal(entry.sub)
            : { status: 403, message: inactiveMessage };
        if (refused) {
          pending.delete(uid);
          return renderLogin(res, uid, refused.status, [{ field: 'email', message: refused.message }]);
        }
        return finish(req, res, uid, outcome.account);
      }
    }
  };

  /**
   * Creates the account, then carries on in this interaction as if its password had just been entered: the
   * next page is authenticator enrolment, after which the client gets its tokens. The account has no
   * practice yet; the app asks for one after the first sign-in.
   */
  const postSignUp = async (
    req: IncomingMessage,
    res: ServerResponse,
    uid: string,
    form: URLSearchParams,
  ) => {
    const input = readSignUpForm(form);
    const { email, name, password } = input;
    const values = { email, name };
    const errors = validateSignUp(input, deps.staffEmailDomains);
    if (errors.length > 0) return renderSignUp(res, uid, 400, errors, values);

    // Trying addresses to see which have accounts counts as failures, like guessing passwords.
    const ip = clientIp(req);
    const retryAfter = ipBackoff.retryAfterSeconds(ip, deps.now());
    if (retryAfter > 0) {
      const message = `There have been too many failed attempts from your network. Wait ${retryAfter} seconds and try again.`;
      return renderSignUp(res, uid, 429, [{ field: 'email', message }], values, {
        'Retry-After': String(retryAfter),
      });
    }

    const outcome = await accounts.createAccount({ email, name, password });
    if (outcome.outcome === 'exists') {
      ipBackoff.recordFailure(ip, deps.now());
      return renderSignUp(res, uid, 409, [{ field: 'email', message: SIGN_UP_MESSAGES.emailTaken }], values);
    }
    return passedPasswordStep(res, uid, outcome.account);
  };

  /**
   * "Forgot your password?", as Cognito's managed login does it: a code to the address, the same answer
   * whether or not it has an account (so the form tells nobody who has one), then the reset form.
   */
  const postForgot = async (
    req: IncomingMessage,
    res: ServerResponse,
    uid: string,
    form: URLSearchParams,
  ) => {
    const email = (form.get('email') ?? '').trim();
    if (!email) return renderForgot(res, uid, 400, [{ field: 'email', message: 'Enter your email address' }]);
    if (!EMAIL_FORMAT.test(email)) {
      return renderForgot(res, uid, 400, [{ field: 'email', message: SIGN_UP_MESSAGES.emailFormat }], email);
    }
    const ip = clientIp(req);
    const retryAfter = ipBackoff.retryAfterSeconds(ip, deps.now());
    if (retryAfter > 0) {
      const message = `There have been too many failed attempts from your network. Wait ${retryAfter} seconds and try again.`;
      return renderForgot(res, uid, 429, [{ field: 'email', message }], email);
    }
    const started = await accounts.startPasswordReset(email);
    if (started) {
      deps.mailbox.send({
        to: started.account.email,
        subject: 'Reset your Clinic Connect password',
        text:
          `Your Clinic Connect password reset code is ${started.code}. It works for ${PASSWORD_RESET.validityMinutes} minutes.\n\n` +
          'If you did not ask to reset your password, ignore this email: your password has not changed.',
      });
    }
    return renderReset(res, uid, 200, [], email);
  };

  const postReset = async (req: IncomingMessage, res: ServerResponse, uid: string, form: URLSearchParams) => {
    const email = (form.get('email') ?? '').trim();
    if (!email) return renderForgot(res, uid, 400, [{ field: 'email', message: 'Enter your email address' }]);
    const code = (form.get('code') ?? '').replace(/[\s-]/g, '');
    const password = form.get('password') ?? '';
    const confirmPassword = form.get('confirmPassword') ?? '';
    const errors: FieldError[] = [];
    if (!code) errors.push({ field: 'code', message: 'Enter the code from the email' });
    else if (!/^\d{6}$/.test(code)) errors.push({ field: 'code', message: 'The code must be 6 digits' });
    if (!password) errors.push({ field: 'password', message: SIGN_UP_MESSAGES.passwordMissing });
    else {
      const message = passwordPolicyMessage(passwordPolicyProblems(password));
      if (message) errors.push({ field: 'password', message });
    }
    if (!confirmPassword)
      errors.push({ field: 'confirm-password', message: SIGN_UP_MESSAGES.confirmMissing });
    else if (password && confirmPassword !== password) {
      errors.push({ field: 'confirm-password', message: SIGN_UP_MESSAGES.confirmMismatch });
    }
    if (errors.length > 0) return renderReset(res, uid, 400, errors, email);

    const ip = clientIp(req);
    const retryAfter = ipBackoff.retryAfterSeconds(ip, deps.now());
    if (retryAfter > 0) {
      const message = `There have been too many failed attempts from your network. Wait ${retryAfter} seconds and try again.`;
      return renderReset(res, uid, 429, [{ field: 'code', message }], email, {
        'Retry-After': String(retryAfter),
      });
    }
    const outcome = await accounts.completePasswordReset(email, code, password);
    if (outcome === 'incorrect') {
      ipBackoff.recordFailure(ip, deps.now());
      return renderReset(
        res,
        uid,
        400,
        [
          {
            field: 'code',
            message: 'The code is not correct or has expired. Check the email, or ask for a new code',
          },
        ],
        email,
      );
    }
    return renderLogin(
      res,
      uid,
      200,
      [],
      email,
      'Your password has been changed. Sign in with your new password.',
    );
  };

  const showCurrentStep = async (
    req: IncomingMessage,
    res: ServerResponse,
    uid: string,
    promptName: string,
  ) => {
    if (promptName === 'consent') return autoConsent(req, res);
    if (promptName !== 'login') {
      return sendHtml(
        res,
        400,
        messagePage({
          assetsPath,
          title: 'Sign-in could not continue',
          paragraphs: [`Unsupported step: ${promptName}`],
        }),
        csp,
      );
    }
    const entry = pendingFor(uid);
    if (!entry) return renderLogin(res, uid, 200, []);
    const account = await accounts.findBySub(entry.sub);
    if (!account) {
      pending.delete(uid);
      return renderLogin(res, uid, 200, []);
    }
    return account.totpEnrolled ? renderTotp(res, uid, 200, []) : renderEnrol(res, uid, entry, 200, []);
  };

  /** Handles `${mountPath}/interaction/:uid[/:action]`. */
  return async function handleInteraction(
    req: IncomingMessage,
    res: ServerResponse,
    uid: string,
    action: InteractionAction,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    const allowed =
      action === 'signup' || action === 'forgot'
        ? ['GET', 'POST']
        : action === 'login' || action === 'totp' || action === 'enrol' || action === 'reset'
          ? ['POST']
          : ['GET'];
    if (!allowed.includes(method)) {
      res.statusCode = 405;
      res.setHeader('Allow', allowed.join(', '));
      res.end();
      return;
    }
    if (method === 'POST') {
      // Same-origin check (the issuer's origin, or the origin this request was addressed to).
      const origin = req.headers.origin;
      const requestOrigin = `${new URL(deps.issuerOrigin).protocol}//${req.headers.host ?? ''}`;
      if (origin !== undefined && origin !== deps.issuerOrigin && origin !== requestOrigin) {
        sendHtml(
          res,
          403,
          messagePage({
            assetsPath,
            title: 'Sign-in could not continue',
            paragraphs: ['The form came from another site.'],
          }),
          csp,
        );
        return;
      }
    }

    let details: Awaited<ReturnType<Provider['interactionDetails']>>;
    try {
      details = await provider.interactionDetails(req, res);
    } catch {
      pending.delete(uid);
      return expired(res);
    }
    if (details.uid !== uid) return expired(res);

    if (action === 'abort') {
      pending.delete(uid);
      await provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'End-User aborted interaction' },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    if (action === '') return showCurrentStep(req, res, uid, details.prompt.name);
    if (details.prompt.name !== 'login') return redirect(res, urls(uid).page);
    if (action === 'signup' && method === 'GET') return renderSignUp(res, uid, 200, []);
    if (action === 'forgot' && method === 'GET') return renderForgot(res, uid, 200, []);

    let form: URLSearchParams;
    try {
      form = await readForm(req);
    } catch (error) {
      res.statusCode = error instanceof BodyError ? error.status : 400;
      res.end();
      return;
    }
    if (action === 'login') return postLogin(req, res, uid, form);
    if (action === 'signup') return postSignUp(req, res, uid, form);
    if (action === 'forgot') return postForgot(req, res, uid, form);
    if (action === 'reset') return postReset(req, res, uid, form);
    return postCode(req, res, uid, form, action);
  };
}

const inactiveMessage =
  'Your account is not active. Contact your practice administrator if you think this is wrong.';
const unavailableMessage = 'Sign-in is not available at the moment. Try again in a few minutes.';
