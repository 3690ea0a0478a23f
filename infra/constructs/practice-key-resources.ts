import { Aws } from 'aws-cdk-lib';

/**
 * How IAM names a stage's practice keys, which are created at run time (no ARN exists at synth): any key of
 * this account and region carrying this app's and stage's tags, and aliases under this stage's practice
 * prefix. Used by the operator functions that administer them; `nagFindings` are the wildcard findings these
 * resources raise, to acknowledge with a reason.
 */
export function practiceKeyResources(stage: string) {
  return {
    keys: `arn:${Aws.PARTITION}:kms:${Aws.REGION}:${Aws.ACCOUNT_ID}:key/*`,
    aliases: `arn:${Aws.PARTITION}:kms:${Aws.REGION}:${Aws.ACCOUNT_ID}:alias/clinic-connect/${stage}/practice/*`,
    ownKeysCondition: { 'aws:ResourceTag/app': 'clinic-connect', 'aws:ResourceTag/stage': stage },
    nagFindings: [
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:key/*]',
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:kms:<AWS::Region>:<AWS::AccountId>:alias/clinic-connect/${stage}/practice/*]`,
    ],
  };
}
