import type { AuditLog } from '../../layers/audit/audit-log';
import { type DirectoryStore, StaleWriteError } from '../../layers/directory/directory-store';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../../layers/http/errors';
import type { AccountCaller } from '../../layers/http/staff-gate';
import { isAllowedStaffEmail } from '../identity/staff-email-policy';

export interface RegistrationDeps {
  directory: DirectoryStore;
  audit: AuditLog;
  allowedEmailDomains: readonly string[];
  now?: () => Date;
}

/**
 * An account asks to join a practice. It joins as a pending receptionist (the least privileged role) until a
 * practice admin approves it and sets its role. One practice per account, for good: the membership is
 * written first and only if absent, so two racing requests cannot join two practices.
 */
export async function registerWithPractice(
  deps: RegistrationDeps,
  caller: AccountCaller,
  request: { odsCode: string; name: string },
  requestId: string,
) {
  if (!caller.email) throw new BadRequestError('Your sign-in did not include an email address.');
  // The sign-up trigger already checked this; checking again keeps a pool misconfiguration from letting
  // outsiders in.
  if (!isAllowedStaffEmail(caller.email, deps.allowedEmailDomains)) {
    throw new ForbiddenError(
      `Clinic Connect is only for staff with an email address at ${deps.allowedEmailDomains.join(' or ')}.`,
    );
  }
  const practice = await deps.directory.findPracticeByOdsCode(request.odsCode);
  if (!practice) {
    throw new NotFoundError(
      `No practice with the ODS code ${request.odsCode} uses Clinic Connect. Check the code with your practice manager.`,
    );
  }

  const now = (deps.now?.() ?? new Date()).toISOString();
  const existing = await deps.directory.getMembership(caller.subject);
  if (existing && existing.practiceId !== practice.practiceId) {
    throw new ConflictError('Your account already belongs to another practice.');
  }
  if (existing && (await deps.directory.getStaff(practice.practiceId, caller.subject))) {
    throw new ConflictError(`You have already asked to join ${practice.name}.`);
  }
  // Audited before it happens: no record in the audit trail, no registration.
  await deps.audit.record({
    practiceId: practice.practiceId,
    type: 'staff.registered',
    at: now,
    actor: { sub: caller.subject },
    subject: { sub: caller.subject },
    details: { status: 'pending' },
    requestId,
  });
  if (!existing) {
    try {
      await deps.directory.createMembership({
        sub: caller.subject,
        practiceId: practice.practiceId,
        createdAt: now,
      });
    } catch (error) {
      if (error instanceof StaleWriteError)
        throw new ConflictError('Your account already belongs to a practice.');
      throw error;
    }
  }
  try {
    await deps.directory.createStaff({
      practiceId: practice.practiceId,
      sub: caller.subject,
      email: caller.email.toLowerCase(),
      name: request.name,
      role: 'receptionist',
      status: 'pending',
      createdAt: now,
      updatedAt: now,
    });
  } catch (error) {
    if (error instanceof StaleWriteError) {
      throw new ConflictError(`You have already asked to join ${practice.name}.`);
    }
    throw error;
  }
  return { status: 'pending' as const, practice: { name: practice.name, odsCode: practice.odsCode } };
}
