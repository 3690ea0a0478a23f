import { type ReactNode, useEffect, useRef } from 'react';
import { DEFAULT_IDLE_TIMEOUT_MINUTES } from '../shared/runtime-config';
import { type Access, accessFrom } from './access';
import { CALLBACK_PATH } from './auth/auth-service';
import { useIdleTimeout } from './auth/use-idle-timeout';
import { Footer } from './components/Footer';
import { Header, type HeaderNavItem, SERVICE_NAME } from './components/Header';
import { SkipLink } from './components/SkipLink';
import { WaitingBadge } from './components/WaitingBadge';
import { MeProvider, useMe } from './me';
import { allowed, PAGES, type PageDefinition } from './pages';
import { AcceptableUsePage } from './pages/AcceptableUsePage';
import { AccountClosedPage, CLOSED_TITLES } from './pages/AccountClosedPage';
import { JoinPracticePage } from './pages/JoinPracticePage';
import { NoAccessPage } from './pages/NoAccessPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { PendingApprovalPage } from './pages/PendingApprovalPage';
import { ServiceProblemPage } from './pages/ServiceProblemPage';
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

interface View {
  title: string;
  content: ReactNode;
  /** False while something loads: focus moves only between settled views. */
  settled?: false;
}

const LOADING: View = {
  title: 'Loading',
  content: <StatusPage title={SERVICE_NAME} message="Loading…" />,
  settled: false,
};

/** What a signed-in person sees instead of the console until they may use it, at any console address. */
function gateView(access: Exclude<Access, { kind: 'ready' }>): View {
  switch (access.kind) {
    case 'loading':
      return LOADING;
    case 'join':
      return { title: 'Join your practice', content: <JoinPracticePage /> };
    case 'pending':
      return { title: 'Waiting for approval', content: <PendingApprovalPage practice={access.practice} /> };
    case 'rejected':
    case 'suspended':
      return { title: CLOSED_TITLES[access.kind], content: <AccountClosedPage reason={access.kind} /> };
    case 'acceptable-use':
      return { title: 'Acceptable use policy', content: <AcceptableUsePage /> };
    case 'problem':
      return { title: 'Sorry, there is a problem', content: <ServiceProblemPage error={access.error} /> };
  }
}

/**
 * The document title follows the page. After the view changes (a route, or a step such as accepting the
 * policy, but not the first settled view of this load), focus moves to the new `<h1>` so screen readers
 * start there, and the window scrolls to the top.
 */
function useViewFocus(viewKey: string, title: string, settled: boolean) {
  const shown = useRef(false);
  useEffect(() => {
    document.title = `${title} – ${SERVICE_NAME}`;
  }, [title]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the view changes only
  useEffect(() => {
    if (!settled) return;
    if (!shown.current) {
      shown.current = true;
      return;
    }
    const main = document.getElementById('maincontent');
    const heading = main?.querySelector('h1');
    const target = heading ?? main;
    if (!target) return;
    if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
    target.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }, [viewKey, settled]);
}

function Shell() {
  const { config, auth } = useServices();
  const authState = useAuthState();
  const { state: meState, registration } = useMe();
  const { pathname } = useLocation();
  const idleMinutes = config.idleTimeoutMinutes ?? DEFAULT_IDLE_TIMEOUT_MINUTES;
  const signedIn = authState.status === 'signedIn';

  useIdleTimeout(idleMinutes * 60_000, () => void auth.signOut('idle'), signedIn);

  const access = signedIn ? accessFrom(meState, registration) : undefined;
  const me = access?.kind === 'ready' ? access.me : undefined;
  const match = findPage(pathname);

  let view: View;
  if (authState.status === 'loading' || pathname === CALLBACK_PATH) {
    view =
      pathname === CALLBACK_PATH
        ? { title: 'Signing in', content: <StatusPage title="Signing you in" message="Signing you in…" /> }
        : LOADING;
  } else if (!match) {
    view = { title: 'Page not found', content: <NotFoundPage /> };
  } else if (authState.status === 'signedOut') {
    view = { title: 'Sign in', content: <SignInPage reason={authState.reason} idleMinutes={idleMinutes} /> };
  } else if (access && access.kind !== 'ready') {
    view = gateView(access);
  } else if (me && !allowed(match.page, me.permissions)) {
    view = { title: 'You do not have access to this page', content: <NoAccessPage /> };
  } else {
    const Page = match.page.component;
    view = { title: match.page.title, content: <Page params={match.params} /> };
  }

  const navigation: HeaderNavItem[] = me
    ? PAGES.filter((page) => page.nav && allowed(page, me.permissions)).map((page) => ({
        href: page.path,
        label: page.nav?.label ?? page.title,
        current: page === match?.page,
      }))
    : [];

  const profile = authState.status === 'signedIn' ? authState.user.profile : undefined;
  const account = profile
    ? {
        userName: me?.staff.name ?? profile.name ?? profile.email ?? 'Signed in',
        ...(me ? { practiceName: me.practice.name, href: '/account' } : {}),
        onSignOut: () => void auth.signOut('signed-out'),
      }
    : undefined;

  useViewFocus(`${pathname}|${authState.status}|${access?.kind ?? ''}`, view.title, view.settled !== false);

  return (
    <>
      <SkipLink />
      <Header navigation={navigation} {...(account ? { account } : {})} />
      {me && <WaitingBadge />}
      <div className="nhsuk-width-container">
        <main className="nhsuk-main-wrapper" id="maincontent" tabIndex={-1}>
          {view.content}
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
