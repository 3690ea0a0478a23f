import { type ReactNode, useId } from 'react';

/** NHS.UK notification banner: `region` for information, `success` is announced (role="alert"). */
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
  return (
    <div
      className={success ? 'nhsuk-notification-banner nhsuk-notification-banner--success' : 'nhsuk-notification-banner'}
      role={success ? 'alert' : 'region'}
      aria-labelledby={titleId}
      id={id}
    >
      <div className="nhsuk-notification-banner__header">
        <h2 className="nhsuk-notification-banner__title" id={titleId}>
          {title}
        </h2>
      </div>
      <div className="nhsuk-notification-banner__content">{children}</div>
    </div>
  );
}
