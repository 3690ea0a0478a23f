import { useRef } from 'react';
import type { StaffMember } from '../../../shared/account';
import { useFocusOnMount, usePageTitle } from '../../components/focus';
import type { ConfirmText } from './staff-changes';

/** The "are you sure" step before a change that locks someone out (reject, suspend). */
export function ConfirmStaffChange({
  member,
  text,
  busy,
  onConfirm,
  onCancel,
}: {
  member: StaffMember;
  text: ConfirmText;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  const title = text.heading(member.name);
  useFocusOnMount(heading);
  usePageTitle(title);
  return (
    <div className="nhsuk-grid-row">
      <div className="nhsuk-grid-column-two-thirds">
        <h1 id="confirm-heading" ref={heading}>
          {title}
        </h1>
        <p id="confirm-member">
          {member.name} ({member.email})
        </p>
        <div className="nhsuk-warning-callout">
          <h2 className="nhsuk-warning-callout__label">Important</h2>
          <p>{text.body}</p>
        </div>
        <div className="nhsuk-button-group">
          <button
            className="nhsuk-button nhsuk-button--warning"
            id="confirm-change"
            type="button"
            onClick={() => busy || onConfirm()}
          >
            {text.button}
          </button>
          <button
            className="nhsuk-button nhsuk-button--secondary"
            id="confirm-cancel"
            type="button"
            onClick={onCancel}
          >
            No, go back
          </button>
        </div>
      </div>
    </div>
  );
}
