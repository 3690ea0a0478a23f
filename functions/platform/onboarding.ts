import type { AuditLog } from '../../layers/audit/audit-log';
import type { PracticeKeys } from '../../layers/crypto/practice-keys';
import { type DirectoryStore, StaleWriteError } from '../../layers/directory/directory-store';
import { nameText } from '../../layers/validation/text';
import * as z from '../../layers/validation/z';
import { isAllowedStaffEmail } from '../identity/staff-email-policy';

export const OnboardingRequest = z.strictObject({
  name: nameText({ label: 'Practice name', missing: 'Give the practice’s name' }),
  odsCode: z
    .string()
    .check(z.trim(), z.toUpperCase(), z.regex(/^[A-Z][A-Z0-9]{2,9}$/, 'must be an ODS code such as A81001')),
  adminEmail: z.email('must be the first admin’s email address'),
});
export type OnboardingRequest = z.infer<typeof OnboardingRequest>;

export class OnboardingError extends Error {
  override readonly name = 'OnboardingError';
}

export interface OnboardingDeps {
  /** What is not the practice's: the ODS code claim (in AWS, with the function's own role). */
  platform: Pick<DirectoryStore, 'claimOdsCode'>;
  /**
   * The new practice's own partitions, opened for it alone (in AWS, a session of onboarding's practice data
   * role tagged with the new practice's id, which may only add items there: no read, update or delete).
   */
  practice: (practiceId: string) => {
    directory: Pick<DirectoryStore, 'createPractice' | 'putInvitation'>;
    audit: AuditLog;
  };
  keys: PracticeKeys;
  allowedEmailDomains: readonly string[];
  now?: () => Date;
}

/**
 * A platform operator brings a practice onto the platform: its ODS code is reserved (one practice per code),
 * its own key is made, and its first admin is invited, so that when they sign up and name the practice they
 * arrive as its admin instead of waiting for an approval nobody could give.
 */
export async function onboardPractice(deps: OnboardingDeps, input: unknown, operator: string) {
  const parsed = OnboardingRequest.safeParse(input);
  if (!parsed.success) {
    const [first] = parsed.error.issues;
    throw new OnboardingError(`${first?.path.join('.')}: ${first?.message}`);
  }
  const request = parsed.data;
  const adminEmail = request.adminEmail.toLowerCase();
  if (!isAllowedStaffEmail(adminEmail, deps.allowedEmailDomains)) {
    throw new OnboardingError(
      `adminEmail: must be at ${deps.allowedEmailDomains.join(' or ')}, like every staff address`,
    );
  }
  // The ODS code names the practice for good, and is what staff type to join it.
  const practiceId = request.odsCode.toLowerCase();
  const now = (deps.now?.() ?? new Date()).toISOString();
  try {
    await deps.platform.claimOdsCode(request.odsCode, practiceId);
  } catch (error) {
    if (error instanceof StaleWriteError) {
      throw new OnboardingError(`A practice with ODS code ${request.odsCode} is already on Clinic Connect.`);
    }
    throw error;
  }

  const actor = { sub: `operator:${operator}` };
  const practice = deps.practice(practiceId);
  await practice.audit.record({
    practiceId,
    type: 'practice.onboarded',
    at: now,
    actor,
    details: { odsCode: request.odsCode },
  });
  const { keyId } = await deps.keys.provision(practiceId, request.name);
  await practice.directory.createPractice({
    practiceId,
    name: request.name,
    odsCode: request.odsCode,
    demo: false,
    createdAt: now,
  });
  await practice.audit.record({
    practiceId,
    type: 'staff.invited',
    at: now,
    actor,
    details: { role: 'practice_admin' },
  });
  await practice.directory.putInvitation({
    practiceId,
    email: adminEmail,
    role: 'practice_admin',
    invitedAt: now,
    invitedBy: actor.sub,
  });
  return { practiceId, odsCode: request.odsCode, keyId, invited: adminEmail };
}
