import { type FormEvent, useRef, useState } from 'react';
import type { StaffMember } from '../../../shared/account';
import { STAFF_ROLE_LABELS, STAFF_ROLES, type StaffRole } from '../../../shared/me';
import { ErrorSummary } from '../../components/ErrorSummary';
import { type RadioOption, Radios } from '../../components/FormFields';
import { useFocusOnMount, usePageTitle } from '../../components/focus';

const ROLE_HINTS: Record<StaffRole, string> = {
  practice_admin:
    'Approves and manages staff, changes practice settings and reads audit reports. No patient contact.',
  clinical_lead: 'Looks up and invites patients, holds video consultations and reads audit reports.',
  clinician: 'Looks up and invites patients and holds video consultations.',
  receptionist: 'Looks up and invites patients.',
  compliance_officer:
    'Reads audit reports and checks the audit trail’s integrity. No patient contact, no staff management.',
};

const OPTIONS: RadioOption<StaffRole>[] = STAFF_ROLES.map((role) => ({
  value: role,
  label: STAFF_ROLE_LABELS[role],
  hint: ROLE_HINTS[role],
}));

/** Choose a new role for an active member. */
export function ChangeRoleForm({
  member,
  busy,
  onSave,
  onCancel,
}: {
  member: StaffMember;
  busy: boolean;
  onSave: (role: StaffRole) => void;
  onCancel: () => void;
}) {
  const [role, setRole] = useState<StaffRole>(member.role);
  const [error, setError] = useState<string>();
  const title = `Change role for ${member.name}`;
  usePageTitle(title);
  const container = useRef<HTMLDivElement>(null);
  useFocusOnMount(container, 'h1');

  function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    if (role === member.role) {
      setError(`Choose a role other than ${STAFF_ROLE_LABELS[member.role].toLowerCase()}, or go back`);
      return;
    }
    onSave(role);
  }

  return (
    <div className="nhsuk-grid-row">
      <div className="nhsuk-grid-column-two-thirds" ref={container}>
        {error && <ErrorSummary errors={[{ text: error, href: `#role-${OPTIONS[0]?.value}` }]} />}
        <form id="change-role-form" noValidate onSubmit={submit}>
          <Radios
            id="role"
            legend={title}
            legendIsPageHeading
            hint={`${member.email} is currently a ${STAFF_ROLE_LABELS[member.role].toLowerCase()}.`}
            options={OPTIONS}
            value={role}
            onChange={setRole}
            error={error}
          />
          <div className="nhsuk-button-group">
            <button className="nhsuk-button" id="change-role-submit" type="submit">
              Save role
            </button>
            <button
              className="nhsuk-button nhsuk-button--secondary"
              id="change-role-cancel"
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
