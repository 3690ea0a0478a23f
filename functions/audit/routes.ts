import { StaffRole, StaffStatus } from '../../layers/directory/model';
import { defineRoute } from '../../layers/http/route';
import { compactNhsNumber, NHS_NUMBER_PROBLEMS, nhsNumberProblem } from '../../layers/universal/nhs-number';
import { isDay, ukDay } from '../../layers/universal/uk-days';
import * as z from '../../layers/validation/z';
import { COLUMNS, SECTION_IDS } from './event-catalogue';

/** The longest range one report covers: a year, and a few days either side. */
export const MAX_REPORT_DAYS = 400;
export const EARLIEST_REPORT_DAY = '2020-01-01';
export const DEFAULT_PAGE_SIZE = 25;

const Day = (what: string) =>
  z.string().check(
    z.superRefine((value, context) => {
      const fail = (message: string) => context.issues.push({ code: 'custom', message, input: value });
      if (!isDay(value)) fail(`must be a real date, written YYYY-MM-DD (the ${what} of the report)`);
      else if (value < EARLIEST_REPORT_DAY) fail(`must be ${EARLIEST_REPORT_DAY} or later`);
      else if (value > ukDay(new Date())) fail('must not be in the future');
    }),
  );

const NhsNumber = z.pipe(
  z.string().check(
    z.superRefine((typed, context) => {
      const problem = nhsNumberProblem(typed);
      if (problem)
        context.issues.push({ code: 'custom', message: NHS_NUMBER_PROBLEMS[problem], input: typed });
    }),
  ),
  z.transform(compactNhsNumber),
);

const StaffId = z.string().check(z.regex(/^[A-Za-z0-9:._-]{1,128}$/, 'is not a staff id'));

export const RunReportRequest = z
  .strictObject({
    /** UK calendar days, both included. */
    from: Day('first day'),
    to: Day('last day'),
    /** Only what this member did, or what was done to them. */
    staffId: z.optional(StaffId),
    /** Only events about this patient; matched by blind index, never stored or logged as typed. */
    nhsNumber: z.optional(NhsNumber),
  })
  .check(
    z.superRefine((request, context) => {
      if (!isDay(request.from) || !isDay(request.to)) return;
      if (request.to < request.from) {
        context.issues.push({
          code: 'custom',
          message: 'must be the same day as the first day or after it',
          path: ['to'],
          input: request.to,
        });
        return;
      }
      const days = (Date.parse(request.to) - Date.parse(request.from)) / 86_400_000 + 1;
      if (days > MAX_REPORT_DAYS) {
        context.issues.push({
          code: 'custom',
          message: `must be at most ${MAX_REPORT_DAYS} days after the first day: run one report per year`,
          path: ['to'],
          input: request.to,
        });
      }
    }),
  );

export const ReportRow = z.strictObject({
  eventId: z.string(),
  at: z.string(),
  type: z.string(),
  label: z.string(),
  description: z.string(),
  /** Worth a reviewer's look: a rate limit reached, a restricted record, a suspension, a broken trail. */
  attention: z.boolean(),
  cells: z.record(z.string(), z.string()),
});

const Column = z.strictObject({
  key: z.enum(Object.keys(COLUMNS) as [keyof typeof COLUMNS]),
  label: z.string(),
});

export const ReportSection = z.strictObject({
  id: z.enum(SECTION_IDS as [string, ...string[]]),
  title: z.string(),
  description: z.string(),
  columns: z.array(Column),
  /** Every matching event in the range, not only this page. */
  total: z.int(),
  rows: z.array(ReportRow),
  /** Where the next page starts; null when this was the last. */
  cursor: z.nullable(z.string()),
});

const StaffRef = z.strictObject({ id: z.string(), name: z.string() });

export const ReportHeader = z.strictObject({
  reportId: z.string(),
  practice: z.strictObject({ id: z.string(), name: z.string(), odsCode: z.string() }),
  range: z.strictObject({ from: z.string(), to: z.string() }),
  filters: z.strictObject({
    staff: z.nullable(StaffRef),
    /** As the officer typed it, for their own screen and print-out; kept encrypted with the run. */
    patient: z.nullable(z.strictObject({ nhsNumber: z.string() })),
  }),
  generatedAt: z.iso.datetime(),
  generatedBy: z.strictObject({ name: z.string(), role: StaffRole }),
  sealing: z.strictObject({
    /** Events before this are sealed in signed digests; null when nothing is sealed yet. */
    sealedThrough: z.nullable(z.string()),
    /** Events in the range that are newer than the last digest (sealed within minutes). */
    notYetSealed: z.int(),
  }),
  /** Every event in the range that matches the filters. */
  total: z.int(),
});

export const RunReportResponse = z.strictObject({
  ...ReportHeader.shape,
  sections: z.array(ReportSection),
});

export const ReportIdParams = z.strictObject({
  reportId: z.string().check(z.regex(/^[0-9a-f-]{36}$/, 'is not a report id')),
});

export const SectionParams = z.strictObject({
  ...ReportIdParams.shape,
  sectionId: z.enum(SECTION_IDS as [string, ...string[]]),
});

const Cursor = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,512}$/, 'is not a cursor this report gave'));

export const PageQuery = z.strictObject({
  /** Where the page starts (a section's or a page's `cursor`); the first page without. */
  cursor: z.optional(Cursor),
  limit: z.optional(
    z.pipe(
      z.string().check(z.regex(/^\d{1,3}$/, 'must be a whole number')),
      z.pipe(z.transform(Number), z.int().check(z.gte(1), z.lte(100, 'must be at most 100'))),
    ),
  ),
});

export const SectionPage = z.strictObject({
  id: z.string(),
  rows: z.array(ReportRow),
  cursor: z.nullable(z.string()),
});

export const CsvQuery = z.strictObject({ cursor: z.optional(Cursor) });

export const CsvChunk = z.strictObject({
  /** This part of the file; the parts joined in order are the whole CSV (the first carries its heading). */
  csv: z.string(),
  rows: z.int(),
  /** Ask again with this for the next part; null when the file is complete. */
  cursor: z.nullable(z.string()),
  fileName: z.string(),
});

const IntegrityBreak = z.strictObject({
  kind: z.string(),
  eventId: z.nullable(z.string()),
  at: z.nullable(z.string()),
  sequence: z.nullable(z.int()),
  reason: z.nullable(z.string()),
  detail: z.string(),
  /** Events where no valid digest vouches for them (a removed or invalid digest's range). */
  unverifiedEventIds: z.array(z.string()),
});

export const VerifyResponse = z.strictObject({
  intact: z.boolean(),
  range: z.strictObject({ from: z.string(), to: z.string() }),
  checkedAt: z.iso.datetime(),
  digestsChecked: z.int(),
  eventsChecked: z.int(),
  eventsSealed: z.int(),
  eventsNotYetSealed: z.int(),
  sealedThrough: z.nullable(z.string()),
  breaks: z.array(IntegrityBreak),
  /** The key that checked it: what an inspector compares with `aws kms get-public-key`. */
  publicKey: z.strictObject({ keyId: z.string(), spkiSha256: z.string() }),
});

const KeyUsageRow = z.strictObject({
  day: z.string(),
  principal: z.string(),
  principalType: z.string(),
  action: z.string(),
  count: z.int(),
  errors: z.int(),
  allowed: z.boolean(),
});

export const EvidenceResponse = z.strictObject({
  range: z.strictObject({ from: z.string(), to: z.string() }),
  /** Where the records come from: the trail through Athena in AWS, the local trail on a laptop. */
  source: z.enum(['athena', 'local-trail']),
  keyArn: z.nullable(z.string()),
  keyUsage: z.array(KeyUsageRow),
  /** Uses of the practice's key or items by principals outside the app's own roles: each needs explaining. */
  outsiders: z.array(KeyUsageRow),
  /** DynamoDB data events on the practice's items by principals outside the app's roles. */
  itemAccess: z.array(KeyUsageRow),
  trail: z.strictObject({
    trailArn: z.string(),
    ok: z.boolean(),
    /** The part of the range that valid digests cover. */
    coveredFrom: z.nullable(z.string()),
    coveredTo: z.nullable(z.string()),
    digests: z.strictObject({ valid: z.int(), invalid: z.int() }),
    logFiles: z.strictObject({ valid: z.int(), invalid: z.int(), notFound: z.int() }),
    /** The lines `aws cloudtrail validate-logs` would print for each problem. */
    findings: z.array(z.string()),
    /** Set when the check stopped before the start of the range (time limit): what it did not reach. */
    incomplete: z.nullable(z.strictObject({ uncheckedBefore: z.string(), command: z.string() })),
  }),
});

export const AuditStaff = z.strictObject({
  staff: z.array(z.strictObject({ id: z.string(), name: z.string(), role: StaffRole, status: StaffStatus })),
});

const auditRoute = {
  area: 'audit',
  auth: 'staff' as const,
  permission: 'audit.read' as const,
  tags: ['audit'],
};

export const listAuditStaffRoute = defineRoute({
  ...auditRoute,
  id: 'listAuditStaff',
  method: 'GET',
  path: '/api/audit/staff',
  summary: 'The practice’s members, to filter an audit report by',
  request: {},
  response: { status: 200, description: 'Every member, by name', schema: AuditStaff },
  tables: { directory: { access: 'read', scope: 'practice' } },
});

export const runAuditReportRoute = defineRoute({
  ...auditRoute,
  id: 'runAuditReport',
  method: 'POST',
  path: '/api/audit/reports',
  summary: 'Run an audit report of the practice for a date range',
  description:
    'Every audit event of the practice from `from` to `to` (UK days, both included), optionally only those ' +
    'of one member of staff or about one patient (by NHS number, in the body: it is matched by blind index ' +
    'and never stored or logged as typed), in sections (lookups, invitations, consent, consultations, staff, ' +
    'audit, other) with totals and the first page of each. The run is itself audited; its `reportId` pages ' +
    'on, downloads the CSV, checks integrity and reads the AWS evidence for the next few hours.',
  request: { body: RunReportRequest, example: { body: { from: '2026-01-01', to: '2026-01-31' } } },
  response: {
    status: 200,
    description: 'The report’s heading, totals and first pages',
    schema: RunReportResponse,
  },
  uses: ['practice-keys'],
  lambda: { timeoutSeconds: 29, memoryMb: 1024 },
  tables: {
    directory: { access: 'read', scope: 'practice' },
    // The run's record; the sealer's totals.
    records: { access: 'readappend', scope: 'practice' },
    // The run's own audit event; events and digests are read.
    audit: { access: 'readappend', scope: 'practice' },
  },
});

export const getAuditReportSectionRoute = defineRoute({
  ...auditRoute,
  id: 'getAuditReportSection',
  method: 'GET',
  path: '/api/audit/reports/{reportId}/sections/{sectionId}',
  summary: 'The next page of one section of a report',
  request: { params: SectionParams, query: PageQuery },
  response: { status: 200, description: 'Rows, and where the next page starts', schema: SectionPage },
  errors: [404, 410],
  uses: ['practice-keys'],
  lambda: { timeoutSeconds: 29, memoryMb: 1024 },
  tables: {
    directory: { access: 'read', scope: 'practice' },
    records: { access: 'read', scope: 'practice' },
    audit: { access: 'read', scope: 'practice' },
  },
});

export const getAuditReportCsvRoute = defineRoute({
  ...auditRoute,
  id: 'getAuditReportCsv',
  method: 'GET',
  path: '/api/audit/reports/{reportId}/csv',
  summary: 'The report as CSV, one part at a time',
  description:
    'API Gateway cannot stream a response, so the CSV comes in parts of a few thousand rows: ask without ' +
    '`cursor` for the first (which starts with the personal-data notice and the report’s heading, and is ' +
    'audited as a download), then with each part’s `cursor` until it is null, and join the parts in order.',
  request: { params: ReportIdParams, query: CsvQuery },
  response: { status: 200, description: 'One part of the CSV file', schema: CsvChunk },
  errors: [404, 410],
  uses: ['practice-keys'],
  lambda: { timeoutSeconds: 29, memoryMb: 1024 },
  tables: {
    directory: { access: 'read', scope: 'practice' },
    records: { access: 'read', scope: 'practice' },
    audit: { access: 'readappend', scope: 'practice' },
  },
});

export const verifyAuditTrailRoute = defineRoute({
  ...auditRoute,
  id: 'verifyAuditTrail',
  method: 'POST',
  path: '/api/audit/reports/{reportId}/verify',
  summary: 'Check the report’s range of the audit trail against its signed digests',
  description:
    'Every event and digest of the range, with the audit key’s public key only: each digest’s signature, the ' +
    'chain of digests, and each event against the digest that sealed it. Names every break by event id ' +
    '(changed, missing, inserted, reordered) or digest. The check is itself audited.',
  request: { params: ReportIdParams },
  response: { status: 200, description: 'Intact, or each break found', schema: VerifyResponse },
  errors: [404, 410],
  uses: ['audit-verify'],
  lambda: { timeoutSeconds: 29, memoryMb: 1024 },
  tables: {
    directory: { access: 'read', scope: 'practice' },
    records: { access: 'read', scope: 'practice' },
    audit: { access: 'readappend', scope: 'practice' },
  },
});

export const getAwsEvidenceRoute = defineRoute({
  ...auditRoute,
  id: 'getAwsEvidence',
  method: 'GET',
  path: '/api/audit/reports/{reportId}/evidence',
  summary: 'AWS-level evidence for the report’s range: use of the practice’s key, and the trail’s integrity',
  description:
    'From the CloudTrail trail: who used the practice’s KMS key (principal, action, count per day) and who ' +
    'touched its items, with every principal outside the app’s own roles called out; and the trail’s ' +
    'integrity, validated as `aws cloudtrail validate-logs` does.',
  request: { params: ReportIdParams },
  response: { status: 200, description: 'Key use and the trail’s integrity', schema: EvidenceResponse },
  errors: [404, 410, 503],
  uses: ['cloudtrail'],
  lambda: { timeoutSeconds: 29, memoryMb: 512 },
  tables: {
    // The practice's key ARN is kept with its key material.
    directory: { access: 'read', scope: 'practice' },
    records: { access: 'read', scope: 'practice' },
  },
});

export const auditRoutes = [
  listAuditStaffRoute,
  runAuditReportRoute,
  getAuditReportSectionRoute,
  getAuditReportCsvRoute,
  verifyAuditTrailRoute,
  getAwsEvidenceRoute,
];
