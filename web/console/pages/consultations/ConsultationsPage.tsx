import type { ConsultationList } from '../../../shared/consultations';
import { ApiError } from '../../api/client';
import { usePolling } from '../../components/use-polling';
import { Link } from '../../router/router';
import { useServices } from '../../services';
import { CONSULTATIONS_PATH } from './ConsultationPage';

/** Today's video consultations: who is waiting, who is in a call, what ended. Refreshed every few seconds. */
export function ConsultationsPage() {
  const { api } = useServices();
  const { data, error } = usePolling(
    (signal) => api.get<ConsultationList>('/consultations', { signal }),
    5_000,
  );
  return (
    <>
      <h1>Video consultations</h1>
      {!data && <p>{error instanceof ApiError ? error.detail : 'Loading…'}</p>}
      {data && data.consultations.length === 0 && (
        <p id="no-consultations">No video consultations today. Invite a patient from Find a patient.</p>
      )}
      {data && data.consultations.length > 0 && (
        <table className="nhsuk-table" id="consultations">
          <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">
            Today’s video consultations
          </caption>
          <thead className="nhsuk-table__head">
            <tr className="nhsuk-table__row">
              <th scope="col" className="nhsuk-table__header">
                Patient
              </th>
              <th scope="col" className="nhsuk-table__header">
                Status
              </th>
            </tr>
          </thead>
          <tbody className="nhsuk-table__body">
            {data.consultations.map((row) => (
              <tr className="nhsuk-table__row" key={row.consultationId}>
                <td className="nhsuk-table__cell">
                  <Link href={`${CONSULTATIONS_PATH}/${row.consultationId}`}>
                    {row.patientName ?? 'Patient'}
                  </Link>
                </td>
                <td className="nhsuk-table__cell">{row.statusText}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
