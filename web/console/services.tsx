import { createContext, type ReactNode, useContext, useSyncExternalStore } from 'react';
import type { RuntimeConfig } from '../shared/runtime-config';
import type { ApiClient } from './api/client';
import type { AuthService, AuthState } from './auth/auth-service';

/** What every page may use, created once at start-up from `/config.json`. */
export interface Services {
  config: RuntimeConfig;
  auth: AuthService;
  api: ApiClient;
}

const ServicesContext = createContext<Services | null>(null);

export function ServicesProvider({ services, children }: { services: Services; children: ReactNode }) {
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices() outside <ServicesProvider>');
  return services;
}

export function useAuthState(): AuthState {
  const { auth } = useServices();
  return useSyncExternalStore(auth.subscribe, auth.getState);
}
