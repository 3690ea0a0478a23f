import { waitedText } from '../../../layers/universal/consultation-status';
import type { ConsultationList } from '../../shared/consultations';
import { useLoadedMe } from '../me';
import { Link } from '../router/router';
import { useServices } from '../services';
import { usePolling } from './use-polling';

/** How often every console page asks who is waiting. */
export const WAITING_POLL_MS = 5_000;

/**
 * On every page, for staff who invite or host: who is in the waiting room and for how long, linked to the
 * consultation. Names only for staff (the same names the invite list shows); nothing is kept in the browser.
 */
export function WaitingBadge() {
  const me = useLoadedMe();
  const { api } = useServices();
  const active = me.permissions.includes('patients.invite');
  const { data } = usePolling(
    (signal) => api.get<ConsultationList>('/consultations', { signal }),
    WAITING_POLL_MS,
    active,
  );
  const waiting = data?.waiting ?? [];
  if (!active || waiting.length === 0) return null;
  const [first] = waiting;
  if (!first) return null;
  const label =
    waiting.length === 1
      ? `${first.patientName ?? 'A patient'} is waiting (${waitedText(first.waitedSeconds)})`
      : `${waiting.length} patients waiting (longest ${waitedText(first.waitedSeconds)})`;
  return (
    <div className="cc-waiting-badge" id="waiting-badge">
      <div className="nhsuk-width-container">
        <Link href={`/consultations/${first.consultationId}`} id="waiting-badge-link">
          <strong className="nhsuk-tag nhsuk-tag--yellow">Waiting room</strong> {label}
        </Link>
      </div>
    </div>
  );
}
