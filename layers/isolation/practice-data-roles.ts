import { createHash } from 'node:crypto';

/**
 * Every principal that may touch one practice's data is a "practice data role": one per function (and one
 * for the restore drill), each trusted by that function's own role only, each allowed exactly what that
 * function does, and all named under one prefix, so that a practice key's policy (written once, at
 * onboarding) can let the whole family use the key, with the practice's encryption context, without naming
 * roles that do not exist yet:
 *
 *   ClinicConnect-<stage>-<region>-PracticeData-<owner>
 *
 * IAM role names are at most 64 characters: an owner that does not fit is shortened, with a hash of the
 * whole name so that two owners never share a role.
 */
export const PRACTICE_DATA_ROLE_MAX_NAME = 64;

export function practiceDataRolePrefix(stage: string, region: string): string {
  return `ClinicConnect-${stage}-${region}-PracticeData-`;
}

export function practiceDataRoleName(stage: string, region: string, owner: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(owner)) throw new TypeError(`Not a role owner: ${owner}`);
  const prefix = practiceDataRolePrefix(stage, region);
  const room = PRACTICE_DATA_ROLE_MAX_NAME - prefix.length;
  if (owner.length <= room) return `${prefix}${owner}`;
  const hash = createHash('sha256').update(`${prefix}${owner}`).digest('hex');
  if (room < 4) throw new TypeError(`The stage name "${stage}" is too long for practice data role names.`);
  const hashLength = Math.min(8, room);
  const kept = Math.max(0, room - hashLength - 1);
  return kept > 0
    ? `${prefix}${owner.slice(0, kept)}-${hash.slice(0, hashLength)}`
    : `${prefix}${hash.slice(0, room)}`;
}

/** The ARN pattern of every practice data role of a stage, as a practice key's policy names them. */
export function practiceDataRolePattern(input: {
  partition: string;
  accountId: string;
  stage: string;
  region: string;
}): string {
  return `arn:${input.partition}:iam::${input.accountId}:role/${practiceDataRolePrefix(input.stage, input.region)}*`;
}
