import { type User, UserManager, WebStorageStateStore } from 'oidc-client-ts';
import type { RuntimeConfig } from '../../shared/runtime-config';
import { isSafeAppPath, navigate } from '../router/router';

export const CALLBACK_PATH = '/auth/callback';

/** Why the sign-in page is showing, so it can say so. */
export type SignedOutReason = 'signed-out' | 'idle' | 'expired' | 'sign-in-failed';

export type AuthState =
  | { status: 'loading' }
  | { status: 'signedOut'; reason?: SignedOutReason }
  | { status: 'signedIn'; user: User };

/** Survives the round trip to the identity provider's sign-out page; holds only a reason code. */
const REASON_KEY = 'clinic-connect.signed-out-reason';
const REASONS: readonly SignedOutReason[] = ['signed-out', 'idle', 'expired', 'sign-in-failed'];

function takeStoredReason(): SignedOutReason | undefined {
  const stored = window.sessionStorage.getItem(REASON_KEY);
  window.sessionStorage.removeItem(REASON_KEY);
  return REASONS.find((reason) => reason === stored);
}

interface SignInState {
  returnTo: string;
}

function returnToFrom(user: User): string {
  const state = user.state as Partial<SignInState> | undefined;
  return isSafeAppPath(state?.returnTo) && !state.returnTo.startsWith(CALLBACK_PATH) ? state.returnTo : '/';
}

/**
 * The staff session: OpenID Connect authorization code + PKCE through `oidc-client-ts`. Tokens live in
 * sessionStorage only (gone when the tab closes) and are renewed with the refresh token when there is one;
 * there is no silent-renew iframe. Observable with `subscribe`/`getState` for `useSyncExternalStore`.
 */
export class AuthService {
  readonly manager: UserManager;
  private state: AuthState = { status: 'loading' };
  private readonly listeners = new Set<() => void>();
  private signingOut = false;

  private readonly logout: { endpoint: string; clientId: string; returnTo: string } | undefined;

  constructor(config: RuntimeConfig, origin: string = window.location.origin) {
    this.logout = config.oidc.logoutEndpoint
      ? { endpoint: config.oidc.logoutEndpoint, clientId: config.oidc.clientId, returnTo: `${origin}/` }
      : undefined;
    const store = new WebStorageStateStore({ store: window.sessionStorage });
    this.manager = new UserManager({
      authority: config.oidc.authority,
      client_id: config.oidc.clientId,
      scope: config.oidc.scope,
      response_type: 'code',
      redirect_uri: `${origin}${CALLBACK_PATH}`,
      post_logout_redirect_uri: `${origin}/`,
      userStore: store,
      stateStore: store,
      automaticSilentRenew: true,
      monitorSession: false,
      loadUserInfo: false,
    });
    const events = this.manager.events;
    events.addUserLoaded((user) => this.set({ status: 'signedIn', user }));
    events.addUserUnloaded(() => {
      if (!this.signingOut) this.set({ status: 'signedOut' });
    });
    events.addSilentRenewError(() => void this.sessionEnded());
    events.addAccessTokenExpired(() => {
      const current = this.state;
      if (current.status === 'signedIn' && !current.user.refresh_token) void this.sessionEnded();
    });
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getState = (): AuthState => this.state;

  /** The bearer token for the API, while there is a live session. */
  accessToken(): string | undefined {
    const current = this.state;
    return current.status === 'signedIn' && !current.user.expired ? current.user.access_token : undefined;
  }

  /** Finishes a sign-in or sign-out redirect if this page load is one, else restores the tab's session. */
  async start(): Promise<void> {
    const { pathname, search } = window.location;
    if (pathname === CALLBACK_PATH) {
      await this.completeSignIn();
      return;
    }
    if (pathname === '/' && new URLSearchParams(search).has('state')) {
      // Back from the identity provider's sign-out page.
      await this.manager.signoutRedirectCallback().catch(() => undefined);
      navigate('/', { replace: true });
    }
    await this.manager.clearStaleState().catch(() => undefined);
    const reason = takeStoredReason();
    const user = await this.manager.getUser();
    if (user && !user.expired) {
      this.set({ status: 'signedIn', user });
      return;
    }
    if (user?.refresh_token) {
      try {
        const renewed = await this.manager.signinSilent();
        if (renewed) {
          this.set({ status: 'signedIn', user: renewed });
          return;
        }
      } catch {
        // Fall through: the refresh token has expired or been revoked.
      }
    }
    if (user) await this.manager.removeUser();
    this.set(reason ? { status: 'signedOut', reason } : { status: 'signedOut' });
  }

  /**
   * New tokens from the refresh token, for when the claims in them have changed (the practice approved
   * this account, say). False when there is no refresh token or the provider refused it; the session
   * carries on with the tokens it has.
   */
  async refreshSession(): Promise<boolean> {
    const current = this.state;
    if (current.status !== 'signedIn' || !current.user.refresh_token) return false;
    try {
      return Boolean(await this.manager.signinSilent());
    } catch {
      return false;
    }
  }

  /** Sends the browser to the identity provider; it comes back to `returnTo` (an app path). */
  async signIn(returnTo: string = window.location.pathname + window.location.search): Promise<void> {
    const state: SignInState = { returnTo: isSafeAppPath(returnTo) ? returnTo : '/' };
    await this.manager.signinRedirect({ state });
  }

  /** Ends the session here and at the identity provider, then shows the sign-in page with `reason`. */
  async signOut(reason: 'signed-out' | 'idle' = 'signed-out'): Promise<void> {
    this.signingOut = true;
    this.set({ status: 'loading' });
    window.sessionStorage.setItem(REASON_KEY, reason);
    try {
      if (this.logout) {
        // Cognito: revoke the refresh token, forget the session here, then end the login session at its
        // `/logout`, which takes `client_id` and `logout_uri` rather than OpenID Connect's parameters.
        await this.manager.revokeTokens(['refresh_token']).catch(() => undefined);
        await this.manager.removeUser();
        const url = new URL(this.logout.endpoint);
        url.searchParams.set('client_id', this.logout.clientId);
        url.searchParams.set('logout_uri', this.logout.returnTo);
        window.location.assign(url.toString());
        return;
      }
      // Sends the ID token as `id_token_hint` (oidc-client-ts does when the user has one), which the
      // provider needs to end its session without asking which account.
      await this.manager.signoutRedirect();
    } catch {
      // No end-session endpoint, or the provider is unreachable: end the session in this tab at least.
      window.sessionStorage.removeItem(REASON_KEY);
      await this.manager.removeUser().catch(() => undefined);
      this.signingOut = false;
      navigate('/', { replace: true });
      this.set({ status: 'signedOut', reason });
    }
  }

  /** The API refused the token, or it could not be renewed: forget it and ask the person to sign in. */
  async sessionEnded(): Promise<void> {
    if (this.state.status !== 'signedIn') return;
    this.signingOut = true;
    await this.manager.removeUser().catch(() => undefined);
    this.signingOut = false;
    this.set({ status: 'signedOut', reason: 'expired' });
  }

  private async completeSignIn(): Promise<void> {
    try {
      const user = await this.manager.signinRedirectCallback();
      navigate(returnToFrom(user), { replace: true });
      this.set({ status: 'signedIn', user });
    } catch {
      navigate('/', { replace: true });
      this.set({ status: 'signedOut', reason: 'sign-in-failed' });
    }
  }

  private set(next: AuthState): void {
    this.state = next;
    for (const listener of this.listeners) listener();
  }
}
