import type { FieldRef } from '../crypto/field-crypto';
import type { TableId } from '../storage/tables';

/**
 * A kind of item a practice owns, in one of its partitions (`pk = PRACTICE#<practiceId>`): which table, how its
 * sort key starts, and what leaving the platform does with it. Offboarding derives everything from this list
 * (what it exports, how it decrypts, what it deletes), and refuses to run when a partition holds an item of a
 * kind not listed: a new kind of record is declared here or offboarding stops, loudly, before changing anything.
 */
export interface RecordKind {
  table: TableId;
  /** The sort key: an exact value (`PRACTICE`), or a prefix ending in `#` (`LOOKUP#`). */
  sortKey: string;
  offboarding:
    | {
        /** The export's section holding these items (a list, or one item for `single`). */
        exportAs: string;
        single?: boolean;
        /** Encrypted attributes, decrypted into the export (`from` → `to`, dotted paths; JSON when `json`). */
        decrypt?: readonly { from: string; to: string; field: FieldRef; json?: boolean }[];
        /** Attributes kept as epoch seconds (DynamoDB TTL), exported as ISO times. */
        epochSeconds?: readonly string[];
        /** Sorted by this attribute in the export. */
        orderBy?: string;
        /** Attributes left out of the export (dotted paths): working credentials, not the practice's record. */
        omit?: readonly string[];
      }
    /** Working data of the platform, not the practice's record (counters, wrapped keys): deleted, not exported. */
    | { discard: string };
}

/** The patient's details on a lookup: one encrypted attribute (one data key per practice per cache period). */
export const LOOKUP_PATIENT_FIELD: FieldRef = { table: 'records', attribute: 'lookup.patient' };
/** The NHS number as the audit trail keeps it: encrypted for compliance officers, never readable in a log. */
export const AUDIT_NHS_NUMBER_FIELD: FieldRef = { table: 'audit', attribute: 'patient.lookup.nhsNumber' };
/** The invited patient's mobile (E.164): only the sender decrypts it, to send. */
export const INVITE_MOBILE_FIELD: FieldRef = { table: 'records', attribute: 'invite.mobile' };
/** Who an invite is for, as the console lists it: `{ name, mobileEnding }` as JSON. */
export const INVITE_PATIENT_FIELD: FieldRef = { table: 'records', attribute: 'invite.patient' };
/** The clinician's own text in the invite SMS (not the link or the code, which are never stored). */
export const INVITE_MESSAGE_FIELD: FieldRef = { table: 'records', attribute: 'invite.message' };
/** A held message's text, for the clinical lead to read. */
export const HELD_MESSAGE_FIELD: FieldRef = { table: 'records', attribute: 'heldMessage.message' };
/** The number a patient opted out with, so that the practice's export can name it. */
export const SMS_OPT_OUT_MOBILE_FIELD: FieldRef = { table: 'records', attribute: 'smsOptOut.mobile' };
/**
 * The whole invite SMS (with its link and code) on its way to the sender: it travels only in the queue
 * message, encrypted under the practice key, and is never stored in a table.
 */
export const QUEUED_SMS_FIELD: FieldRef = { table: 'queue', attribute: 'invite.sms' };
/**
 * A consultation's join credentials (JoinInfo as JSON) while they wait for their attendee: the clinician's
 * for as long as the meeting runs, the patient's only until it is handed over (once).
 */
export const CONSULTATION_JOIN_FIELD: FieldRef = { table: 'records', attribute: 'consultation.joinInfo' };
/**
 * The patient's name as the audit trail keeps it (`details.patientNameCiphertext`, e.g. what PDS returned for a
 * matched lookup): decrypted only in a compliance officer's report and in the offboarding export.
 */
export const AUDIT_PATIENT_NAME_FIELD: FieldRef = { table: 'audit', attribute: 'patient.name' };
/** The NHS number a compliance officer filtered a report by, kept with the report run (never in clear). */
export const REPORT_RUN_NHS_NUMBER_FIELD: FieldRef = { table: 'records', attribute: 'auditRun.nhsNumber' };

export const RECORD_KINDS = {
  practice: { table: 'directory', sortKey: 'PRACTICE', offboarding: { exportAs: 'practice', single: true } },
  staff: { table: 'directory', sortKey: 'STAFF#', offboarding: { exportAs: 'staff' } },
  invitation: { table: 'directory', sortKey: 'INVITATION#', offboarding: { exportAs: 'invitations' } },
  keyMaterial: {
    table: 'directory',
    sortKey: 'KEYMATERIAL#',
    offboarding: { discard: 'wrapped keys, useless once the practice key is destroyed' },
  },
  lookup: {
    table: 'records',
    sortKey: 'LOOKUP#',
    offboarding: {
      exportAs: 'lookups',
      decrypt: [{ from: 'patient', to: 'patient', field: LOOKUP_PATIENT_FIELD, json: true }],
      epochSeconds: ['expiresAt'],
    },
  },
  rateCounter: { table: 'records', sortKey: 'RATE#', offboarding: { discard: 'rate-limit counters' } },
  invite: {
    table: 'records',
    sortKey: 'INVITE#',
    offboarding: {
      exportAs: 'invites',
      decrypt: [
        { from: 'patient', to: 'patient', field: INVITE_PATIENT_FIELD, json: true },
        { from: 'mobile', to: 'mobile', field: INVITE_MOBILE_FIELD },
        { from: 'message', to: 'message', field: INVITE_MESSAGE_FIELD },
      ],
      epochSeconds: ['expiresAt'],
      orderBy: 'createdAt',
    },
  },
  heldMessage: {
    table: 'records',
    sortKey: 'HELDMESSAGE#',
    offboarding: {
      exportAs: 'heldMessages',
      decrypt: [{ from: 'message', to: 'message', field: HELD_MESSAGE_FIELD }],
      epochSeconds: ['expiresAt'],
      orderBy: 'heldAt',
    },
  },
  smsOptOut: {
    table: 'records',
    sortKey: 'SMSOPTOUT#',
    offboarding: {
      exportAs: 'smsOptOuts',
      decrypt: [{ from: 'mobile', to: 'mobile', field: SMS_OPT_OUT_MOBILE_FIELD }],
      orderBy: 'optedOutAt',
    },
  },
  idempotencyKey: {
    table: 'records',
    sortKey: 'IDEMPOTENCY#',
    offboarding: {
      discard: 'which request made which invite, kept a day so a retried request sends nothing twice',
    },
  },
  /**
   * One video consultation per invite: where the patient got to, the device check's yes/no answers, usage
   * metadata (browser, OS, network type, call length; never an IP address), the meeting's ids and state.
   * The join credentials in it are working data and are left out of the export.
   */
  consultation: {
    table: 'records',
    sortKey: 'CONSULTATION#',
    offboarding: {
      exportAs: 'consultations',
      epochSeconds: ['expiresAt'],
      omit: ['meeting.clinicianJoin', 'meeting.patientJoin'],
    },
  },
  /** The patient's consent to one video consultation (R10): written once, never changed. */
  consent: { table: 'records', sortKey: 'CONSENT#', offboarding: { exportAs: 'consents', orderBy: 'at' } },
  /** The practice's video settings (its default media region). */
  videoSettings: {
    table: 'records',
    sortKey: 'SETTINGS#video',
    offboarding: { exportAs: 'videoSettings', single: true },
  },
  auditDayTotals: {
    table: 'records',
    sortKey: 'AUDITDAY#',
    offboarding: { discard: 'per-day totals of the audit trail, which the sealer derives from the events' },
  },
  auditReportRun: {
    table: 'records',
    sortKey: 'AUDITRUN#',
    offboarding: {
      discard: 'report runs (filters and paging for an hour or two); each run is an audit event',
    },
  },
  auditEvent: {
    table: 'audit',
    sortKey: 'EVENT#',
    offboarding: {
      exportAs: 'auditEvents',
      decrypt: [
        { from: 'details.nhsNumberCiphertext', to: 'details.nhsNumber', field: AUDIT_NHS_NUMBER_FIELD },
        { from: 'details.patientNameCiphertext', to: 'details.patientName', field: AUDIT_PATIENT_NAME_FIELD },
      ],
      orderBy: 'at',
    },
  },
  /**
   * The signed digests that seal the audit trail (layers/audit/seal): exported with it, so a practice can
   * still show, after it has left, which events were sealed when (hashes, ids and times only).
   */
  auditDigest: { table: 'audit', sortKey: 'DIGEST#', offboarding: { exportAs: 'auditDigests' } },
} as const satisfies Record<string, RecordKind>;

export type RecordKindName = keyof typeof RECORD_KINDS;

/** The sort key of one item of a prefixed kind: `sortKeyOf('lookup', id)` → `LOOKUP#<id>`. */
export function sortKeyOf(kind: RecordKindName, ...parts: string[]): string {
  const { sortKey } = RECORD_KINDS[kind];
  if (!sortKey.endsWith('#')) return sortKey;
  return `${sortKey}${parts.join('#')}`;
}

/** Which declared kind a sort key in a table belongs to, if any. */
export function kindOfItem(table: TableId, sk: string): RecordKindName | undefined {
  return (Object.entries(RECORD_KINDS) as [RecordKindName, RecordKind][]).find(
    ([, kind]) =>
      kind.table === table &&
      (sk === kind.sortKey || (kind.sortKey.endsWith('#') && sk.startsWith(kind.sortKey))),
  )?.[0];
}
