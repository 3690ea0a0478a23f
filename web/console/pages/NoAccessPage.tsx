import { STAFF_ROLE_LABELS } from '../../shared/me';
import { useLoadedMe } from '../me';
import { Link } from '../router/router';

/** A page that exists, for a role that may not use it: say so, rather than pretend it is not there. */
export function NoAccessPage() {
  const me = useLoadedMe();
  const role = STAFF_ROLE_LABELS[me.staff.role] ?? me.staff.role;
  return (
    <div className="nhsuk-grid-row">
      <div className="nhsuk-grid-column-two-thirds">
        <h1>You do not have access to this page</h1>
        <p id="no-access-role">
          Your role, {role.toLowerCase()}, does not include this page. If you need it for your work, ask an
          admin at your practice.
        </p>
        <p>
          <Link href="/">Go to the Clinic Connect home page</Link>
        </p>
      </div>
    </div>
  );
}
