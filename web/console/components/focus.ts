import { type RefObject, useEffect } from 'react';
import { SERVICE_NAME } from './Header';

/**
 * Focuses the element once it mounts (a step's heading, say), or the first match of `selector` inside it,
 * making it focusable first.
 */
export function useFocusOnMount(ref: RefObject<HTMLElement | null>, selector?: string): void {
  // biome-ignore lint/correctness/useExhaustiveDependencies: on mount only
  useEffect(() => {
    const element = selector ? ref.current?.querySelector<HTMLElement>(selector) : ref.current;
    if (!element) return;
    if (!element.hasAttribute('tabindex')) element.setAttribute('tabindex', '-1');
    element.focus();
  }, []);
}

/** "<title> – Clinic Connect" while a step within a page shows; the page's own title comes back after. */
export function usePageTitle(title: string): void {
  useEffect(() => {
    const previous = document.title;
    document.title = `${title} – ${SERVICE_NAME}`;
    return () => {
      document.title = previous;
    };
  }, [title]);
}
