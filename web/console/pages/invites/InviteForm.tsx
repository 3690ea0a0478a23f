import { type FormEvent, useMemo, useRef, useState } from 'react';
import type { InviteDetail, SmsStatus } from '../../../shared/invites';
import { PROBLEM } from '../../../shared/me';
import { ApiError } from '../../api/client';
import { ErrorSummary, type ErrorSummaryItem } from '../../components/ErrorSummary';
import { SingleCheckbox, Textarea } from '../../components/FormFields';
import { useLoadedMe } from '../../me';
import { navigate } from '../../router/router';
import { useServices } from '../../services';
import { invitePreview, textMessages } from './invite-preview';

export const INVITE_FIELD_IDS = { message: 'invite-message', confirm: 'invite-confirm' } as const;

/**
 * "Invite to video consultation", on a lookup's result: the clinician's optional message, the exact text the
 * patient will get with its length and number of texts, the acceptable-use warnings to confirm, and one
 * button. The number is never shown or typed: the API reads it from the lookup. Each send carries an
 * `Idempotency-Key`, kept while the request is the same, so a retried click never sends twice.
 */
export function InviteForm({ lookupId }: { lookupId: string }) {
  const { api } = useServices();
  const me = useLoadedMe();
  const [message, setMessage] = useState('');
  const [confirmed, setConfirmed] = useState(false);
  const [errors, setErrors] = useState<ErrorSummaryItem[]>([]);
  const [fieldError, setFieldError] = useState<string>();
  const [confirmError, setConfirmError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [errorKey, setErrorKey] = useState(0);
  const key = useRef<{ request: string; key: string }>(undefined);

  const preview = useMemo(
    () => invitePreview(me.practice.name, window.location.origin, message),
    [me.practice.name, message],
  );

  function idempotencyKey(request: string): string {
    if (key.current?.request !== request) key.current = { request, key: crypto.randomUUID() };
    return key.current.key;
  }

  function show(summary: ErrorSummaryItem[], field?: string, confirm?: string) {
    setErrors(summary);
    setFieldError(field);
    setConfirmError(confirm);
    setErrorKey((n) => n + 1);
  }

  async function send(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    if (preview.problems.length > 0) {
      show(
        preview.problems.map((text) => ({ text, href: `#${INVITE_FIELD_IDS.message}` })),
        preview.problems[0],
      );
      return;
    }
    if (preview.warnings.length > 0 && !confirmed) {
      const text = 'Confirm that your message is right to send to the patient, or change it';
      show([{ text, href: `#${INVITE_FIELD_IDS.confirm}` }], undefined, text);
      return;
    }
    const body = {
      lookupId,
      ...(message.trim() ? { message } : {}),
      ...(preview.warnings.length > 0 ? { confirmSensitiveContent: true } : {}),
    };
    setBusy(true);
    try {
      const invite = await api.post<InviteDetail>('/invites', body, {
        headers: { 'idempotency-key': idempotencyKey(JSON.stringify(body)) },
      });
      navigate(`/invites/${encodeURIComponent(invite.inviteId)}`);
    } catch (error) {
      const problem =
        error instanceof ApiError
          ? error
          : new ApiError({ title: 'Error', status: 0, detail: 'Something went wrong. Try again.' });
      const messageIssue = problem.issueFor('body.message');
      if (problem.type === PROBLEM.confirmSensitiveContent) {
        show(
          [
            {
              text: 'Confirm that your message is right to send to the patient, or change it',
              href: `#${INVITE_FIELD_IDS.confirm}`,
            },
          ],
          undefined,
          'Confirm that your message is right to send to the patient, or change it',
        );
      } else if (messageIssue) {
        show([{ text: messageIssue, href: `#${INVITE_FIELD_IDS.message}` }], messageIssue);
      } else {
        show([{ text: problem.detail }]);
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <form id="invite-form" noValidate onSubmit={(event) => void send(event)}>
      {errors.length > 0 && <ErrorSummary key={errorKey} errors={errors} />}
      <h3>Invite to video consultation</h3>
      <p>
        The patient gets a text with a link and a 6-digit code to join. You will not see their number, and
        they will not see yours.
      </p>
      <Textarea
        id={INVITE_FIELD_IDS.message}
        label="Message to the patient (optional)"
        hint="For example, when you will call. Do not include the reason for the appointment, test results, their NHS number or date of birth."
        error={fieldError}
        value={message}
        onChange={(value) => {
          setMessage(value);
          setConfirmed(false);
        }}
        counter={
          <>
            {preview.characters} characters: {textMessages(preview.segments)}
            {preview.encoding === 'UCS-2' && (
              <> (these characters make each text shorter: {preview.specialCharacters.join(' ')})</>
            )}
          </>
        }
      />
      <h4>The text the patient will get</h4>
      <div className="cc-sms-preview" id="invite-preview">
        {preview.text}
      </div>
      <p className="nhsuk-body-s">The link and the code are made when you send the invitation.</p>
      {preview.warnings.length > 0 && (
        <div className="nhsuk-warning-callout" id="invite-warnings">
          <h4 className="nhsuk-warning-callout__label">
            <span className="nhsuk-u-visually-hidden">Important: </span>Check your message
          </h4>
          <ul>
            {preview.warnings.map((warning) => (
              <li key={warning}>{warning}</li>
            ))}
          </ul>
          <SingleCheckbox
            id={INVITE_FIELD_IDS.confirm}
            label="I have checked the message: it is right to send to the patient"
            error={confirmError}
            checked={confirmed}
            onChange={setConfirmed}
          />
        </div>
      )}
      <button className="nhsuk-button" id="invite-submit" type="submit" disabled={busy}>
        {busy ? 'Sending…' : 'Send invitation'}
      </button>
    </form>
  );
}

/** What the lookup card says about texting the patient, and the opt-out and opt-in a member can record. */
export function SmsPreference({
  lookupId,
  sms,
  onChange,
}: {
  lookupId: string;
  sms: SmsStatus;
  onChange: (sms: SmsStatus) => void;
}) {
  const { api } = useServices();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  async function record(path: '/sms-opt-outs' | '/sms-opt-ins') {
    setBusy(true);
    setError(undefined);
    try {
      onChange(await api.post<SmsStatus>(path, { lookupId }));
    } catch (problem) {
      setError(problem instanceof ApiError ? problem.detail : 'Something went wrong. Try again.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <div id="sms-preference">
      {error && (
        <p className="nhsuk-error-message" id="sms-preference-error">
          <span className="nhsuk-u-visually-hidden">Error:</span> {error}
        </p>
      )}
      {sms.optedOut ? (
        <>
          <div className="nhsuk-inset-text" id="sms-opted-out">
            <span className="nhsuk-u-visually-hidden">Information: </span>
            <p>This patient has asked not to receive texts from the practice. Contact them another way.</p>
          </div>
          <button
            className="nhsuk-button nhsuk-button--secondary"
            id="sms-opt-in"
            type="button"
            disabled={busy}
            onClick={() => void record('/sms-opt-ins')}
          >
            The patient wants texts again
          </button>
        </>
      ) : (
        sms.textable && (
          <button
            className="nhsuk-button nhsuk-button--secondary"
            id="sms-opt-out"
            type="button"
            disabled={busy}
            onClick={() => void record('/sms-opt-outs')}
          >
            The patient does not want texts
          </button>
        )
      )}
    </div>
  );
}
