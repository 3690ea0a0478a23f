import { useState } from 'react';
import { SignOutButton } from '../components/SignOutButton';
import { type RegisteredPractice, useMe } from '../me';

const TIME = new Intl.DateTimeFormat('en-GB', { hour: 'numeric', minute: '2-digit' });

/** Registered with a practice that has not approved the account yet. */
export function PendingApprovalPage({ practice }: { practice?: RegisteredPractice }) {
  const { recheck } = useMe();
  const [checking, setChecking] = useState(false);
  const [checkedAt, setCheckedAt] = useState<Date>();

  async function checkAgain() {
    if (checking) return;
    setChecking(true);
    // If the account has been approved the shell moves on; otherwise this page stays and says so.
    await recheck();
    setChecking(false);
    setCheckedAt(new Date());
  }

  return (
    <div className="nhsuk-grid-row">
      <div className="nhsuk-grid-column-two-thirds">
        <h1>Waiting for approval</h1>
        {practice && (
          <p id="pending-practice">
            You have asked to join <strong id="pending-practice-name">{practice.name}</strong> (ODS code{' '}
            {practice.odsCode}).
          </p>
        )}
        <p>
          An admin at your practice needs to approve your account before you can use Clinic Connect. Ask them
          to approve it, then check again.
        </p>
        <div aria-live="polite" id="pending-status">
          {checking && <p>Checking…</p>}
          {!checking && checkedAt && (
            <p>Your account is still waiting for approval (checked at {TIME.format(checkedAt)}).</p>
          )}
        </div>
        <div className="nhsuk-button-group">
          <button
            className="nhsuk-button"
            id="pending-check-again"
            type="button"
            onClick={() => void checkAgain()}
          >
            Check again
          </button>
          <SignOutButton id="pending-sign-out" />
        </div>
      </div>
    </div>
  );
}
