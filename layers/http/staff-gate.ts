import { PracticeId, type StaffMember } from '../directory/model';
import { ACCEPTABLE_USE_POLICY } from '../identity/acceptable-use';
import type { PracticeStores, StoreAccess } from '../practice/practice-stores';
import { ACTION_DESCRIPTIONS, can } from '../universal/permissions';
import * as z from '../validation/z';
import { ForbiddenError, PROBLEM_TYPES, type ProblemType } from './errors';
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

/**
 * The gate refused a member it knows: their practice and staff record are found, they may not do this (not
 * active yet or any more, the policy not accepted, their role not allowed). Routes that audit every attempt
 * record it in that practice's trail (`PipelineOptions.onRejected`).
 */
export class StaffRefusedError extends ForbiddenError {
  constructor(
    message: string,
    type: ProblemType,
    reason: string,
    readonly member: StaffCaller,
  ) {
    super(message, type, reason);
  }
}

type Refusal = { message: string; type: ProblemType; reason: string };

function notActive(staff: StaffMember): Refusal | undefined {
  switch (staff.status) {
    case 'active':
      return undefined;
    case 'pending':
      return {
        message: 'Your account is waiting for approval by your practice.',
        type: PROBLEM_TYPES.pendingApproval,
        reason: 'pending-approval',
      };
    case 'rejected':
      return {
        message: 'Your practice has not approved this account.',
        type: PROBLEM_TYPES.rejected,
        reason: 'rejected',
      };
    case 'suspended':
      return {
        message: 'Your account has been suspended by your practice.',
        type: PROBLEM_TYPES.suspended,
        reason: 'suspended',
      };
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
  // A practice claim that is not even a practice id is a false claim (only a forged token could carry
  // one): refused like any claim of a practice the caller is not a member of, before it names any store.
  if (identity.practiceId !== undefined && !z.safeParse(PracticeId, identity.practiceId).success) {
    throw new ForbiddenError(
      'Your account is not linked to a practice yet.',
      PROBLEM_TYPES.noPractice,
      'no-practice',
    );
  }
  const practiceId =
    identity.practiceId ?? (await access.platform().getMembership(identity.subject))?.practiceId;
  const stores = practiceId ? access.practice(practiceId) : undefined;
  const staff = stores ? await stores.directory.getStaff(identity.subject) : undefined;
  if (!stores || !staff) {
    throw new ForbiddenError(
      'Your account is not linked to a practice yet.',
      PROBLEM_TYPES.noPractice,
      'no-practice',
    );
  }
  const member: StaffCaller = { ...admitAccount(identity), practiceId: staff.practiceId, staff, stores };
  const refusal =
    notActive(staff) ??
    (route.requiresAcceptableUse !== false && staff.aupVersion !== ACCEPTABLE_USE_POLICY.version
      ? {
          message: 'Accept the acceptable-use policy to continue.',
          type: PROBLEM_TYPES.aupRequired,
          reason: 'aup-required',
        }
      : route.permission && !can(staff.role, route.permission)
        ? {
            message: `As a ${ROLE_NAMES[staff.role]} you cannot ${ACTION_DESCRIPTIONS[route.permission]}.`,
            type: PROBLEM_TYPES.permissionDenied,
            reason: 'permission-denied',
          }
        : undefined);
  if (refusal) throw new StaffRefusedError(refusal.message, refusal.type, refusal.reason, member);
  return member;
}
