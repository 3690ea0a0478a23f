import { PRODUCT_SUMMARY } from '../features';

/** The NHS.UK footer. Support links (accessibility statement, privacy) slot into `links` as pages appear. */
export function Footer({ links = [] }: { links?: { href: string; label: string }[] }) {
  return (
    <footer className="nhsuk-footer">
      <div className="nhsuk-width-container">
        <div className="nhsuk-footer__meta">
          {links.length > 0 && (
            <>
              <h2 className="nhsuk-u-visually-hidden">Support links</h2>
              <ul className="nhsuk-footer__list">
                {links.map((link) => (
                  <li key={link.href} className="nhsuk-footer__list-item">
                    <a className="nhsuk-footer__list-item-link" href={link.href}>
                      {link.label}
                    </a>
                  </li>
                ))}
              </ul>
            </>
          )}
          <p className="nhsuk-body-s" id="footer-summary">
            {PRODUCT_SUMMARY}
          </p>
        </div>
      </div>
    </footer>
  );
}
