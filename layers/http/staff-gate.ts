import { BaseConfig, requiredName } from '../config/base-config';
import { loadConfig } from '../config/load-config';
import { type DirectoryStore, DynamoDirectoryStore } from '../directory/directory-store';
import type { StaffMember } from '../directory/model';
import { ACCEPTABLE_USE_POLICY } from '../identity/acceptable-use';
import { ACTION_DESCRIPTIONS, can } from '../identity/permissions';
import { createDocumentClient } from '../storage/dynamo-client';
import * as z from '../validation/z';
import { ForbiddenError, PROBLEM_TYPES } from './errors';
import type { CallerIdentity } from './identity';
import type { RouteDefinition } from './route';

/** Anyone signed in, member of a practice or not. */
export interface AccountCaller {
  subject: string;
  email?: string;
}

/** A caller who passed the gate: an active member of exactly one practice. */
export interface StaffCaller extends AccountCaller {
  practiceId: string;
  staff: StaffMember;
}

const ROLE_NAMES: Record<StaffMember['role'], string> = {
  practice_admin: 'practice admin',
  clinical_lead: 'clinical lead',
  clinician: 'clinician',
  receptionist: 'receptionist',
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
 */
export async function admitStaff(
  directory: DirectoryStore,
  identity: CallerIdentity,
  route: Pick<RouteDefinition, 'permission' | 'requiresAcceptableUse'>,
): Promise<StaffCaller> {
  const practiceId = identity.practiceId ?? (await directory.getMembership(identity.subject))?.practiceId;
  const staff = practiceId ? await directory.getStaff(practiceId, identity.subject) : undefined;
  if (!staff) {
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
  return { ...admitAccount(identity), practiceId: staff.practiceId, staff };
}

let defaultDirectory: DirectoryStore | undefined;

/** The directory staff routes check against, created on first use from the function's configuration. */
export function staffDirectory(): DirectoryStore {
  if (!defaultDirectory) {
    const config = loadConfig(z.extend(BaseConfig, { TABLE_DIRECTORY: requiredName() }));
    defaultDirectory = new DynamoDirectoryStore(createDocumentClient(config), config.TABLE_DIRECTORY);
  }
  return defaultDirectory;
}
