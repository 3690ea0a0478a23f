import type { output } from 'zod/v4/core';
import { type Counts, type DynamoAuditTotals, emptyCounts } from '../../layers/audit/day-totals';
import type { DynamoDigestStore } from '../../layers/audit/seal/dynamo-digest-store';
import { DEFAULT_LATE_WINDOW_MS } from '../../layers/audit/seal/sealer';
import type { PracticeBlindIndex } from '../../layers/crypto/blind-index';
import type { FieldCrypto } from '../../layers/crypto/field-crypto';
import { BadRequestError, GoneError, NotFoundError } from '../../layers/http/errors';
import type { StaffCaller } from '../../layers/http/staff-gate';
import { AUDIT_NHS_NUMBER_FIELD, REPORT_RUN_NHS_NUMBER_FIELD } from '../../layers/records/record-kinds';
import { formatNhsNumber } from '../../layers/universal/nhs-number';
import { addDays, longDay, ukDateTime, ukDay, ukDayStart } from '../../layers/universal/uk-days';
import { CSV_BOM, csvLine } from './csv';
import {
  COLUMNS,
  type ColumnKey,
  DECLARED_TYPES,
  presentRow,
  type ReportEvent,
  type ReportRow,
  roleLabel,
  SECTIONS,
  type SectionId,
  typesOf,
} from './event-catalogue';
import type { PatientResolver } from './patients';
import type { AuditEventReader, Position, TypeFilter } from './report-events';
import type { ReportRun, ReportRuns } from './report-runs';
import {
  type CsvChunk,
  DEFAULT_PAGE_SIZE,
  type RunReportRequest,
  type RunReportResponse,
  type SectionPage,
} from './routes';

export interface ReportDeps {
  reader: AuditEventReader;
  totals: Pick<DynamoAuditTotals, 'totals'>;
  /** What the report needs of the digests: how far sealing has reached, and which events are sealed. */
  digests: Pick<DynamoDigestStore, 'sealedThrough' | 'sealedEventIds'>;
  runs: ReportRuns;
  patients: PatientResolver;
  blindIndex: PracticeBlindIndex;
  fields: FieldCrypto;
  now?: () => Date;
  lateWindowMs?: number;
}

/** Rows per part of the CSV: a few seconds of work, well inside API Gateway's 30 s and 10 MB. */
export const CSV_CHUNK_ROWS = 2_000;

type RunRequest = output<typeof RunReportRequest>;

// ---------------------------------------------------------------------------------------------------------
// Cursors: where a page ended, opaque to the console.
// ---------------------------------------------------------------------------------------------------------

export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify([position.at, position.eventId]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, field = 'query.cursor'): Position {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === 'string' &&
      !Number.isNaN(Date.parse(parsed[0])) &&
      typeof parsed[1] === 'string' &&
      /^[A-Za-z0-9-]{1,64}$/.test(parsed[1])
    ) {
      return { at: parsed[0], eventId: parsed[1] };
    }
  } catch {
    // falls through
  }
  throw new BadRequestError('That page of the report does not exist: go back to the first page.', [
    { field, message: 'is not a cursor this report gave' },
  ]);
}

// ---------------------------------------------------------------------------------------------------------
// What a report covers, and how much of it the sealer's totals already count.
// ---------------------------------------------------------------------------------------------------------

export interface Scope {
  from: string;
  to: string;
  fromIso: string;
  toIso: string;
  member?: string;
  patientIndex?: string;
}

export function scopeOf(run: ReportRun): Scope {
  return {
    from: run.from,
    to: run.to,
    fromIso: run.fromIso,
    toIso: run.toIso,
    ...(run.staffId ? { member: run.staffId } : {}),
    ...(run.patientIndex ? { patientIndex: run.patientIndex } : {}),
  };
}

interface Coverage {
  /** Counts per UK day of the sealed events (from the sealer's totals). */
  days: Map<string, Counts>;
  /** Counts of the matching events no digest holds yet (or, filtered by patient, of all of them). */
  tail: Counts;
  /** Days before this are fully counted by `days`; from it on, every day is read. */
  horizonDay: string | undefined;
  sealedThrough: string | null;
}

/** The later of two ISO times (they compare as strings). */
const later = (a: string, b: string) => (a > b ? a : b);
const shift = (iso: string, ms: number) => new Date(new Date(iso).getTime() + ms).toISOString();

async function coverage(
  deps: ReportDeps,
  practiceId: string,
  scope: Scope,
  countTail: boolean,
): Promise<Coverage> {
  const lateWindowMs = deps.lateWindowMs ?? DEFAULT_LATE_WINDOW_MS;
  const sealedThrough = await deps.digests.sealedThrough(practiceId);
  if (scope.patientIndex) {
    // A patient's events are few: counted from the index, whatever is sealed.
    const tail = countTail
      ? await deps.reader.count({ from: scope.fromIso, to: scope.toIso, patientIndex: scope.patientIndex })
      : emptyCounts();
    return { days: new Map(), tail, horizonDay: undefined, sealedThrough };
  }
  const tailStart = sealedThrough ? shift(sealedThrough, -lateWindowMs) : scope.fromIso;
  const [days, tail] = await Promise.all([
    sealedThrough ? deps.totals.totals(practiceId, scope.from, scope.to) : new Map<string, Counts>(),
    (async () => {
      const from = later(tailStart, scope.fromIso);
      if (!countTail || from >= scope.toIso) return emptyCounts();
      const sealed = sealedThrough
        ? await deps.digests.sealedEventIds(practiceId, tailStart)
        : new Set<string>();
      return deps.reader.count({ from, to: scope.toIso }, sealed);
    })(),
  ]);
  return { days, tail, horizonDay: sealedThrough ? ukDay(tailStart) : scope.from, sealedThrough };
}

function typeFilter(section: SectionId | 'all'): TypeFilter | undefined {
  if (section === 'all') return undefined;
  if (section === 'other') return { notIn: DECLARED_TYPES };
  return { in: typesOf(section) };
}

/** How many of `counts` match a section's types and the member filter. */
function countFor(
  counts: Counts | undefined,
  filter: TypeFilter | undefined,
  member: string | undefined,
): number {
  if (!counts) return 0;
  const byType = member ? (counts.byMember[member] ?? {}) : counts.byType;
  let total = 0;
  for (const [type, n] of Object.entries(byType)) {
    if (!filter || ('in' in filter ? filter.in.includes(type) : !filter.notIn.includes(type))) total += n;
  }
  return total;
}

function totalFor(cover: Coverage, filter: TypeFilter | undefined, member: string | undefined): number {
  let total = countFor(cover.tail, filter, member);
  for (const counts of cover.days.values()) total += countFor(counts, filter, member);
  return total;
}

/** Days the reader may skip: fully counted, and nothing in them matches. */
function skipDay(cover: Coverage, filter: TypeFilter | undefined, member: string | undefined) {
  const horizon = cover.horizonDay;
  if (horizon === undefined) return undefined;
  return (day: string) => day < horizon && countFor(cover.days.get(day), filter, member) === 0;
}

/** The sections a report shows: every one some declared type lists, and "Other events" when it has any. */
function shownSections(cover: Coverage, member: string | undefined) {
  return SECTIONS.filter((section) =>
    section.id === 'other'
      ? totalFor(cover, typeFilter('other'), member) > 0
      : typesOf(section.id).length > 0,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Rows.
// ---------------------------------------------------------------------------------------------------------

const SYSTEM_ACTORS: Record<string, string> = {
  'system:invite-sender': 'Clinic Connect (SMS sender)',
  'system:sms-delivery-status': 'Clinic Connect (SMS delivery reports)',
  'system:invite-sweep': 'Clinic Connect (invitation expiry)',
};

/** Who each `sub` is, as the officer reads it. */
async function staffNames(caller: StaffCaller): Promise<(sub: string) => string> {
  const names = new Map(
    (await caller.stores.directory.listStaff()).map((member) => [member.sub, member.name]),
  );
  return (sub: string) => {
    const name = names.get(sub);
    if (name) return name;
    if (sub.startsWith('operator:')) return `Platform operator (${sub.slice('operator:'.length)})`;
    // What the app itself did, and what the patient did on the join page (functions/invites, functions/join).
    if (sub === 'patient') return 'The patient';
    if (sub.startsWith('system:')) return SYSTEM_ACTORS[sub] ?? 'Clinic Connect';
    return `Unknown member (${sub.slice(0, 8)})`;
  };
}

async function rowsOf(deps: ReportDeps, events: ReportEvent[], staffName: (sub: string) => string) {
  const patients = await Promise.all(events.map((event) => deps.patients.resolve(event)));
  return events.map((event, index) => {
    const patient = patients[index];
    return presentRow(event, { staffName, ...(patient ? { patient } : {}) });
  });
}

function apiRow(row: ReportRow, columns: readonly ColumnKey[]) {
  return {
    eventId: row.eventId,
    at: row.at,
    type: row.type,
    label: row.label,
    description: row.description,
    attention: row.attention,
    cells: Object.fromEntries(columns.map((column) => [column, row.cells[column]])),
  };
}

async function sectionPage(
  deps: ReportDeps,
  cover: Coverage,
  scope: Scope,
  section: (typeof SECTIONS)[number],
  staffName: (sub: string) => string,
  after: Position | undefined,
  limit: number,
) {
  const filter = typeFilter(section.id);
  const skip = skipDay(cover, filter, scope.member);
  const { events, next } = await deps.reader.page({
    from: scope.fromIso,
    to: scope.toIso,
    ...(filter ? { types: filter } : {}),
    ...(scope.member ? { member: scope.member } : {}),
    ...(scope.patientIndex ? { patientIndex: scope.patientIndex } : {}),
    ...(after ? { after } : {}),
    ...(skip ? { skipDay: skip } : {}),
    limit,
  });
  const rows = await rowsOf(deps, events, staffName);
  return {
    rows: rows.map((row) => apiRow(row, section.columns)),
    cursor: next ? encodeCursor(next) : null,
  };
}

// ---------------------------------------------------------------------------------------------------------
// The routes' work.
// ---------------------------------------------------------------------------------------------------------

export async function openRun(
  deps: Pick<ReportDeps, 'runs' | 'now'>,
  caller: StaffCaller,
  reportId: string,
): Promise<ReportRun> {
  const run = await deps.runs.get(reportId, deps.now?.() ?? new Date());
  // Only the member who ran it: another's run would let one member read under another's audited run.
  if (!run || (run !== 'expired' && run.createdBy !== caller.subject)) {
    throw new NotFoundError('There is no such report. Run the report again.');
  }
  if (run === 'expired')
    throw new GoneError('This report has expired. Run it again to see the latest events.');
  return run;
}

/**
 * Runs a report: audited before anything is read (a report that cannot be put on record is not run), kept as
 * a run for paging and downloads, and answered with its heading, its totals and the first page of each
 * section.
 */
export async function runReport(
  deps: ReportDeps,
  caller: StaffCaller,
  request: RunRequest,
  requestId: string,
): Promise<output<typeof RunReportResponse>> {
  const now = deps.now?.() ?? new Date();
  const { practiceId } = caller;
  const staffName = await staffNames(caller);
  let staffFilter: { id: string; name: string } | null = null;
  if (request.staffId) {
    const member = await caller.stores.directory.getStaff(request.staffId);
    if (!member) {
      throw new BadRequestError('Choose a member of your practice, or no one.', [
        { field: 'body.staffId', message: 'is not a member of your practice' },
      ]);
    }
    staffFilter = { id: member.sub, name: member.name };
  }
  const patient = request.nhsNumber
    ? await Promise.all([
        deps.blindIndex.of(practiceId, 'nhsNumber', request.nhsNumber),
        deps.fields.encrypt(practiceId, AUDIT_NHS_NUMBER_FIELD, request.nhsNumber),
        deps.fields.encrypt(practiceId, REPORT_RUN_NHS_NUMBER_FIELD, request.nhsNumber),
      ])
    : undefined;
  const run: ReportRun = {
    reportId: deps.runs.newReportId(),
    createdBy: caller.subject,
    createdAt: now.toISOString(),
    from: request.from,
    to: request.to,
    fromIso: ukDayStart(request.from),
    toIso: ukDayStart(addDays(request.to, 1)),
    ...(staffFilter ? { staffId: staffFilter.id } : {}),
    ...(patient ? { patientIndex: patient[0], patientNhsCiphertext: patient[2] } : {}),
  };
  await caller.stores.audit.record({
    type: 'audit.report_run',
    actor: { sub: caller.subject, role: caller.staff.role },
    requestId,
    details: {
      reportId: run.reportId,
      from: run.from,
      to: run.to,
      ...(staffFilter ? { staffFilter: staffFilter.id } : {}),
      // The patient filter as every audit event keeps a patient: so a report about a patient lists it too.
      ...(patient ? { nhsNumberIndex: patient[0], nhsNumberCiphertext: patient[1] } : {}),
    },
  });
  await deps.runs.create(run, now);

  const scope = scopeOf(run);
  const cover = await coverage(deps, practiceId, scope, true);
  const sections = await Promise.all(
    shownSections(cover, scope.member).map(async (section) => {
      const total = totalFor(cover, typeFilter(section.id), scope.member);
      const page =
        total > 0
          ? await sectionPage(deps, cover, scope, section, staffName, undefined, DEFAULT_PAGE_SIZE)
          : { rows: [], cursor: null };
      return {
        id: section.id,
        title: section.title,
        description: section.description,
        columns: section.columns.map((key) => ({ key, label: COLUMNS[key] })),
        total,
        ...page,
      };
    }),
  );
  const practice = await caller.stores.directory.getPracticeCached();
  return {
    reportId: run.reportId,
    practice: { id: practiceId, name: practice?.name ?? practiceId, odsCode: practice?.odsCode ?? '' },
    range: { from: run.from, to: run.to },
    filters: {
      staff: staffFilter,
      patient: request.nhsNumber ? { nhsNumber: formatNhsNumber(request.nhsNumber) } : null,
    },
    generatedAt: now.toISOString(),
    generatedBy: { name: caller.staff.name, role: caller.staff.role },
    sealing: { sealedThrough: cover.sealedThrough, notYetSealed: unsealed(cover, scope) },
    total: totalFor(cover, undefined, scope.member),
    sections,
  };
}

/** Events in the report not in any digest yet (for a patient's report: of those, the newer than sealing). */
function unsealed(cover: Coverage, scope: Scope): number {
  if (scope.patientIndex) return 0;
  return countFor(cover.tail, undefined, scope.member);
}

/** The next page of one section of a run. */
export async function reportSection(
  deps: ReportDeps,
  caller: StaffCaller,
  reportId: string,
  sectionId: string,
  cursor: string | undefined,
  limit = DEFAULT_PAGE_SIZE,
): Promise<output<typeof SectionPage>> {
  const run = await openRun(deps, caller, reportId);
  const section = SECTIONS.find((candidate) => candidate.id === sectionId) as (typeof SECTIONS)[number];
  const after = cursor ? decodeCursor(cursor) : undefined;
  const scope = scopeOf(run);
  const [cover, staffName] = await Promise.all([
    coverage(deps, caller.practiceId, scope, false),
    staffNames(caller),
  ]);
  const page = await sectionPage(deps, cover, scope, section, staffName, after, limit);
  return { id: section.id, ...page };
}

const CSV_COLUMNS: readonly [string, (row: ReportRow) => string][] = [
  ['Time (UK)', (row) => row.cells.time],
  ['Time (UTC)', (row) => row.at],
  ['Section', (row) => SECTIONS.find((section) => section.id === row.section)?.title ?? row.section],
  ['Event', (row) => row.label],
  ['Description', (row) => row.description],
  ['By', (row) => row.cells.staff],
  ['Role', (row) => row.cells.role],
  ['Member of staff', (row) => row.cells.member],
  ['NHS number', (row) => row.cells.patient],
  ['Patient', (row) => row.cells.patientName],
  ['Outcome', (row) => row.cells.outcome],
  ['Details', (row) => row.cells.detail],
  ['Needs attention', (row) => (row.attention ? 'yes' : '')],
  ['Event type', (row) => row.type],
  ['Request ID', (row) => row.cells.requestId],
  ['Event ID', (row) => row.eventId],
];

/** What the first part of every CSV starts with: a personal-data notice, then the report's heading. */
async function csvHeading(deps: ReportDeps, caller: StaffCaller, run: ReportRun, cover: Coverage, now: Date) {
  const practice = await caller.stores.directory.getPracticeCached();
  const practiceName = practice ? `${practice.name} (ODS ${practice.odsCode})` : caller.practiceId;
  const filters: string[] = [];
  if (run.staffId) {
    const member = await caller.stores.directory.getStaff(run.staffId);
    filters.push(`member of staff: ${member?.name ?? run.staffId}`);
  }
  if (run.patientNhsCiphertext) {
    const nhs = await deps.fields.decrypt(
      caller.practiceId,
      REPORT_RUN_NHS_NUMBER_FIELD,
      run.patientNhsCiphertext,
    );
    filters.push(`patient: NHS number ${formatNhsNumber(nhs)}`);
  }
  const lines = [
    [
      'PERSONAL DATA - OFFICIAL-SENSITIVE. This file holds patient identifiers (NHS numbers and names) and ' +
        `staff names from the audit trail of ${practiceName}. Keep it on NHS systems, share it only with ` +
        'people entitled to see it, and delete it when it is no longer needed (UK GDPR; the practice is the ' +
        'data controller).',
    ],
    ['Practice', practiceName],
    ['Period', `${longDay(run.from)} to ${longDay(run.to)} (UK time)`],
    ['Filters', filters.length > 0 ? filters.join('; ') : 'none: every event'],
    ['Generated', `${ukDateTime(now)} (UK) by ${caller.staff.name}, ${roleLabel(caller.staff.role)}`],
    ['Report ID', run.reportId],
    [
      'Sealed',
      cover.sealedThrough
        ? `events up to ${ukDateTime(cover.sealedThrough)} (UK) are sealed in signed digests; newer ones within minutes. Check with "Verify integrity" or npm run audit:verify.`
        : 'nothing sealed yet: digests are made every few minutes.',
    ],
    [],
    CSV_COLUMNS.map(([label]) => label),
  ];
  return CSV_BOM + lines.map((cells) => csvLine(cells)).join('');
}

/**
 * One part of the report's CSV: every matching event, oldest first. The first part (no cursor) is put on
 * record as a download before anything is read, and starts with the heading.
 */
export async function reportCsvChunk(
  deps: ReportDeps,
  caller: StaffCaller,
  reportId: string,
  cursor: string | undefined,
  requestId: string,
): Promise<output<typeof CsvChunk>> {
  const now = deps.now?.() ?? new Date();
  const run = await openRun(deps, caller, reportId);
  const after = cursor ? decodeCursor(cursor) : undefined;
  if (!after) {
    await caller.stores.audit.record({
      type: 'audit.report_downloaded',
      actor: { sub: caller.subject, role: caller.staff.role },
      requestId,
      details: { reportId: run.reportId, format: 'csv', from: run.from, to: run.to },
    });
  }
  const scope = scopeOf(run);
  const [cover, staffName] = await Promise.all([
    coverage(deps, caller.practiceId, scope, false),
    staffNames(caller),
  ]);
  const skip = skipDay(cover, undefined, scope.member);
  const { events, next } = await deps.reader.page({
    from: scope.fromIso,
    to: scope.toIso,
    ...(scope.member ? { member: scope.member } : {}),
    ...(scope.patientIndex ? { patientIndex: scope.patientIndex } : {}),
    ...(after ? { after } : {}),
    ...(skip ? { skipDay: skip } : {}),
    limit: CSV_CHUNK_ROWS,
  });
  const rows = await rowsOf(deps, events, staffName);
  const body = rows.map((row) => csvLine(CSV_COLUMNS.map(([, cell]) => cell(row)))).join('');
  const heading = after ? '' : await csvHeading(deps, caller, run, cover, now);
  const practice = await caller.stores.directory.getPracticeCached();
  return {
    csv: heading + body,
    rows: rows.length,
    cursor: next ? encodeCursor(next) : null,
    fileName: `audit-report-${(practice?.odsCode ?? caller.practiceId).toLowerCase()}-${run.from}-to-${run.to}.csv`,
  };
}
