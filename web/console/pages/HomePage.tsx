import { useEffect, useState } from 'react';
import type { StaffListResponse } from '../../shared/account';
import { STAFF_ROLE_LABELS } from '../../shared/me';
import { Tag } from '../components/Tag';
import { useLoadedMe } from '../me';
import { Link } from '../router/router';
import { useServices } from '../services';
import { AUDIT_REPORTS_PATH } from './audit/AuditReportsPage';
import { FIND_PATIENT_PATH } from './patients/FindPatientPage';
import { PRACTICE_SETTINGS_PATH } from './settings/PracticeSettingsPage';

type Pending = { status: 'loading' } | { status: 'loaded'; count: number } | { status: 'error' };

/** For practice admins: how many people wait for their approval, the first thing to see on arrival. */
function PendingApprovals() {
  const { api } = useServices();
  const [pending, setPending] = useState<Pending>({ status: 'loading' });
  useEffect(() => {
    let current = true;
    api
      .get<StaffListResponse>('/staff')
      .then((response) => {
        if (current) {
          setPending({
            status: 'loaded',
            count: response.staff.filter((m) => m.status === 'pending').length,
          });
        }
      })
      .catch(() => {
        if (current) setPending({ status: 'error' });
      });
    return () => {
      current = false;
    };
  }, [api]);

  if (pending.status === 'loading') return <p role="status">Checking who is waiting for approval…</p>;
  if (pending.status === 'error') {
    return (
      <p id="home-pending">We could not check who is waiting for approval. Open the staff page to see.</p>
    );
  }
  const { count } = pending;
  return (
    <div className={count > 0 ? 'nhsuk-inset-text' : undefined} id="home-pending">
      {count > 0 && <span className="nhsuk-u-visually-hidden">Information: </span>}
      <p>
        {count === 0 ? (
          'No one is waiting for approval.'
        ) : (
          <>
            <strong id="home-pending-count">{count}</strong> {count === 1 ? 'person is' : 'people are'}{' '}
            waiting for your approval.{' '}
            <Link href="/staff" id="home-pending-link">
              Approve or reject them
            </Link>
          </>
        )}
      </p>
    </div>
  );
}

export function HomePage() {
  const me = useLoadedMe();
  return (
    <div className="nhsuk-grid-row">
      <div className="nhsuk-grid-column-two-thirds">
        <h1>
          <span className="nhsuk-caption-l">
            <span className="nhsuk-u-visually-hidden">Practice: </span>
            <span id="practice-name">{me.practice.name}</span>
          </span>
          Welcome, <span id="staff-name">{me.staff.name}</span>
        </h1>
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
        {me.permissions.includes('patients.lookup') && (
          <p>
            <Link href={FIND_PATIENT_PATH} id="home-find-patient">
              Find a patient
            </Link>
          </p>
        )}
        {me.permissions.includes('patients.invite') && (
          <p>
            <Link href="/invites" id="home-invitations">
              Today’s invitations
            </Link>
          </p>
        )}
        {me.permissions.includes('messages.review') && (
          <p>
            <Link href="/held-messages" id="home-held-messages">
              Messages held for review
            </Link>
          </p>
        )}
        {me.permissions.includes('staff.manage') && (
          <>
            <PendingApprovals />
            <p>
              <Link href="/staff" id="home-manage-staff">
                Approve and manage staff
              </Link>
            </p>
          </>
        )}
        {me.permissions.includes('audit.read') && (
          <p>
            <Link href={AUDIT_REPORTS_PATH} id="home-audit-reports">
              Audit reports
            </Link>
          </p>
        )}
        {me.permissions.includes('practice.settings') && (
          <p>
            <Link href={PRACTICE_SETTINGS_PATH} id="home-practice-settings">
              Practice settings
            </Link>
          </p>
        )}
        {me.practice.demo && (
          <div className="nhsuk-inset-text" id="demo-practice-notice">
            <span className="nhsuk-u-visually-hidden">Information: </span>
            <p>This is a demonstration practice. It holds synthetic test patients only.</p>
          </div>
        )}
      </div>
    </div>
  );
}
