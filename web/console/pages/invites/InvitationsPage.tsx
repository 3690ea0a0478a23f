import { useCallback, useEffect, useState } from 'react';
import { INVITE_STATUS_COLOURS, INVITE_STATUS_LABELS, type InviteList } from '../../../shared/invites';
import { ApiError } from '../../api/client';
import { Tag } from '../../components/Tag';
import { Link } from '../../router/router';
import { useServices } from '../../services';
import { FIND_PATIENT_PATH } from '../patients/FindPatientPage';
import { timeInLondon } from './invite-format';
import { usePolling } from './use-polling';

/** Today's invitations of the practice, newest first, with their status and what to do about failures. */
export function InvitationsPage() {
  const { api } = useServices();
  const [list, setList] = useState<InviteList>();
  const [error, setError] = useState<string>();

  const load = useCallback(async () => {
    try {
      setList(await api.get<InviteList>('/invites'));
      setError(undefined);
    } catch (problem) {
      setError(problem instanceof ApiError ? problem.detail : 'Something went wrong. Try again.');
    }
  }, [api]);
  useEffect(() => void load(), [load]);
  usePolling(load, 5_000, true);

  return (
    <>
      <h1>Invitations today</h1>
      <p>
        Every invitation your practice has sent today. The list keeps itself up to date.{' '}
        <Link href={FIND_PATIENT_PATH}>Find a patient to invite</Link>
      </p>
      {error && (
        <p className="nhsuk-error-message" id="invitations-error">
          <span className="nhsuk-u-visually-hidden">Error:</span> {error}
        </p>
      )}
      {!list && !error && <p>Loading…</p>}
      {list && list.invites.length === 0 && (
        <p id="invitations-empty">No invitations have been sent today.</p>
      )}
      {list && list.invites.length > 0 && (
        <table className="nhsuk-table" id="invitations">
          <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">Today’s invitations</caption>
          <thead className="nhsuk-table__head">
            <tr className="nhsuk-table__row">
              <th className="nhsuk-table__header" scope="col">
                Time
              </th>
              <th className="nhsuk-table__header" scope="col">
                Patient
              </th>
              <th className="nhsuk-table__header" scope="col">
                Sent by
              </th>
              <th className="nhsuk-table__header" scope="col">
                Status
              </th>
            </tr>
          </thead>
          <tbody className="nhsuk-table__body">
            {list.invites.map((invite) => (
              <tr className="nhsuk-table__row" key={invite.inviteId} data-invite-id={invite.inviteId}>
                <td className="nhsuk-table__cell">{timeInLondon(new Date(invite.createdAt))}</td>
                <td className="nhsuk-table__cell">
                  <Link href={`/invites/${encodeURIComponent(invite.inviteId)}`}>{invite.patient.name}</Link>
                  <br />
                  <span className="nhsuk-body-s">Mobile ending …{invite.patient.mobileEnding}</span>
                </td>
                <td className="nhsuk-table__cell">{invite.createdBy.name}</td>
                <td className="nhsuk-table__cell">
                  <Tag colour={INVITE_STATUS_COLOURS[invite.status]}>
                    {INVITE_STATUS_LABELS[invite.status]}
                  </Tag>
                  {invite.whatToDo && <p className="nhsuk-body-s nhsuk-u-margin-top-2">{invite.whatToDo}</p>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
