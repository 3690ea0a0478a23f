import * as z from '../../layers/validation/z';

/**
 * Who asks, in an operator function's event: for the audit trail and the offboarding record. CloudTrail
 * records the IAM principal that actually invoked the function.
 */
export const OperatorName = z
  .string()
  .check(z.regex(/^[\w.@+-]{1,64}$/, 'must name the operator (letters, digits, . @ + -)'));
