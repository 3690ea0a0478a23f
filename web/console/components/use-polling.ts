import { useEffect, useRef, useState } from 'react';

/**
 * Asks again every `everyMs` while the page is open (and not while the tab is hidden): the console's way of
 * showing the patient's journey without a reload. `load` may throw; the last good answer stays.
 */
export function usePolling<T>(load: (signal: AbortSignal) => Promise<T>, everyMs: number, active = true) {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const loadRef = useRef(load);
  loadRef.current = load;
  const [tick, setTick] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `tick` asks again on demand
  useEffect(() => {
    if (!active) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      if (document.visibilityState === 'visible') {
        try {
          setData(await loadRef.current(controller.signal));
          setError(undefined);
        } catch (caught) {
          if (controller.signal.aborted) return;
          setError(caught);
        }
      }
      if (!controller.signal.aborted) timer = setTimeout(run, everyMs);
    };
    void run();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [everyMs, active, tick]);

  return { data, error, refresh: () => setTick((n) => n + 1), setData };
}
