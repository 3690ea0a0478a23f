import * as z from '../validation/z';

/** An IAM role ARN; groups: partition, account id. */
export const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;

/** A setting that must hold an IAM role ARN. */
export const roleArnSetting = () => z.string().check(z.regex(ROLE_ARN, 'must be an IAM role ARN'));

/** The partition and account of a role: practice keys live in the account of the role that uses them. */
export function roleArnParts(arn: string): { partition: string; accountId: string } {
  const match = ROLE_ARN.exec(arn);
  if (!match) throw new TypeError('Not an IAM role ARN.');
  return { partition: match[1] as string, accountId: match[2] as string };
}
