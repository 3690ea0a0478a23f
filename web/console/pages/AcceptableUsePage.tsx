import { type FormEvent, useCallback, useEffect, useState } from 'react';
import type { AcceptableUsePolicy, AcceptanceRequest } from '../../shared/account';
import { ApiError } from '../api/client';
import { ErrorSummary, type ErrorSummaryItem } from '../components/ErrorSummary';
import { SingleCheckbox } from '../components/FormFields';
import { NotificationBanner } from '../components/NotificationBanner';
import { useMe } from '../me';
import { useServices } from '../services';

const CHECKBOX_ID = 'aup-accept';
const NOT_CHECKED = 'Confirm you have read and accept the acceptable use policy';

function detailOf(error: unknown): string {
  return error instanceof ApiError ? error.detail : 'Something went wrong. Try again.';
}

/** Before anything else in the console: read the acceptable-use policy and accept it (R3). */
export function AcceptableUsePage() {
  const { api } = useServices();
  const { reload } = useMe();
  const [policy, setPolicy] = useState<AcceptableUsePolicy>();
  const [loadError, setLoadError] = useState<string>();
  const [accepted, setAccepted] = useState(false);
  const [errors, setErrors] = useState<ErrorSummaryItem[]>();
  const [changed, setChanged] = useState(0);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    setLoadError(undefined);
    try {
      setPolicy(await api.get<AcceptableUsePolicy>('/acceptable-use-policy'));
    } catch (error) {
      setLoadError(detailOf(error));
    }
  }, [api]);

  useEffect(() => void load(), [load]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!policy || busy) return;
    if (!accepted) {
      setErrors([{ text: NOT_CHECKED, href: `#${CHECKBOX_ID}` }]);
      return;
    }
    setErrors(undefined);
    setBusy(true);
    try {
      const body: AcceptanceRequest = { version: policy.version };
      await api.post('/acceptable-use-policy/acceptances', body);
      await reload();
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        // A newer version came out while this page was open: show it, to be read and accepted afresh.
        setAccepted(false);
        await load();
        setChanged((count) => count + 1);
      } else {
        setErrors([{ text: detailOf(error) }]);
      }
    } finally {
      setBusy(false);
    }
  }

  const checkboxError = errors?.find((error) => error.href === `#${CHECKBOX_ID}`)?.text;
  return (
    <div className="nhsuk-grid-row">
      <div className="nhsuk-grid-column-two-thirds">
        {errors && <ErrorSummary errors={errors} />}
        {changed > 0 && !errors && (
          <NotificationBanner id="aup-changed" key={changed} focus>
            <p className="nhsuk-notification-banner__heading">The acceptable use policy has just changed.</p>
            <p>Read the new version below and accept it to continue.</p>
          </NotificationBanner>
        )}
        <h1 id="aup-title">{policy?.title ?? 'Acceptable use policy'}</h1>
        {!policy && !loadError && <p role="status">Loading the policy…</p>}
        {loadError && (
          <>
            <p id="aup-load-error">{loadError}</p>
            <button className="nhsuk-button" id="aup-retry" type="button" onClick={() => void load()}>
              Try again
            </button>
          </>
        )}
        {policy && (
          <>
            <p>Before you use Clinic Connect, read this policy and confirm you accept it.</p>
            <ul className="nhsuk-list nhsuk-list--bullet" id="aup-points">
              {policy.points.map((point) => (
                <li key={point}>{point}</li>
              ))}
            </ul>
            <p className="nhsuk-body-s">
              Version <span id="aup-version">{policy.version}</span>
            </p>
            <form id="aup-form" noValidate onSubmit={(event) => void submit(event)}>
              <SingleCheckbox
                id={CHECKBOX_ID}
                label="I have read and accept the acceptable use policy"
                checked={accepted}
                onChange={setAccepted}
                error={checkboxError}
              />
              <button className="nhsuk-button" id="aup-submit" type="submit">
                Accept and continue
              </button>
            </form>
          </>
        )}
      </div>
    </div>
  );
}
