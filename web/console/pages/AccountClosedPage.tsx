import { SignOutButton } from '../components/SignOutButton';

export const CLOSED_TITLES = {
  rejected: 'Account not approved',
  suspended: 'Account suspended',
} as const;

/** A member whose practice rejected or suspended them: say so plainly, and let them sign out. */
export function AccountClosedPage({ reason }: { reason: 'rejected' | 'suspended' }) {
  return (
    <div className="nhsuk-grid-row">
      <div className="nhsuk-grid-column-two-thirds">
        {reason === 'rejected' ? (
          <>
            <h1>Your practice has not approved your account</h1>
            <p>
              An admin at your practice turned down your request to join, so you cannot use Clinic Connect.
            </p>
          </>
        ) : (
          <>
            <h1>Your account has been suspended</h1>
            <p>An admin at your practice has suspended your account, so you cannot use Clinic Connect.</p>
          </>
        )}
        <p>If you think this is wrong, speak to your practice manager.</p>
        <SignOutButton id="account-closed-sign-out" />
      </div>
    </div>
  );
}
