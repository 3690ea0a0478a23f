import { type FormEvent, useRef, useState } from 'react';
import type { StaffMember } from '../../../shared/account';
import { STAFF_ROLE_LABELS, STAFF_ROLES, type StaffRole } from '../../../shared/me';
import { ErrorSummary } from '../../components/ErrorSummary';
import { type RadioOption, Radios } from '../../components/FormFields';
import { useFocusOnMount, usePageTitle } from '../../components/focus';
import { roleSummary } from '../../features';

// What each role can do in Clinic Connect today, from the permissions: nothing not yet built is promised.
const OPTIONS: RadioOption<StaffRole>[] = STAFF_ROLES.map((role) => ({
  value: role,
  label: STAFF_ROLE_LABELS[role],
  hint: roleSummary(role),
}));

/**
 * Choose a role: for an active member, a new one (`change`); for someone waiting, the one they are approved
 * with (`approve`), in the same step as the approval.
 */
export function ChangeRoleForm({
  member,
  mode = 'change',
  busy,
  onSave,
  onCancel,
}: {
  member: StaffMember;
  mode?: 'change' | 'approve';
  busy: boolean;
  onSave: (role: StaffRole) => void;
  onCancel: () => void;
}) {
  const approving = mode === 'approve';
  const [role, setRole] = useState<StaffRole | undefined>(approving ? undefined : member.role);
  const [error, setError] = useState<string>();
  const title = approving ? `Approve ${member.name}` : `Change role for ${member.name}`;
  usePageTitle(title);
  const container = useRef<HTMLDivElement>(null);
  useFocusOnMount(container, 'h1');

  function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    if (!role) {
      setError(`Choose the role ${member.name} will have at your practice`);
      return;
    }
    if (!approving && role === member.role) {
      setError(`Choose a role other than ${STAFF_ROLE_LABELS[member.role].toLowerCase()}, or go back`);
      return;
    }
    onSave(role);
  }

  const formId = approving ? 'approve-form' : 'change-role-form';
  return (
    <div className="nhsuk-grid-row">
      <div className="nhsuk-grid-column-two-thirds" ref={container}>
        {error && <ErrorSummary errors={[{ text: error, href: `#role-${OPTIONS[0]?.value}` }]} />}
        <form id={formId} noValidate onSubmit={submit}>
          <Radios
            id="role"
            legend={title}
            legendIsPageHeading
            hint={
              approving
                ? `${member.email} has asked to join your practice. Choose their role: you can change it later.`
                : `${member.email} is currently a ${STAFF_ROLE_LABELS[member.role].toLowerCase()}.`
            }
            options={OPTIONS}
            value={role}
            onChange={setRole}
            error={error}
          />
          <div className="nhsuk-button-group">
            <button className="nhsuk-button" id={`${formId}-submit`} type="submit">
              {approving ? 'Approve' : 'Save role'}
            </button>
            <button
              className="nhsuk-button nhsuk-button--secondary"
              id={`${formId}-cancel`}
              type="button"
              onClick={onCancel}
            >
              Cancel
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
