import { type ReactNode, useEffect, useRef } from 'react';
import type { StaffRole } from '../shared/me';
import { DEFAULT_IDLE_TIMEOUT_MINUTES } from '../shared/runtime-config';
import { CALLBACK_PATH } from './auth/auth-service';
import { useIdleTimeout } from './auth/use-idle-timeout';
import { Footer } from './components/Footer';
import { Header, type HeaderNavItem, SERVICE_NAME } from './components/Header';
import { SkipLink } from './components/SkipLink';
import { MeProvider, useMe } from './me';
import { PAGES, type PageDefinition } from './pages';
import { NotFoundPage } from './pages/NotFoundPage';
import { SignInPage } from './pages/SignInPage';
import { StatusPage } from './pages/StatusPage';
import { matchPath, type RouteParams, useLocation } from './router/router';
import { useAuthState, useServices } from './services';

function findPage(pathname: string): { page: PageDefinition; params: RouteParams } | undefined {
  for (const page of PAGES) {
    const params = matchPath(page.path, pathname);
    if (params) return { page, params };
  }
  return undefined;
}

function allowed(page: PageDefinition, role: StaffRole | undefined): boolean {
  return !page.roles || (role !== undefined && page.roles.includes(role));
}

/**
 * After a route change (not the first load), move focus to the new page's `<h1>` so screen readers start
 * there, and scroll to the top. The document title follows the page.
 */
function useRouteFocus(routeKey: string, title: string) {
  const first = useRef(true);
  useEffect(() => {
    document.title = `${title} – ${SERVICE_NAME}`;
  }, [title]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on route change only
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const main = document.getElementById('maincontent');
    const heading = main?.querySelector('h1');
    const target = heading ?? main;
    if (!target) return;
    if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
    target.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }, [routeKey]);
}

function Shell() {
  const { config, auth } = useServices();
  const authState = useAuthState();
  const { state: meState } = useMe();
  const { pathname } = useLocation();
  const idleMinutes = config.idleTimeoutMinutes ?? DEFAULT_IDLE_TIMEOUT_MINUTES;
  const signedIn = authState.status === 'signedIn';

  useIdleTimeout(idleMinutes * 60_000, () => void auth.signOut('idle'), signedIn);

  const me = meState.status === 'loaded' ? meState.me : undefined;
  const role = me?.staff.role;
  const match = findPage(pathname);

  let title: string;
  let content: ReactNode;
  if (authState.status === 'loading' || pathname === CALLBACK_PATH) {
    title = pathname === CALLBACK_PATH ? 'Signing in' : 'Loading';
    content = (
      <StatusPage
        title={pathname === CALLBACK_PATH ? 'Signing you in' : SERVICE_NAME}
        message={pathname === CALLBACK_PATH ? 'Signing you in…' : 'Loading…'}
      />
    );
  } else if (!match || (me && !allowed(match.page, role))) {
    title = 'Page not found';
    content = <NotFoundPage />;
  } else if (authState.status === 'signedOut') {
    title = 'Sign in';
    content = <SignInPage reason={authState.reason} idleMinutes={idleMinutes} />;
  } else {
    const Page = match.page.component;
    title = match.page.title;
    content = <Page params={match.params} />;
  }

  const navigation: HeaderNavItem[] = signedIn
    ? PAGES.filter((page) => page.nav && allowed(page, role)).map((page) => ({
        href: page.path,
        label: page.nav?.label ?? page.title,
        current: page === match?.page,
      }))
    : [];

  const profile = authState.status === 'signedIn' ? authState.user.profile : undefined;
  const account = profile
    ? {
        userName: me?.staff.name ?? profile.name ?? profile.email ?? 'Signed in',
        ...(me ? { practiceName: me.practice.name } : {}),
        onSignOut: () => void auth.signOut('signed-out'),
      }
    : undefined;

  useRouteFocus(`${pathname}|${authState.status}`, title);

  return (
    <>
      <SkipLink />
      <Header navigation={navigation} {...(account ? { account } : {})} />
      <div className="nhsuk-width-container">
        <main className="nhsuk-main-wrapper" id="maincontent" tabIndex={-1}>
          {content}
        </main>
      </div>
      <Footer />
    </>
  );
}

export function App() {
  return (
    <MeProvider>
      <Shell />
    </MeProvider>
  );
}
