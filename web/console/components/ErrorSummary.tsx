import { type MouseEvent, type ReactNode, useEffect, useRef } from 'react';

export interface ErrorSummaryItem {
  text: string;
  /** `#<field id>` of the field with the problem; leave out for a problem with no field. */
  href?: string;
}

/** Scrolls the field's label (or its fieldset's legend) into view and focuses the field. */
function focusField(event: MouseEvent<HTMLAnchorElement>, href: string) {
  const id = href.slice(1);
  const field = document.getElementById(id);
  if (!field) return;
  event.preventDefault();
  const legend = field.closest('fieldset')?.querySelector('legend');
  const label = document.querySelector(`label[for="${CSS.escape(id)}"]`);
  (legend ?? label ?? field).scrollIntoView();
  field.focus({ preventScroll: true });
}

/**
 * The NHS.UK error summary: shown at the top of the page when a form has errors; focus moves to it when
 * it appears or its errors change, screen readers announce it (role="alert"), and each error links to its
 * field; the page title gets an "Error: " prefix while it shows. Put it first in `<main>`, before the
 * `<h1>`.
 */
export function ErrorSummary({
  errors,
  title = 'There is a problem',
  description,
}: {
  errors: ErrorSummaryItem[];
  title?: string;
  description?: ReactNode;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const signature = errors.map((error) => `${error.href ?? ''}\u0000${error.text}`).join('\u0001');

  // While the summary shows, the page title starts "Error: ", as the NHS.UK pattern asks.
  useEffect(() => {
    const title = document.title;
    if (!title.startsWith('Error: ')) document.title = `Error: ${title}`;
    return () => {
      if (document.title === `Error: ${title}`) document.title = title;
    };
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: refocus whenever the set of errors changes
  useEffect(() => {
    ref.current?.focus();
  }, [signature]);

  return (
    <div className="nhsuk-error-summary" ref={ref} tabIndex={-1} id="error-summary">
      <div role="alert">
        <h2 className="nhsuk-error-summary__title">{title}</h2>
        <div className="nhsuk-error-summary__body">
          {description && <p>{description}</p>}
          {errors.length > 0 && (
            <ul className="nhsuk-list nhsuk-error-summary__list">
              {errors.map((error) => (
                <li key={`${error.href ?? ''}${error.text}`}>
                  {error.href ? (
                    <a href={error.href} onClick={(event) => focusField(event, error.href ?? '')}>
                      {error.text}
                    </a>
                  ) : (
                    error.text
                  )}
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </div>
  );
}
