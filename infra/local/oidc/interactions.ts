import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import QRCode from 'qrcode';
import type { Account, AccountStore } from './account-store';
import { type IpBackoff, minutesUntil } from './guessing-limits';
import { BodyError, clientIp, readForm, redirect, sendHtml } from './http-utils';
import { generateTotpSecret, totpUri } from './totp';
import { enrolPage, type FieldError, loginPage, messagePage, totpPage } from './views';

/**
 * The sign-in pages behind oidc-provider's interactions, at `${mountPath}/interaction/:uid[/:action]`:
 *
 *   GET  /interaction/:uid          the current step: email + password, then TOTP (or TOTP enrolment)
 *   POST /interaction/:uid/login    email + password
 *   POST /interaction/:uid/totp     6-digit code
 *   POST /interaction/:uid/enrol    6-digit code confirming a new authenticator
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
  isAccountActive: (sub: string) => Promise<boolean>;
  clientId: string;
  resourceIndicator: string;
  resourceScopes: readonly string[];
  mountPath: string;
  issuerOrigin: string;
  contentSecurityPolicy: string;
  /** Where "start again" links go when an interaction has expired. */
  homeUrl: string;
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

type Action = '' | 'login' | 'totp' | 'enrol' | 'abort';

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
      totp: `${base}/totp`,
      enrol: `${base}/enrol`,
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

  const renderLogin = (res: ServerResponse, uid: string, status: number, errors: FieldError[], email = '') =>
    sendHtml(
      res,
      status,
      loginPage({ assetsPath, action: urls(uid).login, cancelUrl: urls(uid).abort, errors, email }),
      csp,
    );

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
      ? sendHtml(
          res,
          429,
          loginPage({ assetsPath, action: urls(uid).login, cancelUrl: urls(uid).abort, errors }),
          csp,
          { 'Retry-After': String(retryAfter) },
        )
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
        if (!(await deps.isAccountActive(outcome.account.sub))) {
          return renderLogin(res, uid, 403, [{ field: 'email', message: inactiveMessage }], email);
        }
        prune();
        pending.set(uid, {
          sub: outcome.account.sub,
          email: outcome.account.email,
          expiresAtMs: deps.now().getTime() + PASSWORD_STEP_VALIDITY_MS,
        });
        return redirect(res, urls(uid).page);
      }
    }
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
      case 'ok':
        if (!(await deps.isAccountActive(entry.sub)) || outcome.account.status !== 'active') {
          pending.delete(uid);
          return renderLogin(res, uid, 403, [{ field: 'email', message: inactiveMessage }]);
        }
        return finish(req, res, uid, outcome.account);
    }
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
    action: Action,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    const expectedMethod = action === 'login' || action === 'totp' || action === 'enrol' ? 'POST' : 'GET';
    if (method !== expectedMethod) {
      res.statusCode = 405;
      res.setHeader('Allow', expectedMethod);
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

    let form: URLSearchParams;
    try {
      form = await readForm(req);
    } catch (error) {
      res.statusCode = error instanceof BodyError ? error.status : 400;
      res.end();
      return;
    }
    if (action === 'login') return postLogin(req, res, uid, form);
    return postCode(req, res, uid, form, action);
  };
}

const inactiveMessage =
  'Your account is not active. Contact your practice administrator if you think this is wrong.';
