import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import type { RegistrationResponse } from '../shared/account';
import { type Me, PROBLEM } from '../shared/me';
import { ApiError } from './api/client';
import { useAuthState, useServices } from './services';

export type MeState =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'loaded'; me: Me }
  | { status: 'error'; error: ApiError };

export type RegisteredPractice = RegistrationResponse['practice'];

interface MeContextValue {
  state: MeState;
  /** Asks `/api/me` again; the current state stays until the answer arrives. */
  reload: () => Promise<void>;
  /** New tokens first (their claims change on approval), then `reload`. */
  recheck: () => Promise<void>;
  /** The practice this person has just asked to join, in this tab; until approval `/api/me` may not know. */
  registration: RegisteredPractice | undefined;
  registered: (practice: RegisteredPractice) => Promise<void>;
}

const MeContext = createContext<MeContextValue>({
  state: { status: 'idle' },
  reload: async () => undefined,
  recheck: async () => undefined,
  registration: undefined,
  registered: async () => undefined,
});

/**
 * When another route answers with one of these, what `/api/me` says has changed (suspended, a new policy
 * version, a different role): ask it again, and the shell shows what now applies.
 */
const ACCESS_PROBLEMS: ReadonlySet<string | undefined> = new Set([
  PROBLEM.noPractice,
  PROBLEM.pendingApproval,
  PROBLEM.rejected,
  PROBLEM.suspended,
  PROBLEM.aupRequired,
  PROBLEM.permissionDenied,
]);

function asApiError(error: unknown): ApiError {
  return error instanceof ApiError
    ? error
    : new ApiError({ title: 'Error', status: 0, detail: 'Something went wrong. Try again later.' });
}

/**
 * Loads `GET /api/me` once signed in: the shell decides from it which page a person may see (join a
 * practice, waiting for approval, acceptable use, the console), and the header and pages read it.
 */
export function MeProvider({ children }: { children: ReactNode }) {
  const { api, auth } = useServices();
  const authState = useAuthState();
  const subject = authState.status === 'signedIn' ? authState.user.profile.sub : undefined;
  const [state, setState] = useState<MeState>({ status: 'idle' });
  const [registration, setRegistration] = useState<RegisteredPractice>();
  const inFlight = useRef<AbortController | undefined>(undefined);

  const load = useCallback(async () => {
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    let next: MeState;
    try {
      next = { status: 'loaded', me: await api.get<Me>('/me', { signal: controller.signal }) };
    } catch (error) {
      if (controller.signal.aborted) return;
      next = { status: 'error', error: asApiError(error) };
    }
    if (inFlight.current === controller) {
      inFlight.current = undefined;
      setState(next);
    }
  }, [api]);

  useEffect(() => {
    setRegistration(undefined);
    if (!subject) {
      inFlight.current?.abort();
      setState({ status: 'idle' });
      return undefined;
    }
    setState({ status: 'loading' });
    void load();
    return () => inFlight.current?.abort();
  }, [subject, load]);

  useEffect(
    () =>
      api.onProblem((error, path) => {
        if (path !== '/me' && ACCESS_PROBLEMS.has(error.type)) void load();
      }),
    [api, load],
  );

  const recheck = useCallback(async () => {
    await auth.refreshSession();
    await load();
  }, [auth, load]);

  const registered = useCallback(
    async (practice: RegisteredPractice) => {
      setRegistration(practice);
      await recheck();
    },
    [recheck],
  );

  const value = useMemo(
    () => ({ state, reload: load, recheck, registration, registered }),
    [state, load, recheck, registration, registered],
  );
  return <MeContext.Provider value={value}>{children}</MeContext.Provider>;
}

export function useMe(): MeContextValue {
  return useContext(MeContext);
}

/** For pages the shell shows only once `/api/me` has loaded. */
export function useLoadedMe(): Me {
  const { state } = useMe();
  if (state.status !== 'loaded') throw new Error('useLoadedMe() before /api/me has loaded');
  return state.me;
}
