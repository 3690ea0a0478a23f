import type { StaffMember, StaffStatus } from '../../../shared/account';
import { STAFF_ROLE_LABELS } from '../../../shared/me';
import { Tag, type TagColour } from '../../components/Tag';
import {
  ACTION_LABELS,
  ACTIONS_BY_STATUS,
  actionButtonId,
  STATUS_LABELS,
  STATUS_ORDER,
  type StaffAction,
} from './staff-changes';

const GROUP_HEADINGS: Record<StaffStatus, string> = {
  pending: 'Waiting for approval',
  active: 'Active staff',
  suspended: 'Suspended',
  rejected: 'Rejected',
};

const STATUS_COLOURS: Record<StaffStatus, TagColour> = {
  pending: 'yellow',
  active: 'green',
  suspended: 'red',
  rejected: 'grey',
};

const BUTTON_CLASSES: Record<StaffAction, string> = {
  approve: 'nhsuk-button nhsuk-button--small',
  reject: 'nhsuk-button nhsuk-button--small nhsuk-button--secondary',
  suspend: 'nhsuk-button nhsuk-button--small nhsuk-button--secondary',
  reinstate: 'nhsuk-button nhsuk-button--small',
  'change-role': 'nhsuk-button nhsuk-button--small nhsuk-button--secondary',
  'reset-authenticator': 'nhsuk-button nhsuk-button--small nhsuk-button--secondary',
};

const COLUMNS = ['Name', 'Email', 'Role', 'Status', 'Actions'] as const;

/**
 * Where the table stacks into cards its elements are displayed as blocks, which strips their table
 * semantics in some browsers: NHS.UK's responsive table states them again, as these do.
 */
const ARIA = {
  table: { role: 'table' },
  rowgroup: { role: 'rowgroup' },
  row: { role: 'row' },
  columnheader: { role: 'columnheader' },
  rowheader: { role: 'rowheader' },
  cell: { role: 'cell' },
} as const;

/**
 * A cell's column name, shown beside its value where the table stacks into one card per member (narrow
 * screens, 200% zoom and more: NHS.UK's responsive table); hidden from screen readers, which have the header.
 */
function Heading({ column }: { column: (typeof COLUMNS)[number] }) {
  return (
    <span className="nhsuk-table__heading" aria-hidden="true">
      {column}{' '}
    </span>
  );
}

export interface StaffTablesProps {
  staff: readonly StaffMember[];
  /** The signed-in admin's email: their own row has no actions. */
  ownEmail: string;
  onAction: (action: StaffAction, member: StaffMember) => void;
}

function byName(a: StaffMember, b: StaffMember): number {
  return a.name.localeCompare(b.name, 'en-GB') || a.email.localeCompare(b.email);
}

function Actions({
  member,
  isYou,
  onAction,
}: {
  member: StaffMember;
  isYou: boolean;
  onAction: StaffTablesProps['onAction'];
}) {
  if (isYou) return <>Your account</>;
  const actions = ACTIONS_BY_STATUS[member.status];
  if (actions.length === 0) return <>None</>;
  return (
    <div className="nhsuk-button-group nhsuk-u-margin-bottom-0">
      {actions.map((action) => (
        <button
          key={action}
          className={BUTTON_CLASSES[action]}
          id={actionButtonId(action, member)}
          data-action={action}
          type="button"
          onClick={() => onAction(action, member)}
        >
          {ACTION_LABELS[action]}
          <span className="nhsuk-u-visually-hidden"> {member.name}</span>
        </button>
      ))}
    </div>
  );
}

function StaffTable({
  status,
  members,
  ownEmail,
  onAction,
}: { status: StaffStatus; members: StaffMember[] } & Omit<StaffTablesProps, 'staff'>) {
  const headingId = `staff-${status}-heading`;
  return (
    <>
      <h2 id={headingId}>
        {GROUP_HEADINGS[status]} (<span id={`staff-${status}-count`}>{members.length}</span>)
      </h2>
      <table
        className="nhsuk-table nhsuk-table--responsive staff-table"
        id={`staff-${status}`}
        aria-labelledby={headingId}
        {...ARIA.table}
      >
        <thead className="nhsuk-table__head" {...ARIA.rowgroup}>
          <tr className="nhsuk-table__row" {...ARIA.row}>
            {COLUMNS.map((column) => (
              <th className="nhsuk-table__header" scope="col" key={column} {...ARIA.columnheader}>
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="nhsuk-table__body">
          {members.map((member) => {
            const isYou = member.email.toLowerCase() === ownEmail.toLowerCase();
            return (
              <tr
                className="nhsuk-table__row"
                {...ARIA.row}
                key={member.id}
                id={`staff-row-${member.id}`}
                data-email={member.email}
                data-status={member.status}
              >
                <th className="nhsuk-table__header" scope="row" {...ARIA.rowheader}>
                  <Heading column="Name" />
                  <span>
                    {member.name}
                    {isYou && <> (you)</>}
                  </span>
                </th>
                <td className="nhsuk-table__cell" {...ARIA.cell}>
                  <Heading column="Email" />
                  <span>{member.email}</span>
                </td>
                <td className="nhsuk-table__cell" {...ARIA.cell} data-role={member.role}>
                  <Heading column="Role" />
                  <span>{STAFF_ROLE_LABELS[member.role] ?? member.role}</span>
                </td>
                <td className="nhsuk-table__cell" {...ARIA.cell}>
                  <Heading column="Status" />
                  <span>
                    <Tag colour={STATUS_COLOURS[member.status]}>{STATUS_LABELS[member.status]}</Tag>
                  </span>
                </td>
                <td className="nhsuk-table__cell" {...ARIA.cell}>
                  <Heading column="Actions" />
                  <span>
                    <Actions member={member} isYou={isYou} onAction={onAction} />
                  </span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}

/** Everyone registered with the practice, one table per status, those waiting for approval first. */
export function StaffTables({ staff, ownEmail, onAction }: StaffTablesProps) {
  const pending = staff.filter((member) => member.status === 'pending');
  return (
    <>
      {pending.length === 0 && (
        <div className="nhsuk-inset-text" id="staff-none-pending">
          <span className="nhsuk-u-visually-hidden">Information: </span>
          <p>No one is waiting for approval.</p>
        </div>
      )}
      {STATUS_ORDER.map((status) => {
        const members = staff.filter((member) => member.status === status).sort(byName);
        return members.length > 0 ? (
          <StaffTable
            key={status}
            status={status}
            members={members}
            ownEmail={ownEmail}
            onAction={onAction}
          />
        ) : null;
      })}
    </>
  );
}
