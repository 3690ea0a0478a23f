import { type ReactNode, useId } from 'react';

/**
 * NHS.UK notification banner. Information is a landmark (`role="region"`); `success` is announced as it
 * appears (`role="alert"`).
 */
export function NotificationBanner({
  title = 'Important',
  success = false,
  id,
  children,
}: {
  title?: string;
  success?: boolean;
  id?: string;
  children: ReactNode;
}) {
  const titleId = useId();
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
  return success ? (
    <div
      className="nhsuk-notification-banner nhsuk-notification-banner--success"
      role="alert"
      aria-labelledby={titleId}
      id={id}
    >
      {inner}
    </div>
  ) : (
    <section className="nhsuk-notification-banner" aria-labelledby={titleId} id={id}>
      {inner}
    </section>
  );
}
