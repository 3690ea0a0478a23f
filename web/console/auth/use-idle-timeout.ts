import { useEffect, useRef } from 'react';

const ACTIVITY_EVENTS = ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart', 'scroll'] as const;

/**
 * Calls `onIdle` once `timeoutMs` pass with no keyboard, pointer, touch or scroll activity in this tab.
 * Wall-clock based, so a laptop that slept past the limit signs out as soon as it wakes.
 */
export function useIdleTimeout(timeoutMs: number, onIdle: () => void, enabled = true): void {
  const onIdleRef = useRef(onIdle);
  onIdleRef.current = onIdle;

  useEffect(() => {
    if (!enabled) return undefined;
    let lastActivity = Date.now();
    let fired = false;
    let timer: ReturnType<typeof setTimeout> | undefined;

    const check = () => {
      if (fired) return;
      const idleFor = Date.now() - lastActivity;
      if (idleFor >= timeoutMs) {
        fired = true;
        onIdleRef.current();
        return;
      }
      clearTimeout(timer);
      timer = setTimeout(check, timeoutMs - idleFor);
    };
    const recordActivity = () => {
      lastActivity = Date.now();
    };
    const onVisibilityChange = () => {
      if (document.visibilityState === 'visible') check();
    };

    for (const name of ACTIVITY_EVENTS) {
      window.addEventListener(name, recordActivity, { capture: true, passive: true });
    }
    document.addEventListener('visibilitychange', onVisibilityChange);
    timer = setTimeout(check, timeoutMs);
    return () => {
      clearTimeout(timer);
      for (const name of ACTIVITY_EVENTS) window.removeEventListener(name, recordActivity, { capture: true });
      document.removeEventListener('visibilitychange', onVisibilityChange);
    };
  }, [timeoutMs, enabled]);
}
