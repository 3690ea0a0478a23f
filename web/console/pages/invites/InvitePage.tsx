import { useCallback, useEffect, useState } from 'react';
import {
  INVITE_STATUS_COLOURS,
  INVITE_STATUS_LABELS,
  type InviteDetail,
  SETTLED_STATUSES,
} from '../../../shared/invites';
import { ApiError } from '../../api/client';
import { ErrorSummary } from '../../components/ErrorSummary';
import { NotificationBanner } from '../../components/NotificationBanner';
import { Tag } from '../../components/Tag';
import { Link, navigate, type RouteParams } from '../../router/router';
import { useServices } from '../../services';
import { when } from './invite-format';
import { usePolling } from './use-polling';

export const INVITATIONS_PATH = '/invites';

type State =
  | { status: 'loading' }
  | { status: 'error'; error: ApiError }
  | { status: 'loaded'; invite: InviteDetail };

function apiError(error: unknown): ApiError {
  return error instanceof ApiError
    ? error
    : new ApiError({ title: 'Error', status: 0, detail: 'Something went wrong. Try again.' });
}

/**
 * One invitation: its status in a word and a sentence, what to do if it went wrong, and its timeline (made,
 * queued, sent, delivered; next the patient's own steps), refreshed every few seconds until nothing more can
 * happen to it. Cancel and re-send are one click each.
 */
export function InvitePage({ params }: { params: RouteParams }) {
  const { api } = useServices();
  const inviteId = params.inviteId ?? '';
  const [state, setState] = useState<State>({ status: 'loading' });
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string>();
  const [done, setDone] = useState<string>();

  const load = useCallback(async () => {
    try {
      const invite = await api.get<InviteDetail>(`/invites/${encodeURIComponent(inviteId)}`);
      setState({ status: 'loaded', invite });
    } catch (error) {
      setState((current) =>
        current.status === 'loaded' ? current : { status: 'error', error: apiError(error) },
      );
    }
  }, [api, inviteId]);

  useEffect(() => void load(), [load]);
  // A delivered text is where the patient's own journey starts (link opened, code, device check, waiting,
  // the call): keep following it while the link can still be used.
  const settled =
    state.status === 'loaded' &&
    SETTLED_STATUSES.has(state.invite.status) &&
    !(
      state.invite.status === 'delivered' &&
      !state.invite.timeline.some((e) => e.event === 'consultation-ended')
    );
  usePolling(load, 2_000, state.status === 'loaded' && !settled);

  async function act(action: 'cancel' | 'resend') {
    if (busy || state.status !== 'loaded') return;
    setBusy(true);
    setActionError(undefined);
    try {
      const path = `/invites/${encodeURIComponent(inviteId)}/${action}`;
      if (action === 'cancel') {
        setState({ status: 'loaded', invite: await api.post<InviteDetail>(path, undefined) });
        setDone('The invitation was cancelled. Its link and code no longer work.');
      } else {
        const next = await api.post<InviteDetail>(path, undefined, {
          headers: { 'idempotency-key': crypto.randomUUID() },
        });
        navigate(`/invites/${encodeURIComponent(next.inviteId)}`);
      }
    } catch (error) {
      setActionError(apiError(error).detail);
    } finally {
      setBusy(false);
    }
  }

  if (state.status === 'loading') return <p>Loading…</p>;
  if (state.status === 'error') {
    return (
      <>
        <h1>Invitation</h1>
        <p id="invite-error">
          {state.error.status === 404 ? 'There is no such invitation in your practice.' : state.error.detail}
        </p>
        <p>
          <Link href={INVITATIONS_PATH}>See today’s invitations</Link>
        </p>
      </>
    );
  }
  const { invite } = state;
  return (
    <div className="nhsuk-grid-row">
      <div className="nhsuk-grid-column-two-thirds">
        {actionError && <ErrorSummary errors={[{ text: actionError }]} />}
        {done && (
          <NotificationBanner success title="Done" key={done}>
            <p className="nhsuk-notification-banner__heading">{done}</p>
          </NotificationBanner>
        )}
        <h1>
          <span className="nhsuk-caption-l">Invitation to a video consultation</span>
          <span id="invite-patient">{invite.patient.name}</span>
        </h1>
        <p>
          <Tag colour={INVITE_STATUS_COLOURS[invite.status]} id="invite-status">
            {INVITE_STATUS_LABELS[invite.status]}
          </Tag>
        </p>
        {/* Announced as it changes: the page refreshes it without a reload. */}
        <p id="invite-status-text" role="status">
          {invite.statusText}
        </p>
        {invite.whatToDo && (
          <div className="nhsuk-inset-text" id="invite-what-to-do">
            <span className="nhsuk-u-visually-hidden">What to do: </span>
            <p>{invite.whatToDo}</p>
          </div>
        )}
        <dl className="nhsuk-summary-list">
          <div className="nhsuk-summary-list__row">
            <dt className="nhsuk-summary-list__key">Mobile</dt>
            <dd className="nhsuk-summary-list__value">Ending …{invite.patient.mobileEnding}</dd>
          </div>
          <div className="nhsuk-summary-list__row">
            <dt className="nhsuk-summary-list__key">Sent by</dt>
            <dd className="nhsuk-summary-list__value">{invite.createdBy.name}</dd>
          </div>
          {invite.expiresAt && (
            <div className="nhsuk-summary-list__row">
              <dt className="nhsuk-summary-list__key">Link works until</dt>
              <dd className="nhsuk-summary-list__value" id="invite-expires">
                {when(invite.expiresAt)}
              </dd>
            </div>
          )}
          {invite.message && (
            <div className="nhsuk-summary-list__row">
              <dt className="nhsuk-summary-list__key">Your message</dt>
              <dd className="nhsuk-summary-list__value" id="invite-message-sent">
                {invite.message}
              </dd>
            </div>
          )}
          {invite.review && invite.review.reasons.length > 0 && (
            <div className="nhsuk-summary-list__row">
              <dt className="nhsuk-summary-list__key">Flagged for</dt>
              <dd className="nhsuk-summary-list__value">{invite.review.reasons.join(', ')}</dd>
            </div>
          )}
        </dl>
        <h2>What has happened</h2>
        <ol className="cc-timeline" id="invite-timeline">
          {invite.timeline.map((entry) => (
            <li key={`${entry.event}-${entry.at}`} data-event={entry.event}>
              <strong>{when(entry.at)}</strong>: {entry.text}
            </li>
          ))}
        </ol>
        {invite.timeline.some((entry) =>
          ['link-opened', 'code-accepted', 'waiting'].includes(entry.event),
        ) && (
          <p>
            <Link href={`/consultations/${encodeURIComponent(invite.inviteId)}`} id="invite-consultation">
              Open the video consultation
            </Link>
          </p>
        )}
        {invite.replacedBy && (
          <p>
            <Link href={`/invites/${encodeURIComponent(invite.replacedBy)}`} id="invite-replaced-by">
              See the invitation that replaced this one
            </Link>
          </p>
        )}
        <div className="nhsuk-button-group">
          {invite.actions.resend && (
            <button
              className="nhsuk-button"
              id="invite-resend"
              type="button"
              disabled={busy}
              onClick={() => void act('resend')}
            >
              Re-send with a new code
            </button>
          )}
          {invite.actions.cancel && (
            <button
              className="nhsuk-button nhsuk-button--warning"
              id="invite-cancel"
              type="button"
              disabled={busy}
              onClick={() => void act('cancel')}
            >
              Cancel invitation
            </button>
          )}
        </div>
        <p>
          <Link href={INVITATIONS_PATH} id="invite-all">
            See today’s invitations
          </Link>
        </p>
      </div>
    </div>
  );
}
