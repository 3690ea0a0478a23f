import { RECORD_KINDS, sortKeyOf } from '../records/record-kinds';
import { PLATFORM_PARTITION } from '../storage/tables';
import { STAFF_ROLES } from '../universal/staff-roles';
import * as z from '../validation/z';

export { STAFF_ROLES };
export const StaffRole = z.enum(STAFF_ROLES);
export type StaffRole = z.infer<typeof StaffRole>;

/** Only `active` staff get past the gate; the others are refused on every request. */
export const StaffStatus = z.enum(['pending', 'active', 'rejected', 'suspended']);
export type StaffStatus = z.infer<typeof StaffStatus>;

export const PracticeId = z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{2,62}$/, 'is not a practice id'));

export const Practice = z.object({
  practiceId: PracticeId,
  name: z.string().check(z.minLength(1), z.maxLength(120)),
  /** The practice's NHS ODS code, sent to PDS as the end-user organisation. */
  odsCode: z.string().check(z.regex(/^[A-Z0-9]{3,10}$/)),
  /** Demo practices exist only in local and test environments, and say so in the console. */
  demo: z.boolean(),
  createdAt: z.iso.datetime(),
});
export type Practice = z.infer<typeof Practice>;

export const StaffMember = z.object({
  practiceId: PracticeId,
  /** The identity provider's subject (Cognito `sub`, or the local provider's account id). */
  sub: z.string().check(z.minLength(1)),
  email: z.email(),
  name: z.string().check(z.minLength(1), z.maxLength(120)),
  role: StaffRole,
  status: StaffStatus,
  /** The acceptable-use policy version this member last accepted, and when. */
  aupVersion: z.optional(z.string()),
  aupAcceptedAt: z.optional(z.iso.datetime()),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type StaffMember = z.infer<typeof StaffMember>;

/** Who a practice has invited ahead of sign-up: the practice's first admin, at onboarding. */
export const Invitation = z.object({
  practiceId: PracticeId,
  email: z.email(),
  role: StaffRole,
  invitedAt: z.iso.datetime(),
  invitedBy: z.string(),
});
export type Invitation = z.infer<typeof Invitation>;

/** Which practice an account belongs to: one, for good. Read by the token trigger, which knows only `sub`. */
export const Membership = z.object({ sub: z.string(), practiceId: PracticeId, createdAt: z.iso.datetime() });
export type Membership = z.infer<typeof Membership>;

/**
 * Key layout: everything a practice owns sits in the partition `PRACTICE#<practiceId>`. The one item outside
 * it is an account's membership pointer, which holds no practice data, only which practice to look in.
 */
const REGISTRATION_PREFIX = 'PRACTICES#';

export const directoryKeys = {
  practicePartition: (practiceId: string) => `PRACTICE#${practiceId}`,
  practice: (practiceId: string) => ({ pk: `PRACTICE#${practiceId}`, sk: sortKeyOf('practice') }),
  practiceByOds: (odsCode: string) => ({ gsi1pk: `ODS#${odsCode}`, gsi1sk: 'PRACTICE' }),
  staff: (practiceId: string, sub: string) => ({ pk: `PRACTICE#${practiceId}`, sk: sortKeyOf('staff', sub) }),
  staffPrefix: RECORD_KINDS.staff.sortKey,
  membership: (sub: string) => ({ pk: `USER#${sub}`, sk: 'MEMBERSHIP' }),
  invitation: (practiceId: string, email: string) => ({
    pk: `PRACTICE#${practiceId}`,
    sk: sortKeyOf('invitation', email.toLowerCase()),
  }),
  /** One per ODS code, written only if absent: what makes a practice's ODS code unique. */
  odsClaim: (odsCode: string) => ({ pk: `ODS#${odsCode}`, sk: 'CLAIM' }),
  /**
   * The platform's list of practices (id only), in the PLATFORM partition: what scheduled work that serves every
   * practice (sealing the audit trails) reads, since nothing may scan the tables. Written with the practice
   * record, deleted by offboarding.
   */
  registration: (practiceId: string) => ({
    pk: PLATFORM_PARTITION,
    sk: `${REGISTRATION_PREFIX}${practiceId}`,
  }),
  registrationPrefix: REGISTRATION_PREFIX,
};
