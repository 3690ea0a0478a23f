import { useState } from 'react';
import type { ApiError } from '../api/client';
import { useMe } from '../me';

/** `/api/me` failed for a reason that is nobody's account status: the network, a fault, a missing route. */
export function ServiceProblemPage({ error }: { error: ApiError }) {
  const { reload } = useMe();
  const [busy, setBusy] = useState(false);

  async function retry() {
    if (busy) return;
    setBusy(true);
    await reload();
    setBusy(false);
  }

  return (
    <div className="nhsuk-grid-row">
      <div className="nhsuk-grid-column-two-thirds" id="me-error">
        <h1>Sorry, there is a problem with the service</h1>
        <p>{error.status === 404 ? 'This part of Clinic Connect is not available yet.' : error.detail}</p>
        {error.requestId && (
          <p className="nhsuk-body-s">
            If you contact support, give them this reference:{' '}
            <span id="me-error-reference">{error.requestId}</span>
          </p>
        )}
        <button className="nhsuk-button" id="me-retry" type="button" onClick={() => void retry()}>
          Try again
        </button>
      </div>
    </div>
  );
}
