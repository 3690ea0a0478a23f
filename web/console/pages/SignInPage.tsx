import { useState } from 'react';
import type { SignedOutReason } from '../auth/auth-service';
import { ErrorSummary } from '../components/ErrorSummary';
import { NotificationBanner } from '../components/NotificationBanner';
import { useServices } from '../services';

function ReasonMessage({
  reason,
  idleMinutes,
}: {
  reason: SignedOutReason | undefined;
  idleMinutes: number;
}) {
  switch (reason) {
    case 'idle':
      return (
        <NotificationBanner id="signed-out-message">
          <p className="nhsuk-notification-banner__heading">
            You were signed out because you had not used Clinic Connect for {idleMinutes} minutes.
          </p>
          <p>Sign in again to continue.</p>
        </NotificationBanner>
      );
    case 'expired':
      return (
        <NotificationBanner id="signed-out-message">
          <p className="nhsuk-notification-banner__heading">Your session has ended.</p>
          <p>Sign in again to continue.</p>
        </NotificationBanner>
      );
    case 'signed-out':
      return (
        <NotificationBanner id="signed-out-message" success title="Success">
          <p className="nhsuk-notification-banner__heading">You have signed out.</p>
        </NotificationBanner>
      );
    default:
      return null;
  }
}

/** What a signed-out person sees at any console address: what this is, and a way in. */
export function SignInPage({ reason, idleMinutes }: { reason?: SignedOutReason; idleMinutes: number }) {
  const { auth } = useServices();
  const [failed, setFailed] = useState(reason === 'sign-in-failed');
  const [busy, setBusy] = useState(false);

  function signIn() {
    setBusy(true);
    auth.signIn().catch(() => {
      setBusy(false);
      setFailed(true);
    });
  }

  return (
    <div className="nhsuk-grid-row">
      <div className="nhsuk-grid-column-two-thirds">
        {failed ? (
          <ErrorSummary
            errors={[{ text: 'We could not sign you in. Try again, or contact your practice manager.' }]}
          />
        ) : (
          <ReasonMessage reason={reason} idleMinutes={idleMinutes} />
        )}
        <h1>Sign in to Clinic Connect</h1>
        <p id="sign-in-what">
          Clinic Connect is for staff at GP practices. Use it to find a patient by their NHS number and date
          of birth in the NHS Personal Demographics Service.
        </p>
        <p>To sign in you need:</p>
        <ul>
          <li>your work email address and password</li>
          <li>the authenticator app on your phone, for a 6-digit security code</li>
        </ul>
        <p>Your practice must have approved your account before you can use Clinic Connect.</p>
        <p id="sign-in-new-account">
          New to Clinic Connect? Choose ‘Create an account’ on the sign-in page, then you’ll be asked for your
          practice’s ODS code.
        </p>
        <p id="sign-in-recovery">
          Forgot your password? Choose ‘Forgot your password?’ on the sign-in page. Lost your authenticator
          app? Ask an admin at your practice to reset it.
        </p>
        <button className="nhsuk-button" id="sign-in" type="button" onClick={signIn} disabled={busy}>
          Sign in
        </button>
        <div className="nhsuk-inset-text">
          <span className="nhsuk-u-visually-hidden">Information: </span>
          <p>Patient details are never stored on this device.</p>
        </div>
      </div>
    </div>
  );
}
