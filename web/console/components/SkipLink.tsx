import type { MouseEvent } from 'react';

/** Focuses `<main id="maincontent">` without turning the click into a route change. */
export function SkipLink() {
  function handleClick(event: MouseEvent<HTMLAnchorElement>) {
    const main = document.getElementById('maincontent');
    if (!main) return;
    event.preventDefault();
    main.focus();
  }
  return (
    <a className="nhsuk-skip-link" href="#maincontent" onClick={handleClick}>
      Skip to main content
    </a>
  );
}
