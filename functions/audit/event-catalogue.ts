import type { AuditEventType } from '../../layers/audit/audit-log';
import { formatNhsNumber } from '../../layers/universal/nhs-number';
import { STAFF_ROLES, type StaffRole } from '../../layers/universal/staff-roles';
import { ukDateTime } from '../../layers/universal/uk-days';

/**
 * How an audit report shows each kind of event: which section it is listed in, what it is called, and what
 * goes in each column. A new event type is one entry in `EVENT_TYPES` (the type checker insists: the record
 * is keyed by every type of `AUDIT_EVENT_TYPES`); a type with no entry (an item written by a newer version,
 * or by hand) is still shown, under "Other events", generically. Nothing is dropped.
 */

/** An audit event as the report reads it from the table: tolerant of what it does not know. */
export interface ReportEvent {
  eventId: string;
  at: string;
  type: string;
  actor: { sub: string; role?: string };
  subject?: { sub: string };
  /** Identifiers and outcomes (patient references only encrypted or as a blind index). */
  details: Record<string, unknown>;
  requestId?: string;
}

/** The patient an event is about, decrypted for the compliance officer's view only. */
export interface ResolvedPatient {
  nhsNumber?: string;
  name?: string;
  /** The reference could not be decrypted (key destroyed, value damaged). */
  unreadable?: boolean;
}

export interface RowContext {
  /** A member's name as the practice's directory has it, or a description of who it was. */
  staffName(sub: string): string;
  patient?: ResolvedPatient;
}

export const COLUMNS = {
  time: 'Time (UK)',
  staff: 'By',
  role: 'Role',
  member: 'Member of staff',
  patient: 'NHS number',
  patientName: 'Patient',
  event: 'Event',
  outcome: 'Outcome',
  detail: 'Details',
  requestId: 'Request ID',
  eventId: 'Event ID',
} as const;
export type ColumnKey = keyof typeof COLUMNS;

export interface SectionDefinition {
  id: string;
  title: string;
  description: string;
  columns: readonly ColumnKey[];
}

export const SECTIONS = [
  {
    id: 'lookups',
    title: 'Patient lookups',
    description:
      'Every search of the NHS demographics service (PDS): who searched, when, for whom, and what happened. ' +
      'The outcome is the true one, which the clinician is not shown (a restricted record answers "no match").',
    columns: ['time', 'staff', 'role', 'patient', 'patientName', 'outcome', 'detail'],
  },
  {
    id: 'invitations',
    title: 'Invitations and SMS delivery',
    description: 'Invitations sent to patients by SMS, and what the SMS service reported of their delivery.',
    columns: ['time', 'staff', 'patient', 'patientName', 'event', 'outcome', 'detail'],
  },
  {
    id: 'held-messages',
    title: 'Messages held for review',
    description: 'Messages held back by the content check, and the clinical lead’s review of each.',
    columns: ['time', 'staff', 'patient', 'event', 'outcome', 'detail'],
  },
  {
    id: 'opt-outs',
    title: 'Opt-outs',
    description: 'Patients who asked not to be contacted by SMS, and attempts to contact them after.',
    columns: ['time', 'staff', 'patient', 'event', 'detail'],
  },
  {
    id: 'consent',
    title: 'Consent and dissent',
    description: 'Patients entering their code (consent to the consultation) and leaving (dissent).',
    columns: ['time', 'patient', 'patientName', 'event', 'detail'],
  },
  {
    id: 'consultations',
    title: 'Video consultations',
    description: 'Consultations started and ended: who, with whom, how long, and the media region.',
    columns: ['time', 'staff', 'patient', 'event', 'outcome', 'detail'],
  },
  {
    id: 'staff',
    title: 'Staff and practice changes',
    description:
      'The practice joining the platform, staff registering, approvals, suspensions, role changes and ' +
      'acceptances of the acceptable-use policy.',
    columns: ['time', 'staff', 'role', 'member', 'event', 'detail'],
  },
  {
    id: 'offboarding',
    title: 'Offboarding',
    description: 'The practice leaving the platform: its export and the destruction of its data.',
    columns: ['time', 'staff', 'event', 'detail'],
  },
  {
    id: 'audit',
    title: 'Audit reports and integrity checks',
    description: 'Who ran reports like this one, downloaded them, and checked the trail’s integrity.',
    columns: ['time', 'staff', 'role', 'event', 'outcome', 'detail'],
  },
  {
    id: 'other',
    title: 'Other events',
    description: 'Events of a type this version of the report does not describe, shown as they are stored.',
    columns: ['time', 'event', 'staff', 'member', 'patient', 'detail'],
  },
] as const satisfies readonly SectionDefinition[];

export type SectionId = (typeof SECTIONS)[number]['id'];
export const SECTION_IDS = SECTIONS.map((section) => section.id) as SectionId[];
export type Cells = Partial<Record<ColumnKey, string>>;

export interface EventPresentation {
  section: Exclude<SectionId, 'other'>;
  /** What the event is called: "Patient lookup", "Role changed". */
  label: string;
  /** One sentence for the CSV's description column and screen readers. */
  describe(event: ReportEvent, context: RowContext): string;
  /** The columns of its section beyond those every row has (time, who, role, patient). */
  cells?(event: ReportEvent, context: RowContext): Cells;
  /** Rows a reviewer should look at (e.g. a lookup refused by its rate limit, a restricted record). */
  attention?(event: ReportEvent): boolean;
}

const text = (value: unknown) =>
  typeof value === 'string'
    ? value
    : typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : '';

const ROLE_LABELS: Record<StaffRole, string> = {
  practice_admin: 'Practice admin',
  clinical_lead: 'Clinical lead',
  clinician: 'Clinician',
  receptionist: 'Receptionist',
  compliance_officer: 'Compliance officer',
};
export function roleLabel(role: unknown): string {
  return (STAFF_ROLES as readonly unknown[]).includes(role) ? ROLE_LABELS[role as StaffRole] : text(role);
}

/** The lookup outcomes as the audit keeps them (functions/lookup/lookup.ts), in words. */
const LOOKUP_REASONS: Record<string, string> = {
  'not-found': 'No such NHS number at PDS',
  invalidated: 'The PDS record is invalidated',
  superseded: 'The PDS record is superseded (merged into another)',
  'birth-date-mismatch': 'The date of birth did not match',
  'no-birth-date': 'The PDS record has no date of birth',
  restricted: 'Restricted record (safeguarding): not shown',
  'very-restricted': 'Very restricted record (safeguarding): not shown',
  deceased: 'The patient is recorded as deceased: not shown',
  unreadable: 'The PDS record could not be read: not shown',
  'user-hourly-limit': 'The member’s hourly limit of lookups was reached',
  'practice-daily-limit': 'The practice’s daily limit of lookups was reached',
  'user-invalid-limit': 'The member’s hourly limit of refused lookups was reached',
  'practice-invalid-limit': 'The practice’s daily limit of refused lookups was reached',
  'permission-denied': 'The member’s role may not look up patients',
  'pending-approval': 'The member is waiting for approval',
  suspended: 'The member is suspended',
  rejected: 'The member was rejected',
  'aup-required': 'The member has not accepted the acceptable-use policy',
  unavailable: 'PDS did not answer',
  'access-denied': 'PDS refused the platform’s credentials',
  'request-rejected': 'PDS rejected the request',
  failed: 'The lookup failed before PDS answered',
};

const LOOKUP_OUTCOMES: Record<string, string> = {
  match: 'Match shown',
  'no-match': 'No match shown',
  'invalid-input': 'Refused: invalid input',
  'rate-limited': 'Refused: rate limit',
  refused: 'Refused: not allowed',
  'pds-error': 'Failed: PDS error',
};

const STATUS_WORDS: Record<string, string> = {
  pending: 'waiting for approval',
  active: 'active',
  rejected: 'rejected',
  suspended: 'suspended',
};

function staffChange(label: string, verb: string): EventPresentation {
  return {
    section: 'staff',
    label,
    describe: (event, context) =>
      `${context.staffName(event.actor.sub)} ${verb} ${event.subject ? context.staffName(event.subject.sub) : 'a member'}.`,
    cells: (event) => ({
      detail:
        event.details.fromStatus !== undefined
          ? `${STATUS_WORDS[text(event.details.fromStatus)] ?? text(event.details.fromStatus)} → ${STATUS_WORDS[text(event.details.toStatus)] ?? text(event.details.toStatus)}`
          : '',
    }),
  };
}

/** Names the date range and filters a report ran with (its audit event's details). */
function reportScope(event: ReportEvent, context: RowContext): string {
  const parts = [`${text(event.details.from)} to ${text(event.details.to)}`];
  if (typeof event.details.staffFilter === 'string')
    parts.push(`staff: ${context.staffName(event.details.staffFilter)}`);
  if (event.details.nhsNumberIndex !== undefined) {
    const nhs = context.patient?.nhsNumber;
    parts.push(`patient: ${nhs ? formatNhsNumber(nhs) : 'an NHS number'}`);
  }
  return parts.join('; ');
}

/** Why an invitation was refused, in words (functions/invites). */
const INVITE_REASONS: Record<string, string> = {
  'opted-out': 'the patient has asked not to be texted',
  'rate-limited': 'a sending limit was reached',
  'not-textable': 'the mobile number cannot be texted',
  'lookup-not-found': 'no such lookup (expired, or another practice’s)',
  'message-too-long': 'the message was longer than two texts',
  'sensitive-content-unconfirmed': 'the message looked sensitive and the sender did not confirm it',
};
const inviteReason = (reason: unknown) => INVITE_REASONS[text(reason)] ?? text(reason);
const providerReference = (event: ReportEvent) =>
  typeof event.details.providerMessageId === 'string'
    ? `SMS service reference ${event.details.providerMessageId}`
    : '';
const ukTime = (value: unknown) => (typeof value === 'string' ? ukDateTime(value) : '');

/** "12 min 5 s": a call's length in words. */
function callLength(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes} min ${seconds % 60} s` : `${seconds} s`;
}

/** A code attempt's outcome (functions/join), in words, never the code. */
function codeOutcome(event: ReportEvent): string {
  switch (event.details.outcome) {
    case 'accepted':
      return 'right';
    case 'wrong':
      return `wrong, ${text(event.details.triesLeft)} tries left`;
    case 'locked':
      return `refused: locked after too many wrong codes${event.details.codeWasRight === true ? ' (this one was right)' : ''}`;
    case 'throttled':
      return 'refused: too many attempts from this device';
    case 'already-used':
      return 'refused: the link was used already';
    case 'link-closed':
      return 'refused: the link no longer works';
    default:
      return text(event.details.outcome);
  }
}

export const EVENT_TYPES = {
  'patient.lookup': {
    section: 'lookups',
    label: 'Patient lookup',
    describe: (event, context) => {
      const outcome = LOOKUP_OUTCOMES[text(event.details.outcome)] ?? text(event.details.outcome);
      const reason = LOOKUP_REASONS[text(event.details.reason)];
      return `${context.staffName(event.actor.sub)} looked up a patient: ${outcome.toLowerCase()}${reason ? ` (${reason.toLowerCase()})` : ''}.`;
    },
    cells: (event) => {
      const outcome = text(event.details.outcome);
      const reason = text(event.details.reason);
      return {
        outcome: LOOKUP_OUTCOMES[outcome] ?? outcome,
        detail:
          outcome === 'match'
            ? 'Name, gender and mobile ending shown'
            : outcome === 'invalid-input'
              ? `Fields: ${reason}`
              : (LOOKUP_REASONS[reason] ?? reason),
      };
    },
    attention: (event) =>
      event.details.outcome === 'rate-limited' ||
      event.details.outcome === 'refused' ||
      event.details.reason === 'restricted' ||
      event.details.reason === 'very-restricted' ||
      event.details.reason === 'access-denied',
  },
  'practice.onboarded': {
    section: 'staff',
    label: 'Practice joined the platform',
    describe: (event) => `The practice (ODS ${text(event.details.odsCode)}) was brought onto Clinic Connect.`,
    cells: (event) => ({ detail: `ODS code ${text(event.details.odsCode)}` }),
  },
  'staff.invited': {
    section: 'staff',
    label: 'Invited',
    describe: (event) => `A ${roleLabel(event.details.role).toLowerCase()} was invited to join the practice.`,
    cells: (event) => ({ detail: `As ${roleLabel(event.details.role).toLowerCase()}` }),
  },
  'staff.registered': {
    section: 'staff',
    label: 'Registered',
    describe: (event, context) => `${context.staffName(event.actor.sub)} registered with the practice.`,
    cells: (event) => ({
      detail: `${event.details.invited === true ? 'Invited; ' : ''}${STATUS_WORDS[text(event.details.status)] ?? text(event.details.status)}, as ${roleLabel(event.details.role).toLowerCase()}`,
    }),
  },
  'staff.approved': staffChange('Approved', 'approved'),
  'staff.rejected': staffChange('Rejected', 'rejected'),
  'staff.suspended': { ...staffChange('Suspended', 'suspended'), attention: () => true },
  'staff.reinstated': staffChange('Reinstated', 'reinstated'),
  'staff.role_changed': {
    section: 'staff',
    label: 'Role changed',
    describe: (event, context) =>
      `${context.staffName(event.actor.sub)} changed the role of ${event.subject ? context.staffName(event.subject.sub) : 'a member'} from ${roleLabel(event.details.fromRole).toLowerCase()} to ${roleLabel(event.details.toRole).toLowerCase()}.`,
    cells: (event) => ({
      detail: `${roleLabel(event.details.fromRole)} → ${roleLabel(event.details.toRole)}`,
    }),
  },
  'staff.authenticator_reset': {
    section: 'staff',
    label: 'Authenticator reset',
    describe: (event, context) =>
      `${context.staffName(event.actor.sub)} reset the authenticator of ${event.subject ? context.staffName(event.subject.sub) : 'a member'}: they set up a new one at their next sign-in.`,
    cells: () => ({ detail: 'Second factor reset; signed out everywhere' }),
    attention: () => true,
  },
  'staff.aup_accepted': {
    section: 'staff',
    label: 'Accepted the acceptable-use policy',
    describe: (event, context) =>
      `${context.staffName(event.actor.sub)} accepted version ${text(event.details.version)} of the acceptable-use policy.`,
    cells: (event) => ({ detail: `Version ${text(event.details.version)}` }),
  },
  'audit.report_run': {
    section: 'audit',
    label: 'Audit report run',
    describe: (event, context) =>
      `${context.staffName(event.actor.sub)} ran an audit report (${reportScope(event, context)}).`,
    cells: (event, context) => ({ detail: reportScope(event, context) }),
  },
  'audit.report_downloaded': {
    section: 'audit',
    label: 'Audit report downloaded',
    describe: (event, context) =>
      `${context.staffName(event.actor.sub)} downloaded an audit report as ${text(event.details.format).toUpperCase()}.`,
    cells: (event) => ({
      outcome: text(event.details.format).toUpperCase(),
      detail: `Report ${text(event.details.reportId)}`,
    }),
  },
  'audit.integrity_checked': {
    section: 'audit',
    label: 'Integrity checked',
    describe: (event, context) =>
      `${context.staffName(event.actor.sub)} checked the audit trail’s integrity: ${event.details.intact === true ? 'intact' : `${text(event.details.breaks)} break(s) found`}.`,
    cells: (event) => ({
      outcome: event.details.intact === true ? 'Intact' : `${text(event.details.breaks)} break(s)`,
      detail: `${text(event.details.eventsChecked)} events checked, ${text(event.details.notYetSealed)} not yet sealed (${text(event.details.from)} to ${text(event.details.to)})`,
    }),
    attention: (event) => event.details.intact !== true,
  },
  'invite.created': {
    section: 'invitations',
    label: 'Invitation made',
    describe: (event, context) =>
      `${context.staffName(event.actor.sub)} invited a patient to a video consultation by SMS${event.details.withMessage === true ? ', with a message of their own' : ''}.`,
    cells: (event) => ({
      outcome: 'Made',
      detail: [
        `${text(event.details.segments)} text(s)`,
        event.details.withMessage === true ? 'with the clinician’s message' : 'standard text',
        typeof event.details.warnings === 'string' ? `warnings confirmed: ${event.details.warnings}` : '',
      ]
        .filter(Boolean)
        .join('; '),
    }),
  },
  'invite.refused': {
    section: 'invitations',
    label: 'Invitation refused',
    describe: (event, context) =>
      `${context.staffName(event.actor.sub)} tried to invite a patient; refused: ${inviteReason(event.details.reason)}.`,
    cells: (event) => ({
      outcome: 'Refused',
      detail: `${inviteReason(event.details.reason)}${typeof event.details.limit === 'string' ? ` (${event.details.limit})` : ''}`,
    }),
    attention: (event) => event.details.reason === 'rate-limited' || event.details.reason === 'opted-out',
  },
  'invite.held': {
    section: 'held-messages',
    label: 'Message held for review',
    describe: (event, context) =>
      `The message ${context.staffName(event.actor.sub)} wrote was held for the clinical lead (${text(event.details.categories)}).`,
    cells: (event) => ({ outcome: 'Held', detail: `Flagged: ${text(event.details.categories)}` }),
    attention: () => true,
  },
  'invite.released': {
    section: 'held-messages',
    label: 'Held message released',
    describe: (event, context) =>
      `${context.staffName(event.actor.sub)} released a held message written by ${context.staffName(text(event.details.author))}; it was sent.`,
    cells: (event, context) => ({
      outcome: 'Released',
      detail: `Written by ${context.staffName(text(event.details.author))}`,
    }),
  },
  'invite.rejected': {
    section: 'held-messages',
    label: 'Held message rejected',
    describe: (event, context) =>
      `${context.staffName(event.actor.sub)} rejected a held message written by ${context.staffName(text(event.details.author))}; nothing was sent.`,
    cells: (event, context) => ({
      outcome: 'Rejected',
      detail: `Written by ${context.staffName(text(event.details.author))}`,
    }),
  },
  'invite.queued': {
    section: 'invitations',
    label: 'SMS queued',
    describe: () => 'The invitation’s SMS was queued for sending.',
    cells: (event) => ({
      outcome: 'Queued',
      detail: `Link works until ${ukTime(event.details.expiresAt)}`,
    }),
  },
  'invite.sent': {
    section: 'invitations',
    label: 'SMS sent',
    describe: () => 'The SMS service accepted the invitation’s text.',
    cells: (event) => ({ outcome: 'Sent', detail: providerReference(event) }),
  },
  'invite.delivered': {
    section: 'invitations',
    label: 'SMS delivered',
    describe: () => 'The patient’s phone network reported the text delivered.',
    cells: (event) => ({
      outcome: 'Delivered',
      detail: [
        providerReference(event),
        typeof event.details.priceUsd === 'number' ? `cost US$${event.details.priceUsd}` : '',
      ]
        .filter(Boolean)
        .join('; '),
    }),
  },
  'invite.failed': {
    section: 'invitations',
    label: 'SMS not delivered',
    describe: (event) => `The text was not delivered: ${text(event.details.reason) || 'no reason given'}.`,
    cells: (event) => ({
      outcome: 'Failed',
      detail: [text(event.details.kind), text(event.details.reason), providerReference(event)]
        .filter(Boolean)
        .join('; '),
    }),
    attention: () => true,
  },
  'invite.unknown': {
    section: 'invitations',
    label: 'SMS delivery unknown',
    describe: () => 'No delivery report came back for the text in time: whether it arrived is not known.',
    cells: (event) => ({ outcome: 'Unknown', detail: providerReference(event) }),
  },
  'invite.expired': {
    section: 'invitations',
    label: 'Invitation expired',
    describe: () => 'The invitation’s link and code stopped working at their set time.',
    cells: () => ({ outcome: 'Expired' }),
  },
  'invite.cancelled': {
    section: 'invitations',
    label: 'Invitation cancelled',
    describe: (event, context) =>
      event.details.reason === 'replaced'
        ? 'The invitation was replaced by a newer one for the same patient.'
        : `${context.staffName(event.actor.sub)} cancelled the invitation${event.details.wasHeld === true ? ' while it was held for review' : ''}.`,
    cells: (event) => ({
      outcome: 'Cancelled',
      detail: event.details.reason === 'replaced' ? 'Replaced by a newer invitation' : 'By staff',
    }),
  },
  'invite.resent': {
    section: 'invitations',
    label: 'Invitation sent again',
    describe: (event, context) =>
      `${context.staffName(event.actor.sub)} sent the patient a new link and code in place of an earlier invitation.`,
    cells: () => ({ outcome: 'Sent again' }),
  },
  'sms.opted_out': {
    section: 'opt-outs',
    label: 'Opted out of texts',
    describe: (event, context) =>
      event.details.source === 'patient'
        ? 'The patient asked, on the join page, not to be texted by the practice again.'
        : `${context.staffName(event.actor.sub)} recorded the patient’s wish not to be texted.`,
    cells: (event) => ({
      detail: event.details.source === 'patient' ? 'By the patient' : 'Recorded by staff',
    }),
  },
  'sms.opted_in': {
    section: 'opt-outs',
    label: 'Opted back in to texts',
    describe: (event, context) =>
      `${context.staffName(event.actor.sub)} recorded that the patient may be texted again.`,
    cells: () => ({ detail: 'Recorded by staff' }),
  },
  'consultation.code_attempt': {
    section: 'consent',
    label: 'Code entered',
    describe: (event) => `The join code was entered: ${codeOutcome(event)}.`,
    cells: (event) => ({ detail: codeOutcome(event) }),
    attention: (event) => event.details.outcome === 'locked' || event.details.outcome === 'throttled',
  },
  'consultation.consent': {
    section: 'consent',
    label: 'Consent',
    describe: (event) =>
      `The patient entered the right code, agreeing to the video consultation (wording version ${text(event.details.wordingVersion)}).`,
    cells: (event) => ({
      detail: `Wording version ${text(event.details.wordingVersion)}; ${text(event.details.userAgent)}`,
    }),
  },
  'consultation.dissent': {
    section: 'consent',
    label: 'Dissent',
    describe: (event) =>
      `The patient left (${text(event.details.reason)}) at the ${text(event.details.step)} step.`,
    cells: (event) => ({
      detail: `Left at ${text(event.details.step)}: ${text(event.details.reason)}${event.details.at ? `, ${ukTime(event.details.at)}` : ''}`,
    }),
  },
  'consultation.admitted': {
    section: 'consultations',
    label: 'Patient admitted',
    describe: (event, context) =>
      `${context.staffName(event.actor.sub)} let the patient in to the video consultation (media in ${text(event.details.mediaRegion)}).`,
    cells: (event) => ({ outcome: 'Started', detail: `Media region ${text(event.details.mediaRegion)}` }),
  },
  'consultation.ended': {
    section: 'consultations',
    label: 'Consultation ended',
    describe: (event) =>
      `The video consultation ended (${text(event.details.reason)})${typeof event.details.durationSeconds === 'number' ? ` after ${callLength(event.details.durationSeconds)}` : ''}.`,
    cells: (event) => ({
      outcome: 'Ended',
      detail: [
        text(event.details.reason),
        typeof event.details.durationSeconds === 'number'
          ? `in the call ${callLength(event.details.durationSeconds)}`
          : '',
      ]
        .filter(Boolean)
        .join('; '),
    }),
  },
  'consultation.opt_out': {
    section: 'opt-outs',
    label: 'Stop texts (join page)',
    describe: () => 'The patient chose “Stop texts from this practice” on the join page.',
    cells: () => ({ detail: 'By the patient' }),
  },
  'practice.video_settings_changed': {
    section: 'staff',
    label: 'Video settings changed',
    describe: (event, context) =>
      `${context.staffName(event.actor.sub)} changed the practice’s media region from ${text(event.details.from)} to ${text(event.details.to)}.`,
    cells: (event) => ({ detail: `Media region ${text(event.details.from)} → ${text(event.details.to)}` }),
  },
} satisfies Record<AuditEventType, EventPresentation>;

/** Keys of `details` that are references to a patient, never shown as they are. */
const PATIENT_REFERENCE_KEYS = new Set(['nhsNumberCiphertext', 'nhsNumberIndex', 'patientNameCiphertext']);

export function presentationOf(type: string): EventPresentation | undefined {
  return Object.hasOwn(EVENT_TYPES, type)
    ? (EVENT_TYPES as Record<string, EventPresentation>)[type]
    : undefined;
}

export function sectionOf(type: string): SectionId {
  return presentationOf(type)?.section ?? 'other';
}

/** The event types listed in a section (for `other`: none; it is every type not declared). */
export function typesOf(section: SectionId): string[] {
  return Object.entries(EVENT_TYPES as Record<string, EventPresentation>)
    .filter(([, presentation]) => presentation.section === section)
    .map(([type]) => type);
}

export const DECLARED_TYPES: readonly string[] = Object.keys(EVENT_TYPES);

/** "staff.role_changed" → "Staff role changed": an undeclared type, readable. */
function humanise(type: string): string {
  const words = type.replace(/[._-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** An undeclared event's details, as `key: value` pairs (scalars only; patient references left out). */
function genericDetail(event: ReportEvent): string {
  return Object.entries(event.details)
    .filter(
      ([key, value]) =>
        !PATIENT_REFERENCE_KEYS.has(key) && ['string', 'number', 'boolean'].includes(typeof value),
    )
    .map(([key, value]) => `${key}: ${text(value)}`)
    .join('; ');
}

export interface ReportRow {
  eventId: string;
  at: string;
  type: string;
  section: SectionId;
  label: string;
  description: string;
  attention: boolean;
  cells: Record<ColumnKey, string>;
}

/** One event as a row: the cells every row has, then its type's own. */
export function presentRow(event: ReportEvent, context: RowContext): ReportRow {
  const presentation = presentationOf(event.type);
  const patient = context.patient;
  const common: Record<ColumnKey, string> = {
    time: ukDateTime(event.at),
    staff: context.staffName(event.actor.sub),
    role: roleLabel(event.actor.role),
    member:
      event.subject && event.subject.sub !== event.actor.sub ? context.staffName(event.subject.sub) : '',
    patient: patient?.unreadable
      ? 'Cannot be decrypted'
      : patient?.nhsNumber
        ? formatNhsNumber(patient.nhsNumber)
        : '',
    patientName: patient?.name ?? '',
    event: presentation?.label ?? humanise(event.type),
    outcome: '',
    detail: presentation ? '' : genericDetail(event),
    requestId: event.requestId ?? '',
    eventId: event.eventId,
  };
  const own = presentation?.cells?.(event, context) ?? {};
  return {
    eventId: event.eventId,
    at: event.at,
    type: event.type,
    section: presentation?.section ?? 'other',
    label: common.event,
    description: presentation
      ? presentation.describe(event, context)
      : `${humanise(event.type)} by ${common.staff}.`,
    attention: presentation?.attention?.(event) ?? false,
    cells: {
      ...common,
      ...Object.fromEntries(Object.entries(own).filter(([, value]) => value !== undefined)),
    },
  };
}
