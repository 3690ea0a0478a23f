import { useEffect, useRef } from 'react';

/**
 * Calls `load` now and then every `intervalMs` while `active` (and the tab is visible): how the console keeps
 * an invitation's status fresh without a reload. Stops when the component goes.
 */
export function usePolling(load: () => Promise<void>, intervalMs: number, active: boolean): void {
  const latest = useRef(load);
  latest.current = load;
  useEffect(() => {
    if (!active) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      if (stopped) return;
      if (document.visibilityState !== 'hidden') await latest.current().catch(() => undefined);
      if (!stopped) timer = setTimeout(() => void tick(), intervalMs);
    };
    timer = setTimeout(() => void tick(), intervalMs);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [intervalMs, active]);
}
