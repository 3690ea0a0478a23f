import { Link } from '../router/router';
import { NhsLogo, UserIcon } from './NhsLogo';

export const SERVICE_NAME = 'Clinic Connect';

export interface HeaderNavItem {
  href: string;
  label: string;
  current: boolean;
}

export interface HeaderAccount {
  /** The signed-in person's name or email. */
  userName: string;
  /** Absent until `/api/me` has answered. */
  practiceName?: string;
  /** Their account page, once they may see it. */
  href?: string;
  onSignOut: () => void;
}

/** The NHS.UK header: logo + service name, the account area when signed in, and the page navigation. */
export function Header({ account, navigation }: { account?: HeaderAccount; navigation: HeaderNavItem[] }) {
  return (
    <header className="nhsuk-header">
      <div className="nhsuk-header__container nhsuk-width-container">
        <div className="nhsuk-header__service">
          <Link className="nhsuk-header__service-logo" href="/" aria-label={`NHS ${SERVICE_NAME} homepage`}>
            <NhsLogo />
            <span className="nhsuk-header__service-name">{SERVICE_NAME}</span>
          </Link>
        </div>
        {account && (
          <nav className="nhsuk-header__account" aria-label="Account">
            <ul className="nhsuk-header__account-list">
              {account.practiceName && (
                <li className="nhsuk-header__account-item" id="header-practice-name">
                  {account.practiceName}
                </li>
              )}
              <li className="nhsuk-header__account-item">
                {account.href ? (
                  <Link className="nhsuk-header__account-link" href={account.href} id="header-user-name">
                    <UserIcon />
                    {account.userName}
                  </Link>
                ) : (
                  <span id="header-user-name">
                    <UserIcon />
                    {account.userName}
                  </span>
                )}
              </li>
              <li className="nhsuk-header__account-item">
                <button
                  className="nhsuk-header__account-button"
                  id="sign-out"
                  type="button"
                  onClick={account.onSignOut}
                >
                  Sign out
                </button>
              </li>
            </ul>
          </nav>
        )}
      </div>
      {navigation.length > 0 && (
        <nav className="nhsuk-header__navigation" aria-label="Menu">
          <div className="nhsuk-header__navigation-container nhsuk-width-container">
            <ul className="nhsuk-header__navigation-list">
              {navigation.map((item) => (
                <li
                  key={item.href}
                  className={`nhsuk-header__navigation-item${item.current ? ' nhsuk-header__navigation-item--current' : ''}`}
                >
                  <Link
                    className="nhsuk-header__navigation-link"
                    href={item.href}
                    aria-current={item.current ? 'page' : undefined}
                  >
                    {item.current ? (
                      <strong className="nhsuk-header__navigation-item-current-fallback">{item.label}</strong>
                    ) : (
                      item.label
                    )}
                  </Link>
                </li>
              ))}
            </ul>
          </div>
        </nav>
      )}
    </header>
  );
}
