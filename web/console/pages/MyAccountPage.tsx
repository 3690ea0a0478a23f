import type { ReactNode } from 'react';
import { ACTION_LABELS, STAFF_ROLE_LABELS } from '../../shared/me';
import { SignOutButton } from '../components/SignOutButton';
import { availablePermissions } from '../features';
import { useLoadedMe } from '../me';

function Row({ label, id, children }: { label: string; id: string; children: ReactNode }) {
  return (
    <div className="nhsuk-summary-list__row">
      <dt className="nhsuk-summary-list__key">{label}</dt>
      <dd className="nhsuk-summary-list__value" id={id}>
        {children}
      </dd>
    </div>
  );
}

/** Who you are signed in as, what your role lets you do, and a way out. */
export function MyAccountPage() {
  const me = useLoadedMe();
  const role = STAFF_ROLE_LABELS[me.staff.role] ?? me.staff.role;
  // What the role allows that Clinic Connect does today: nothing is promised before it exists.
  const permissions = availablePermissions(me.permissions);
  return (
    <div className="nhsuk-grid-row">
      <div className="nhsuk-grid-column-two-thirds">
        <h1>My account</h1>
        <dl className="nhsuk-summary-list" id="account-summary">
          <Row label="Name" id="account-name">
            {me.staff.name}
          </Row>
          <Row label="Email" id="account-email">
            {me.staff.email}
          </Row>
          <Row label="Role" id="account-role">
            {role}
          </Row>
          <Row label="Practice" id="account-practice">
            {me.practice.name} (ODS code {me.practice.odsCode})
          </Row>
          <Row label="Acceptable use policy" id="account-aup">
            {me.acceptableUse.accepted
              ? `You accepted version ${me.acceptableUse.currentVersion}`
              : 'Not accepted yet'}
          </Row>
        </dl>

        <h2>What your role allows</h2>
        {permissions.length > 0 ? (
          <>
            <p>As a {role.toLowerCase()}, you can:</p>
            <ul className="nhsuk-list nhsuk-list--bullet" id="account-permissions">
              {permissions.map((action) => (
                <li key={action}>{ACTION_LABELS[action] ?? action}</li>
              ))}
            </ul>
          </>
        ) : (
          <p id="account-permissions">Your role does not let you do anything in Clinic Connect yet.</p>
        )}
        <p>To change your name, role or practice, ask an admin at your practice.</p>

        <h2>Signing in</h2>
        <p id="account-recovery">
          If you forget your password, choose ‘Forgot your password?’ on the sign-in page: a code is sent to
          your email address. If you lose the phone with your authenticator app, ask an admin at your practice
          to reset it; you then set up a new one when you next sign in.
        </p>

        <h2>Sign out</h2>
        <p>Sign out when you have finished, especially on a shared computer.</p>
        <SignOutButton id="account-sign-out" secondary={false} />
      </div>
    </div>
  );
}
