import { BaseConfig, requiredName } from '../config/base-config';
import { loadConfig } from '../config/load-config';
import { type DirectoryStore, DynamoDirectoryStore } from '../directory/directory-store';
import type { StaffMember } from '../directory/model';
import { createDocumentClient } from '../storage/dynamo-client';
import * as z from '../validation/z';
import { ForbiddenError } from './errors';
import type { CallerIdentity } from './identity';

/** A caller who passed the gate: an active member of exactly one practice. */
export interface StaffCaller {
  subject: string;
  practiceId: string;
  staff: StaffMember;
}

const REFUSALS: Record<Exclude<StaffMember['status'], 'active'>, string> = {
  pending: 'Your account is waiting for approval by your practice.',
  rejected: 'Your practice has not approved this account.',
  suspended: 'Your account has been suspended by your practice.',
};

/**
 * Token claims say which practice a caller claims to belong to; the staff record says whether that is still
 * true. Checked on every request, so a suspension takes effect at once, not when the token expires.
 */
export async function admitStaff(directory: DirectoryStore, identity: CallerIdentity): Promise<StaffCaller> {
  if (!identity.practiceId) throw new ForbiddenError('Your account is not linked to a practice.');
  const staff = await directory.getStaff(identity.practiceId, identity.subject);
  if (!staff) throw new ForbiddenError('Your account is not linked to a practice.');
  if (staff.status !== 'active') throw new ForbiddenError(REFUSALS[staff.status]);
  return { subject: identity.subject, practiceId: staff.practiceId, staff };
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
