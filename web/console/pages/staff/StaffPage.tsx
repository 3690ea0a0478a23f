import { useCallback, useEffect, useState } from 'react';
import type { StaffListResponse, StaffMember, StaffUpdate } from '../../../shared/account';
import type { StaffRole } from '../../../shared/me';
import { ApiError } from '../../api/client';
import { ErrorSummary } from '../../components/ErrorSummary';
import { NotificationBanner } from '../../components/NotificationBanner';
import { useLoadedMe } from '../../me';
import { useServices } from '../../services';
import { ChangeRoleForm } from './ChangeRoleForm';
import { ConfirmStaffChange } from './ConfirmStaffChange';
import { StaffTables } from './StaffTables';
import {
  actionButtonId,
  approvedMessage,
  RESET_AUTHENTICATOR,
  roleChangedMessage,
  STATUS_CHANGES,
  type StaffAction,
  type StatusChange,
} from './staff-changes';

type ListState =
  | { status: 'loading' }
  | { status: 'error'; error: ApiError }
  | { status: 'loaded'; staff: StaffMember[] };

/** Which step shows: the tables, an "are you sure", or a role form (a new role, or approval with one). */
type Step =
  | { kind: 'list' }
  | { kind: 'confirm'; change: StatusChange; member: StaffMember }
  | { kind: 'reset'; member: StaffMember }
  | { kind: 'role'; member: StaffMember }
  | { kind: 'approve'; member: StaffMember };

interface Outcome {
  /** Bumped per outcome so the banner or summary remounts and takes focus again. */
  key: number;
  success?: string;
  error?: string;
}

function apiError(error: unknown): ApiError {
  return error instanceof ApiError
    ? error
    : new ApiError({ title: 'Error', status: 0, detail: 'Something went wrong. Try again.' });
}

/** Practice admins approve people who asked to join, and suspend, reinstate or change the role of staff. */
export function StaffPage() {
  const { api } = useServices();
  const me = useLoadedMe();
  const [list, setList] = useState<ListState>({ status: 'loading' });
  const [step, setStep] = useState<Step>({ kind: 'list' });
  const [outcome, setOutcome] = useState<Outcome>();
  const [busy, setBusy] = useState(false);
  /** The button to give focus back to when a step is cancelled. */
  const [returnFocusTo, setReturnFocusTo] = useState<string>();

  const load = useCallback(async () => {
    try {
      const response = await api.get<StaffListResponse>('/staff');
      setList({ status: 'loaded', staff: response.staff });
    } catch (error) {
      setList({ status: 'error', error: apiError(error) });
    }
  }, [api]);

  useEffect(() => void load(), [load]);

  useEffect(() => {
    if (step.kind !== 'list' || !returnFocusTo) return;
    document.getElementById(returnFocusTo)?.focus();
    setReturnFocusTo(undefined);
  }, [step, returnFocusTo]);

  async function update(member: StaffMember, body: StaffUpdate | 'reset-authenticator', success: string) {
    if (busy) return;
    setBusy(true);
    const path = `/staff/${encodeURIComponent(member.id)}`;
    try {
      const updated =
        body === 'reset-authenticator'
          ? await api.post<StaffMember>(`${path}/authenticator-reset`, undefined)
          : await api.patch<StaffMember>(path, body);
      setList((current) =>
        current.status === 'loaded'
          ? { status: 'loaded', staff: current.staff.map((m) => (m.id === updated.id ? updated : m)) }
          : current,
      );
      setOutcome((previous) => ({ key: (previous?.key ?? 0) + 1, success }));
    } catch (error) {
      setOutcome((previous) => ({ key: (previous?.key ?? 0) + 1, error: apiError(error).detail }));
      // Someone else may have changed this member: show them as they are now.
      void load();
    } finally {
      setBusy(false);
      setStep({ kind: 'list' });
    }
  }

  function changeStatus(change: StatusChange, member: StaffMember) {
    const { status, done } = STATUS_CHANGES[change];
    void update(member, { status }, done(member.name));
  }

  function onAction(action: StaffAction, member: StaffMember) {
    setOutcome(undefined);
    if (action === 'change-role') {
      setStep({ kind: 'role', member });
    } else if (action === 'approve') {
      setStep({ kind: 'approve', member });
    } else if (action === 'reset-authenticator') {
      setStep({ kind: 'reset', member });
    } else if (STATUS_CHANGES[action].confirm) {
      setStep({ kind: 'confirm', change: action, member });
    } else {
      changeStatus(action, member);
    }
  }

  function cancel(action: StaffAction, member: StaffMember) {
    setReturnFocusTo(actionButtonId(action, member));
    setStep({ kind: 'list' });
  }

  if (step.kind === 'confirm') {
    const { change, member } = step;
    const text = STATUS_CHANGES[change].confirm;
    if (text) {
      return (
        <ConfirmStaffChange
          member={member}
          text={text}
          busy={busy}
          onConfirm={() => changeStatus(change, member)}
          onCancel={() => cancel(change, member)}
        />
      );
    }
  }
  if (step.kind === 'reset') {
    const { member } = step;
    return (
      <ConfirmStaffChange
        member={member}
        text={RESET_AUTHENTICATOR}
        busy={busy}
        onConfirm={() => void update(member, 'reset-authenticator', RESET_AUTHENTICATOR.done(member.name))}
        onCancel={() => cancel('reset-authenticator', member)}
      />
    );
  }
  if (step.kind === 'role') {
    const { member } = step;
    return (
      <ChangeRoleForm
        member={member}
        busy={busy}
        onSave={(role: StaffRole) => void update(member, { role }, roleChangedMessage(member.name, role))}
        onCancel={() => cancel('change-role', member)}
      />
    );
  }
  if (step.kind === 'approve') {
    const { member } = step;
    return (
      <ChangeRoleForm
        member={member}
        mode="approve"
        busy={busy}
        onSave={(role: StaffRole) =>
          void update(member, { status: 'active', role }, approvedMessage(member.name, role))
        }
        onCancel={() => cancel('approve', member)}
      />
    );
  }

  return (
    <div className="nhsuk-grid-row">
      <div className="nhsuk-grid-column-full">
        {outcome?.error && <ErrorSummary key={outcome.key} errors={[{ text: outcome.error }]} />}
        {outcome?.success && (
          <NotificationBanner id="staff-success" key={outcome.key} success title="Success">
            <p className="nhsuk-notification-banner__heading" id="staff-success-message">
              {outcome.success}
            </p>
          </NotificationBanner>
        )}
        <h1>
          <span className="nhsuk-caption-l">{me.practice.name}</span>
          Staff
        </h1>
        <p>
          Approve people who have asked to join your practice, and choose their role, before they can use
          Clinic Connect. You can suspend someone who should no longer have access, and reinstate them later.
          If someone loses their authenticator app, reset it: they set up a new one when they next sign in.
        </p>
        {list.status === 'loading' && <p role="status">Loading staff…</p>}
        {list.status === 'error' && (
          <div className="nhsuk-card nhsuk-card--warning" id="staff-load-error">
            <div className="nhsuk-card__content">
              <h2 className="nhsuk-card__heading">
                <span className="nhsuk-u-visually-hidden">Important: </span>
                We could not load your practice’s staff
              </h2>
              <p>{list.error.detail}</p>
              <button
                className="nhsuk-button nhsuk-button--secondary"
                type="button"
                onClick={() => void load()}
              >
                Try again
              </button>
            </div>
          </div>
        )}
        {list.status === 'loaded' && (
          <StaffTables staff={list.staff} ownEmail={me.staff.email} onAction={onAction} />
        )}
      </div>
    </div>
  );
}
