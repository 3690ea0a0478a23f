import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges compliance findings on one construct (and its children only), each with the reason it does
 * not apply. Several packs often report the same control under their own ids; they share the reason.
 */
export function acknowledge(construct: IConstruct, ids: readonly string[], reason: string): void {
  for (const id of ids) Validations.of(construct).acknowledge({ id, reason });
}
