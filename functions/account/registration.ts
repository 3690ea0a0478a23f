import { StaleWriteError } from '../../layers/directory/directory-store';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../../layers/http/errors';
import type { AccountCaller } from '../../layers/http/staff-gate';
import type { StoreAccess } from '../../layers/practice/practice-stores';
import { isAllowedStaffEmail } from '../identity/staff-email-policy';

export interface RegistrationDeps {
  stores: StoreAccess;
  allowedEmailDomains: readonly string[];
  now?: () => Date;
}

/**
 * An account asks to join a practice. It joins as a pending receptionist (the least privileged role) until a
 * practice admin approves it and sets its role, unless the practice invited that address (its first admin). One practice per account, for good: the membership is
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
  const platform = deps.stores.platform();
  const practice = await platform.findPracticeByOdsCode(request.odsCode);
  if (!practice) {
    throw new NotFoundError(
      `No practice with the ODS code ${request.odsCode} uses Clinic Connect. Check the code with your practice manager.`,
    );
  }

  const now = (deps.now?.() ?? new Date()).toISOString();
  // The practice's own stores, opened for the practice the ODS code names: the only one this request touches.
  const target = deps.stores.practice(practice.practiceId);
  const existing = await platform.getMembership(caller.subject);
  if (existing && existing.practiceId !== practice.practiceId) {
    throw new ConflictError('Your account already belongs to another practice.');
  }
  if (existing && (await target.directory.getStaff(caller.subject))) {
    throw new ConflictError(`You have already asked to join ${practice.name}.`);
  }
  // Invited at onboarding (the practice's first admin): they join as invited, with no approval to wait for.
  const invitation = await target.directory.getInvitation(caller.email);
  const joinAs = invitation
    ? { status: 'active' as const, role: invitation.role }
    : { status: 'pending' as const, role: 'receptionist' as const };
  // Audited before it happens: no record in the audit trail, no registration.
  await target.audit.record({
    type: 'staff.registered',
    at: now,
    actor: { sub: caller.subject },
    subject: { sub: caller.subject },
    details: { status: joinAs.status, role: joinAs.role, invited: Boolean(invitation) },
    requestId,
  });
  if (!existing) {
    try {
      await platform.createMembership({
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
    await target.directory.createStaff({
      practiceId: practice.practiceId,
      sub: caller.subject,
      email: caller.email.toLowerCase(),
      name: request.name,
      role: joinAs.role,
      status: joinAs.status,
      createdAt: now,
      updatedAt: now,
    });
  } catch (error) {
    if (error instanceof StaleWriteError) {
      throw new ConflictError(`You have already asked to join ${practice.name}.`);
    }
    throw error;
  }
  if (invitation) await target.directory.deleteInvitation(caller.email);
  return { status: joinAs.status, practice: { name: practice.name, odsCode: practice.odsCode } };
}
