/**
 * A plain fragment link: `<main id="maincontent" tabindex="-1">` takes focus when the browser follows it,
 * and the router ignores fragment changes, so this is not a navigation.
 */
export function SkipLink() {
  return (
    <a className="nhsuk-skip-link" href="#maincontent">
      Skip to main content
    </a>
  );
}
