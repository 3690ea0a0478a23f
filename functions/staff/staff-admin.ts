import type { AuditEvent } from '../../layers/audit/audit-log';
import { StaleWriteError } from '../../layers/directory/directory-store';
import type { StaffMember, StaffRole, StaffStatus } from '../../layers/directory/model';
import { ConflictError, NotFoundError } from '../../layers/http/errors';
import type { StaffCaller } from '../../layers/http/staff-gate';
import type { IdentityAdmin } from '../../layers/identity/identity-admin';

export interface StaffAdminDeps {
  identity: IdentityAdmin;
  now?: () => Date;
}

const STATUS_ORDER: Record<StaffStatus, number> = { pending: 0, active: 1, suspended: 2, rejected: 3 };

export function summarise(member: StaffMember) {
  const { sub, name, email, role, status, createdAt, updatedAt } = member;
  return { id: sub, name, email, role, status, createdAt, updatedAt };
}

/** Pending first (they are waiting on the admin), then by name. */
export async function listPracticeStaff(caller: StaffCaller) {
  const staff = await caller.stores.directory.listStaff();
  staff.sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || a.name.localeCompare(b.name));
  return staff.map(summarise);
}

/** The status changes an admin may make, and what each is called in the audit trail. */
const TRANSITIONS: Partial<Record<StaffStatus, Partial<Record<StaffStatus, AuditEvent['type']>>>> = {
  pending: { active: 'staff.approved', rejected: 'staff.rejected' },
  active: { suspended: 'staff.suspended' },
  suspended: { active: 'staff.reinstated' },
};

const STATUS_WORDS: Record<StaffStatus, string> = {
  pending: 'waiting for approval',
  active: 'active',
  rejected: 'rejected',
  suspended: 'suspended',
};

export async function changeStaffMember(
  deps: StaffAdminDeps,
  caller: StaffCaller,
  staffId: string,
  change: { status?: 'active' | 'rejected' | 'suspended'; role?: StaffRole },
  requestId: string,
) {
  if (staffId === caller.subject) {
    throw new ConflictError('You cannot change your own status or role. Ask another practice admin.');
  }
  // The caller's own practice's stores: another practice's member is simply not found.
  const current = await caller.stores.directory.getStaff(staffId);
  if (!current) throw new NotFoundError('There is no such member of staff in your practice.');

  const events: AuditEvent['type'][] = [];
  const next: StaffMember = { ...current };
  if (change.status && change.status !== current.status) {
    const event = TRANSITIONS[current.status]?.[change.status];
    if (!event) {
      throw new ConflictError(
        `A member who is ${STATUS_WORDS[current.status]} cannot be made ${STATUS_WORDS[change.status]}.`,
      );
    }
    next.status = change.status;
    events.push(event);
  }
  if (change.role && change.role !== current.role) {
    if (current.status === 'rejected') throw new ConflictError('A rejected member has no role to change.');
    next.role = change.role;
    events.push('staff.role_changed');
  }
  // A repeated suspension still ends sessions: the retry of a request that failed after its write does.
  if (events.length === 0) {
    if (current.status === 'suspended') await deps.identity.endSessions(current.sub);
    return summarise(current);
  }

  next.updatedAt = (deps.now?.() ?? new Date()).toISOString();
  // Audited before it happens: if the audit trail cannot take the event, nothing changes (fail closed).
  for (const type of events) {
    await caller.stores.audit.record({
      type,
      at: next.updatedAt,
      actor: { sub: caller.subject, role: caller.staff.role },
      subject: { sub: next.sub },
      details:
        type === 'staff.role_changed'
          ? { fromRole: current.role, toRole: next.role }
          : { fromStatus: current.status, toStatus: next.status },
      requestId,
    });
  }
  try {
    await caller.stores.directory.replaceStaff(next, current.updatedAt);
  } catch (error) {
    if (error instanceof StaleWriteError) {
      throw new ConflictError('Someone changed this member just now. Reload the page and try again.');
    }
    throw error;
  }
  if (next.status === 'suspended') await deps.identity.endSessions(next.sub);
  return summarise(next);
}

/**
 * A member lost their authenticator: an admin of their practice turns it off (audited first: no record, no
 * reset) and their sessions end; at their next sign-in they set up a new one. Not one's own (another admin
 * does it, or the platform operator for a practice's only admin), and not a rejected member's.
 */
export async function resetAuthenticator(
  deps: StaffAdminDeps,
  caller: StaffCaller,
  staffId: string,
  requestId: string,
) {
  if (staffId === caller.subject) {
    throw new ConflictError('You cannot reset your own authenticator. Ask another practice admin.');
  }
  const member = await caller.stores.directory.getStaff(staffId);
  if (!member) throw new NotFoundError('There is no such member of staff in your practice.');
  if (member.status === 'rejected')
    throw new ConflictError('A rejected member has no authenticator to reset.');
  await caller.stores.audit.record({
    type: 'staff.authenticator_reset',
    at: (deps.now?.() ?? new Date()).toISOString(),
    actor: { sub: caller.subject, role: caller.staff.role },
    subject: { sub: member.sub },
    details: { status: member.status },
    requestId,
  });
  await deps.identity.resetAuthenticator(member.sub);
  return summarise(member);
}
