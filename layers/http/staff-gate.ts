import type { StaffMember } from '../directory/model';
import { ACCEPTABLE_USE_POLICY } from '../identity/acceptable-use';
import type { PracticeStores, StoreAccess } from '../practice/practice-stores';
import { ACTION_DESCRIPTIONS, can } from '../universal/permissions';
import { ForbiddenError, PROBLEM_TYPES } from './errors';
import type { CallerIdentity } from './identity';
import type { RouteDefinition } from './route';

/** Anyone signed in, member of a practice or not. */
export interface AccountCaller {
  subject: string;
  email?: string;
}

/**
 * A caller who passed the gate: an active member of exactly one practice, with that practice's stores already
 * open. Handlers use these and never choose a practice themselves.
 */
export interface StaffCaller extends AccountCaller {
  practiceId: string;
  staff: StaffMember;
  stores: PracticeStores;
}

const ROLE_NAMES: Record<StaffMember['role'], string> = {
  practice_admin: 'practice admin',
  clinical_lead: 'clinical lead',
  clinician: 'clinician',
  receptionist: 'receptionist',
  compliance_officer: 'compliance officer',
};

function notActive(staff: StaffMember): ForbiddenError | undefined {
  switch (staff.status) {
    case 'active':
      return undefined;
    case 'pending':
      return new ForbiddenError(
        'Your account is waiting for approval by your practice.',
        PROBLEM_TYPES.pendingApproval,
      );
    case 'rejected':
      return new ForbiddenError('Your practice has not approved this account.', PROBLEM_TYPES.rejected);
    case 'suspended':
      return new ForbiddenError('Your account has been suspended by your practice.', PROBLEM_TYPES.suspended);
  }
}

export function admitAccount(identity: CallerIdentity): AccountCaller {
  return { subject: identity.subject, ...(identity.email ? { email: identity.email } : {}) };
}

/**
 * Token claims say which practice a caller belongs to; the staff record says whether that still holds, and
 * is read on every request, so approval, suspension and role changes take effect at once, not when the token
 * expires. A token minted before the caller registered carries no practice: the membership record answers.
 * The staff record is read through the claimed practice's own stores, so a false claim finds nothing.
 */
export async function admitStaff(
  access: StoreAccess,
  identity: CallerIdentity,
  route: Pick<RouteDefinition, 'permission' | 'requiresAcceptableUse'>,
): Promise<StaffCaller> {
  const practiceId =
    identity.practiceId ?? (await access.platform().getMembership(identity.subject))?.practiceId;
  const stores = practiceId ? access.practice(practiceId) : undefined;
  const staff = stores ? await stores.directory.getStaff(identity.subject) : undefined;
  if (!stores || !staff) {
    throw new ForbiddenError('Your account is not linked to a practice yet.', PROBLEM_TYPES.noPractice);
  }
  const refusal = notActive(staff);
  if (refusal) throw refusal;
  if (route.requiresAcceptableUse !== false && staff.aupVersion !== ACCEPTABLE_USE_POLICY.version) {
    throw new ForbiddenError('Accept the acceptable-use policy to continue.', PROBLEM_TYPES.aupRequired);
  }
  if (route.permission && !can(staff.role, route.permission)) {
    throw new ForbiddenError(
      `As a ${ROLE_NAMES[staff.role]} you cannot ${ACTION_DESCRIPTIONS[route.permission]}.`,
      PROBLEM_TYPES.permissionDenied,
    );
  }
  return { ...admitAccount(identity), practiceId: staff.practiceId, staff, stores };
}
