import { type ReactNode, useEffect, useId, useRef } from 'react';

/**
 * NHS.UK notification banner. Information is a landmark (`<section>`); `success` is announced as it
 * appears (`role="alert"`). A success banner takes focus when it mounts (so does any with `focus`), so
 * keyboard users start from it: give it a new `key` for each new message.
 */
export function NotificationBanner({
  title = 'Important',
  success = false,
  focus = success,
  id,
  children,
}: {
  title?: string;
  success?: boolean;
  focus?: boolean;
  id?: string;
  children: ReactNode;
}) {
  const titleId = useId();
  const ref = useRef<HTMLElement & HTMLDivElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: on mount only
  useEffect(() => {
    if (focus) ref.current?.focus();
  }, []);
  const inner = (
    <>
      <div className="nhsuk-notification-banner__header">
        <h2 className="nhsuk-notification-banner__title" id={titleId}>
          {title}
        </h2>
      </div>
      <div className="nhsuk-notification-banner__content">{children}</div>
    </>
  );
  const focusable = focus ? { tabIndex: -1 } : {};
  return success ? (
    <div
      className="nhsuk-notification-banner nhsuk-notification-banner--success"
      role="alert"
      aria-labelledby={titleId}
      id={id}
      ref={ref}
      {...focusable}
    >
      {inner}
    </div>
  ) : (
    <section className="nhsuk-notification-banner" aria-labelledby={titleId} id={id} ref={ref} {...focusable}>
      {inner}
    </section>
  );
}
