import { STAFF_ROLE_LABELS } from '../../shared/me';
import { Tag } from '../components/Tag';
import { useMe } from '../me';

function PracticeError() {
  const { state, reload } = useMe();
  if (state.status !== 'error') return null;
  const { error } = state;
  return (
    <div className="nhsuk-card nhsuk-card--warning" id="me-error">
      <div className="nhsuk-card__content">
        <h2 className="nhsuk-card__heading">
          <span className="nhsuk-u-visually-hidden">Important: </span>
          We could not load your practice details
        </h2>
        <p>{error.status === 404 ? 'This part of Clinic Connect is not available yet.' : error.detail}</p>
        {error.requestId && (
          <p className="nhsuk-body-s">
            If you contact support, give them this reference:{' '}
            <span id="me-error-reference">{error.requestId}</span>
          </p>
        )}
        <button className="nhsuk-button nhsuk-button--secondary" type="button" onClick={reload}>
          Try again
        </button>
      </div>
    </div>
  );
}

export function HomePage() {
  const { state } = useMe();
  const me = state.status === 'loaded' ? state.me : undefined;

  return (
    <div className="nhsuk-grid-row">
      <div className="nhsuk-grid-column-two-thirds">
        <h1>
          {me ? (
            <>
              <span className="nhsuk-caption-l">
                <span className="nhsuk-u-visually-hidden">Practice: </span>
                <span id="practice-name">{me.practice.name}</span>
              </span>
              Welcome, <span id="staff-name">{me.staff.name}</span>
            </>
          ) : (
            'Welcome to Clinic Connect'
          )}
        </h1>
        <div aria-live="polite">
          {state.status === 'loading' && <p id="me-loading">Loading your practice details…</p>}
        </div>
        <PracticeError />
        {me && (
          <>
            {me.practice.demo && (
              <p>
                <Tag colour="orange" id="demo-practice-tag">
                  Demo practice
                </Tag>
              </p>
            )}
            <dl className="nhsuk-summary-list" id="practice-summary">
              <div className="nhsuk-summary-list__row">
                <dt className="nhsuk-summary-list__key">Practice</dt>
                <dd className="nhsuk-summary-list__value">{me.practice.name}</dd>
              </div>
              <div className="nhsuk-summary-list__row">
                <dt className="nhsuk-summary-list__key">ODS code</dt>
                <dd className="nhsuk-summary-list__value" id="practice-ods-code">
                  {me.practice.odsCode}
                </dd>
              </div>
              <div className="nhsuk-summary-list__row">
                <dt className="nhsuk-summary-list__key">Signed in as</dt>
                <dd className="nhsuk-summary-list__value">
                  {me.staff.name}
                  <br />
                  <span className="nhsuk-body-s">{me.staff.email}</span>
                </dd>
              </div>
              <div className="nhsuk-summary-list__row">
                <dt className="nhsuk-summary-list__key">Role</dt>
                <dd className="nhsuk-summary-list__value" id="staff-role">
                  {STAFF_ROLE_LABELS[me.staff.role] ?? me.staff.role}
                </dd>
              </div>
            </dl>
            {me.practice.demo && (
              <div className="nhsuk-inset-text" id="demo-practice-notice">
                <span className="nhsuk-u-visually-hidden">Information: </span>
                <p>This is a demonstration practice. It holds synthetic test patients only.</p>
              </div>
            )}
          </>
        )}
      </div>
    </div>
  );
}
