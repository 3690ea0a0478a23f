import { useCallback, useEffect, useState } from 'react';
import type { HeldMessage, HeldMessageList } from '../../../shared/invites';
import { STAFF_ROLE_LABELS, type StaffRole } from '../../../shared/me';
import { ApiError } from '../../api/client';
import { ErrorSummary } from '../../components/ErrorSummary';
import { NotificationBanner } from '../../components/NotificationBanner';
import { useServices } from '../../services';
import { when } from './invite-format';

export const HELD_MESSAGES_PATH = '/held-messages';

/**
 * The clinical lead's review queue (R7): messages the abuse scanner held back, with who wrote them, when, the
 * text and why. Releasing sends the invitation now; rejecting sends nothing and tells the author. A message of
 * one's own is for another clinical lead.
 */
export function HeldMessagesPage() {
  const { api } = useServices();
  const [messages, setMessages] = useState<HeldMessage[]>();
  const [error, setError] = useState<string>();
  const [outcome, setOutcome] = useState<{ key: number; text: string }>();
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      setMessages((await api.get<HeldMessageList>('/held-messages')).messages);
    } catch (problem) {
      setError(problem instanceof ApiError ? problem.detail : 'Something went wrong. Try again.');
    }
  }, [api]);
  useEffect(() => void load(), [load]);

  async function decide(message: HeldMessage, decision: 'release' | 'reject') {
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await api.post(`/held-messages/${encodeURIComponent(message.inviteId)}/${decision}`, undefined);
      setOutcome((current) => ({
        key: (current?.key ?? 0) + 1,
        text:
          decision === 'release'
            ? `The message from ${message.createdBy.name} was released and is being sent.`
            : `The message from ${message.createdBy.name} was rejected: nothing was sent, and they can see why.`,
      }));
      await load();
    } catch (problem) {
      setError(problem instanceof ApiError ? problem.detail : 'Something went wrong. Try again.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      {error && <ErrorSummary errors={[{ text: error }]} />}
      {outcome && (
        <NotificationBanner success title="Done" key={outcome.key}>
          <p className="nhsuk-notification-banner__heading" id="held-outcome">
            {outcome.text}
          </p>
        </NotificationBanner>
      )}
      <h1>Messages held for review</h1>
      <p>
        These invitations were not sent because the message looked abusive. Read each one: release it if it is
        fine to send, or reject it.
      </p>
      {!messages && !error && <p>Loading…</p>}
      {messages && messages.length === 0 && <p id="held-empty">There are no messages waiting for review.</p>}
      {messages?.map((message) => (
        <div className="nhsuk-card" key={message.inviteId} data-invite-id={message.inviteId}>
          <div className="nhsuk-card__content">
            <h2 className="nhsuk-card__heading">
              From {message.createdBy.name}
              {message.createdBy.role && `, ${STAFF_ROLE_LABELS[message.createdBy.role as StaffRole] ?? ''}`}
            </h2>
            <p className="nhsuk-body-s">Written {when(message.heldAt)}</p>
            <div className="cc-sms-preview">{message.text}</div>
            <p>Flagged for: {message.reasons.join('; ')}</p>
            {message.ownMessage ? (
              <p>You wrote this message: another clinical lead must review it.</p>
            ) : (
              <div className="nhsuk-button-group">
                <button
                  className="nhsuk-button"
                  type="button"
                  disabled={busy}
                  data-action="release"
                  onClick={() => void decide(message, 'release')}
                >
                  Release and send
                </button>
                <button
                  className="nhsuk-button nhsuk-button--warning"
                  type="button"
                  disabled={busy}
                  data-action="reject"
                  onClick={() => void decide(message, 'reject')}
                >
                  Reject
                </button>
              </div>
            )}
          </div>
        </div>
      ))}
    </>
  );
}
