import { StaleWriteError } from '../../layers/directory/directory-store';
import { ConflictError } from '../../layers/http/errors';
import type { StaffCaller } from '../../layers/http/staff-gate';
import { ACCEPTABLE_USE_POLICY } from '../../layers/identity/acceptable-use';

/** Records that the member accepted the policy version they were shown; a superseded version is refused. */
export async function acceptAcceptableUse(
  deps: { now?: () => Date },
  caller: StaffCaller,
  version: string,
  requestId: string,
) {
  if (version !== ACCEPTABLE_USE_POLICY.version) {
    throw new ConflictError(
      'The policy has changed since you opened it. Read the current version and accept that.',
    );
  }
  const acceptedAt = (deps.now?.() ?? new Date()).toISOString();
  const current = caller.staff;
  // Audited before it happens: no record in the audit trail, no acceptance.
  await caller.stores.audit.record({
    type: 'staff.aup_accepted',
    at: acceptedAt,
    actor: { sub: caller.subject, role: current.role },
    subject: { sub: caller.subject },
    details: { version },
    requestId,
  });
  try {
    await caller.stores.directory.replaceStaff(
      { ...current, aupVersion: version, aupAcceptedAt: acceptedAt, updatedAt: acceptedAt },
      current.updatedAt,
    );
  } catch (error) {
    if (error instanceof StaleWriteError)
      throw new ConflictError('Your account changed just now. Try again.');
    throw error;
  }
  return { version, acceptedAt };
}
