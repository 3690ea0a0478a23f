import type { FieldRef } from '../../layers/crypto/field-crypto';

/** The NHS number as the audit trail keeps it: encrypted for compliance officers, never readable in a log. */
export const AUDIT_NHS_NUMBER_FIELD: FieldRef = { table: 'audit', attribute: 'patient.lookup.nhsNumber' };
