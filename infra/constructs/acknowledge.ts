import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges compliance findings on one construct (and its children only), each with the reason it does
 * not apply. Several packs often report the same control under their own ids; they share the reason.
 */
export function acknowledge(construct: IConstruct, ids: readonly string[], reason: string): void {
  for (const id of ids) Validations.of(construct).acknowledge({ id, reason });
}

/**
 * The AwsSolutions-IAM5 finding for objects under a prefix of a bucket: cdk-nag names the bucket by its
 * CloudFormation logical id (`AwsSolutions-IAM5[Resource::<BucketLogicalId.Arn>/prefix/*]`).
 */
export function objectsFinding(bucket: IBucket, objects: string): string {
  const stack = Stack.of(bucket);
  const id = stack.resolve(stack.getLogicalId(bucket.node.defaultChild as CfnElement)) as string;
  return `AwsSolutions-IAM5[Resource::<${id}.Arn>/${objects}]`;
}
