/**
 * Machine-readable reasons in the API's problem details (RFC 9457 `type`) that a client acts on: the console
 * shows a different page for each; the message stays for people.
 */
export const PROBLEM_TYPES = {
  noPractice: 'urn:clinic-connect:problem:no-practice',
  pendingApproval: 'urn:clinic-connect:problem:pending-approval',
  rejected: 'urn:clinic-connect:problem:rejected',
  suspended: 'urn:clinic-connect:problem:suspended',
  aupRequired: 'urn:clinic-connect:problem:aup-required',
  permissionDenied: 'urn:clinic-connect:problem:permission-denied',
  /** The lookup id is unknown, expired or another practice's: look the patient up again. */
  lookupExpired: 'urn:clinic-connect:problem:lookup-expired',
  /** The patient's mobile cannot be texted by this service (none, a landline, another country). */
  notTextable: 'urn:clinic-connect:problem:not-textable',
  /** The patient asked the practice not to text them. */
  smsOptedOut: 'urn:clinic-connect:problem:sms-opted-out',
  /** The message looks like it holds an NHS number, a date of birth or clinical detail: confirm to send. */
  confirmSensitiveContent: 'urn:clinic-connect:problem:confirm-sensitive-content',
  /** The Idempotency-Key was used before for a different request. */
  idempotencyKeyReused: 'urn:clinic-connect:problem:idempotency-key-reused',
  /** The patient's join page: a link that does not work (unknown, cancelled, expired, ended: one answer). */
  linkGone: 'urn:clinic-connect:problem:link-gone',
  wrongCode: 'urn:clinic-connect:problem:wrong-code',
  linkLocked: 'urn:clinic-connect:problem:link-locked',
  linkUsed: 'urn:clinic-connect:problem:link-used',
  joinSessionGone: 'urn:clinic-connect:problem:join-session-gone',
} as const;
export type ProblemType = (typeof PROBLEM_TYPES)[keyof typeof PROBLEM_TYPES];
