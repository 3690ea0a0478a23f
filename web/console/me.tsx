import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import type { Me } from '../shared/me';
import { ApiError } from './api/client';
import { useAuthState, useServices } from './services';

export type MeState =
  | { status: 'idle' }
  | { status: 'loading' }
  | { status: 'loaded'; me: Me }
  | { status: 'error'; error: ApiError };

interface MeContextValue {
  state: MeState;
  reload: () => void;
}

const MeContext = createContext<MeContextValue>({ state: { status: 'idle' }, reload: () => undefined });

/** Loads `GET /api/me` once signed in: the header and every page read the practice from here. */
export function MeProvider({ children }: { children: ReactNode }) {
  const { api } = useServices();
  const auth = useAuthState();
  const subject = auth.status === 'signedIn' ? auth.user.profile.sub : undefined;
  const [state, setState] = useState<MeState>({ status: 'idle' });
  const [attempt, setAttempt] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` is the reload trigger
  useEffect(() => {
    if (!subject) {
      setState({ status: 'idle' });
      return undefined;
    }
    const controller = new AbortController();
    setState({ status: 'loading' });
    api.get<Me>('/me', { signal: controller.signal }).then(
      (me) => setState({ status: 'loaded', me }),
      (error: unknown) => {
        if (controller.signal.aborted) return;
        const apiError =
          error instanceof ApiError
            ? error
            : new ApiError({ title: 'Error', status: 0, detail: 'Something went wrong. Try again later.' });
        setState({ status: 'error', error: apiError });
      },
    );
    return () => controller.abort();
  }, [api, subject, attempt]);

  const reload = useCallback(() => setAttempt((count) => count + 1), []);
  return <MeContext.Provider value={{ state, reload }}>{children}</MeContext.Provider>;
}

export function useMe(): MeContextValue {
  return useContext(MeContext);
}
