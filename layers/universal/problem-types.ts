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
} as const;
export type ProblemType = (typeof PROBLEM_TYPES)[keyof typeof PROBLEM_TYPES];
