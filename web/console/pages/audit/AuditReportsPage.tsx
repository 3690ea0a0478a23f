import { type FormEvent, useEffect, useRef, useState } from 'react';
import type {
  AuditStaffList,
  AwsEvidence,
  IntegrityResult,
  Report,
  ReportCsvChunk,
  ReportRequest,
  ReportRow,
  ReportSection,
  ReportSectionPage,
} from '../../../shared/audit';
import { STAFF_ROLE_LABELS } from '../../../shared/me';
import { ApiError } from '../../api/client';
import { DateInput } from '../../components/DateInput';
import { ErrorSummary, type ErrorSummaryItem } from '../../components/ErrorSummary';
import { formErrorsFromApi, TextInput } from '../../components/FormFields';
import { Tag } from '../../components/Tag';
import { useServices } from '../../services';
import {
  API_FIELDS,
  breakInWords,
  checkReportForm,
  FIELD_IDS,
  integrityInWords,
  type ReportForm,
  rangeInWords,
  rowsInWords,
  timeInWords,
  todayForm,
  trailInWords,
} from './audit-report';

export const AUDIT_REPORTS_PATH = '/audit';

function asApiError(error: unknown): ApiError {
  return error instanceof ApiError
    ? error
    : new ApiError({ title: 'Error', status: 0, detail: 'Something went wrong. Try again.' });
}

/** One section's paging: where each page seen so far started, and the page on screen. */
interface SectionState {
  section: ReportSection;
  /** Start cursor of each page visited (undefined: the first). */
  starts: (string | undefined)[];
  page: number;
  rows: ReportRow[];
  cursor: string | null;
  busy: boolean;
  error?: string;
}

function Form({
  form,
  setForm,
  staff,
  errors,
  busy,
  onSubmit,
}: {
  form: ReportForm;
  setForm: (form: ReportForm) => void;
  staff: AuditStaffList['staff'];
  errors: Record<string, string>;
  busy: boolean;
  onSubmit: (event: FormEvent) => void;
}) {
  return (
    <form id="audit-report-form" className="audit-no-print" noValidate onSubmit={onSubmit}>
      <DateInput
        id={FIELD_IDS.from}
        legend="First day"
        hint="UK time. For example, 1 3 2026"
        value={form.from}
        error={errors[FIELD_IDS.from]}
        onChange={(part, value) => setForm({ ...form, from: { ...form.from, [part]: value } })}
      />
      <DateInput
        id={FIELD_IDS.to}
        legend="Last day"
        hint="Included in the report"
        value={form.to}
        error={errors[FIELD_IDS.to]}
        onChange={(part, value) => setForm({ ...form, to: { ...form.to, [part]: value } })}
      />
      <div
        className={errors[FIELD_IDS.staff] ? 'nhsuk-form-group nhsuk-form-group--error' : 'nhsuk-form-group'}
      >
        <label className="nhsuk-label" htmlFor={FIELD_IDS.staff}>
          Member of staff (optional)
        </label>
        <div className="nhsuk-hint" id={`${FIELD_IDS.staff}-hint`}>
          Only what they did, or what was done to them
        </div>
        <select
          className="nhsuk-select"
          id={FIELD_IDS.staff}
          aria-describedby={`${FIELD_IDS.staff}-hint`}
          value={form.staffId}
          onChange={(event) => setForm({ ...form, staffId: event.target.value })}
        >
          <option value="">Everyone</option>
          {staff.map((member) => (
            <option key={member.id} value={member.id}>
              {member.name} ({STAFF_ROLE_LABELS[member.role] ?? member.role})
            </option>
          ))}
        </select>
      </div>
      <TextInput
        id={FIELD_IDS.nhsNumber}
        label="Patient’s NHS number (optional)"
        hint="Only events about this patient. It is matched without being stored or logged."
        widthClass="nhsuk-input--width-10"
        inputMode="numeric"
        autoComplete="off"
        spellCheck={false}
        value={form.nhsNumber}
        onChange={(event) => setForm({ ...form, nhsNumber: event.target.value })}
        error={errors[FIELD_IDS.nhsNumber]}
      />
      <button className="nhsuk-button" type="submit" id="run-report" disabled={busy}>
        {busy ? 'Running the report…' : 'Run report'}
      </button>
    </form>
  );
}

function SectionTable({
  state,
  onPage,
}: {
  state: SectionState;
  onPage: (section: string, direction: 'next' | 'previous') => void;
}) {
  const { section } = state;
  const headingId = `section-${section.id}-heading`;
  const first = state.page * 25 + 1;
  return (
    <section className="audit-section" id={`section-${section.id}`} aria-labelledby={headingId}>
      <h2 id={headingId}>
        {section.title} (
        <span id={`section-${section.id}-total`}>{section.total.toLocaleString('en-GB')}</span>)
      </h2>
      <p className="nhsuk-body-s">{section.description}</p>
      {state.rows.length > 0 ? (
        <div className="nhsuk-table-container">
          <table className="nhsuk-table audit-table" id={`section-${section.id}-table`}>
            <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">{section.title}</caption>
            <thead className="nhsuk-table__head">
              <tr className="nhsuk-table__row">
                {section.columns.map((column) => (
                  <th className="nhsuk-table__header" scope="col" key={column.key}>
                    {column.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody className="nhsuk-table__body">
              {state.rows.map((row) => (
                <tr
                  className={row.attention ? 'nhsuk-table__row audit-attention' : 'nhsuk-table__row'}
                  key={row.eventId}
                  data-event-id={row.eventId}
                  data-type={row.type}
                >
                  {section.columns.map((column, index) => (
                    <td className="nhsuk-table__cell" key={column.key} data-column={column.key}>
                      {index === 0 && row.attention && (
                        <>
                          <Tag colour="yellow">Check</Tag>{' '}
                        </>
                      )}
                      {row.cells[column.key]}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <p className="nhsuk-body-s" id={`section-${section.id}-rows`}>
        {rowsInWords(first, state.rows.length, section.total)}
      </p>
      {state.error && <p className="nhsuk-error-message">{state.error}</p>}
      {(state.page > 0 || state.cursor) && (
        <div className="nhsuk-button-group audit-no-print">
          {state.page > 0 && (
            <button
              type="button"
              className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
              disabled={state.busy}
              onClick={() => onPage(section.id, 'previous')}
            >
              Previous page<span className="nhsuk-u-visually-hidden"> of {section.title}</span>
            </button>
          )}
          {state.cursor && (
            <button
              type="button"
              className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
              id={`section-${section.id}-next`}
              disabled={state.busy}
              onClick={() => onPage(section.id, 'next')}
            >
              Next page<span className="nhsuk-u-visually-hidden"> of {section.title}</span>
            </button>
          )}
        </div>
      )}
    </section>
  );
}

function Integrity({ result }: { result: IntegrityResult }) {
  return (
    <div
      className={result.intact ? 'nhsuk-inset-text' : 'nhsuk-warning-callout'}
      id="integrity"
      data-intact={result.intact}
    >
      <h2 className={result.intact ? 'nhsuk-heading-s' : 'nhsuk-warning-callout__label'}>
        <span>
          Integrity: <span id="integrity-result">{integrityInWords(result)}</span>
        </span>
      </h2>
      <p>
        {result.eventsChecked.toLocaleString('en-GB')} events checked against {result.digestsChecked} signed
        digests; {result.eventsNotYetSealed.toLocaleString('en-GB')} newer than the last digest (sealed within
        minutes).
        {result.sealedThrough && <> Sealed up to {timeInWords(result.sealedThrough)}.</>} Checked{' '}
        {timeInWords(result.checkedAt)} with the public key {result.publicKey.keyId} only (SHA-256{' '}
        <code>{result.publicKey.spkiSha256.slice(0, 16)}…</code>).
      </p>
      {result.breaks.length > 0 && (
        <ul className="nhsuk-list nhsuk-list--bullet" id="integrity-breaks">
          {result.breaks.map((brk) => (
            <li key={`${brk.kind}-${brk.eventId ?? brk.sequence}-${brk.reason}`} data-kind={brk.kind}>
              <strong>{breakInWords(brk.kind)}</strong>
              {brk.eventId && (
                <>
                  : event <code>{brk.eventId}</code>
                  {brk.at && <> of {timeInWords(brk.at)}</>}
                </>
              )}
              {brk.sequence !== null && <> (digest {brk.sequence})</>}. {brk.detail}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function Evidence({ evidence }: { evidence: AwsEvidence }) {
  const usage = evidence.keyUsage;
  return (
    <section id="aws-evidence" aria-labelledby="aws-evidence-heading">
      <h2 id="aws-evidence-heading">AWS evidence</h2>
      <p className="nhsuk-body-s">
        From the {evidence.source === 'athena' ? 'CloudTrail trail (queried with Athena)' : 'local trail'}:
        every use of the practice’s own encryption key
        {evidence.keyArn ? (
          <>
            {' '}
            (<code>{evidence.keyArn}</code>)
          </>
        ) : null}
        .
      </p>
      {evidence.outsiders.length > 0 || evidence.itemAccess.length > 0 ? (
        <div className="nhsuk-warning-callout" id="aws-outsiders">
          <h3 className="nhsuk-warning-callout__label">
            <span>Used by someone outside the app’s own roles</span>
          </h3>
          <ul>
            {[...evidence.outsiders, ...evidence.itemAccess].map((row) => (
              <li key={`${row.day}-${row.principal}-${row.action}`}>
                {row.day}: <code>{row.principal}</code> ({row.principalType}) {row.action} × {row.count}
                {row.errors > 0 && <> ({row.errors} refused)</>}
              </li>
            ))}
          </ul>
        </div>
      ) : (
        <p id="aws-no-outsiders">
          No principal outside the app’s own roles used the key or the practice’s items.
        </p>
      )}
      {usage.length > 0 && (
        <div className="nhsuk-table-container">
          <table className="nhsuk-table audit-table" id="aws-key-usage">
            <caption className="nhsuk-table__caption">Use of the practice’s key, per day</caption>
            <thead className="nhsuk-table__head">
              <tr className="nhsuk-table__row">
                {['Day (UTC)', 'Principal', 'Action', 'Calls', 'Refused'].map((label) => (
                  <th className="nhsuk-table__header" scope="col" key={label}>
                    {label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody className="nhsuk-table__body">
              {usage.map((row) => (
                <tr className="nhsuk-table__row" key={`${row.day}-${row.principal}-${row.action}`}>
                  <td className="nhsuk-table__cell">{row.day}</td>
                  <td className="nhsuk-table__cell">
                    {!row.allowed && <Tag colour="red">Outside the app</Tag>} <code>{row.principal}</code>
                  </td>
                  <td className="nhsuk-table__cell">{row.action}</td>
                  <td className="nhsuk-table__cell">{row.count}</td>
                  <td className="nhsuk-table__cell">{row.errors}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p id="aws-trail">
        Trail integrity (<code>{evidence.trail.trailArn}</code>):{' '}
        <strong id="aws-trail-result">{trailInWords(evidence.trail)}</strong>.{' '}
        {evidence.trail.digests.valid + evidence.trail.digests.invalid > 0 ? (
          <>
            {evidence.trail.digests.valid} digest files and {evidence.trail.logFiles.valid} log files valid,{' '}
            {evidence.trail.digests.invalid} digest files and {evidence.trail.logFiles.invalid} log files
            invalid
            {evidence.trail.coveredFrom && evidence.trail.coveredTo && (
              <>
                {' '}
                (covering {timeInWords(evidence.trail.coveredFrom)} to {timeInWords(evidence.trail.coveredTo)}
                )
              </>
            )}
            , checked as <code>aws cloudtrail validate-logs</code> checks them.
          </>
        ) : (
          <>
            No digest file covers this period yet: CloudTrail delivers one every hour (the local trail, every
            minute).
          </>
        )}
      </p>
      {evidence.trail.findings.length > 0 && (
        <ul className="nhsuk-list nhsuk-list--bullet" id="aws-trail-findings">
          {evidence.trail.findings.map((finding) => (
            <li key={finding}>
              <code>{finding}</code>
            </li>
          ))}
        </ul>
      )}
      {evidence.trail.incomplete && (
        <p>
          Not checked in time before {evidence.trail.incomplete.uncheckedBefore}. Check the rest with{' '}
          <code>{evidence.trail.incomplete.command}</code>.
        </p>
      )}
    </section>
  );
}

/**
 * For those who may read the audit trail (compliance officers, practice admins, clinical leads): a report for
 * a range of days, optionally one member's or one patient's, in sections with totals and pages; its CSV; a
 * print view; the integrity check against the signed digests; and the AWS evidence.
 */
export function AuditReportsPage() {
  const { api } = useServices();
  const [form, setForm] = useState<ReportForm>(() => todayForm());
  const [staff, setStaff] = useState<AuditStaffList['staff']>([]);
  const [errors, setErrors] = useState<{ summary: ErrorSummaryItem[]; byField: Record<string, string> }>();
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<Report>();
  const [sections, setSections] = useState<Record<string, SectionState>>({});
  const [integrity, setIntegrity] = useState<IntegrityResult | 'checking'>();
  const [evidence, setEvidence] = useState<AwsEvidence | 'loading'>();
  const [download, setDownload] = useState<{ rows: number; done: boolean }>();
  const [problem, setProblem] = useState<string>();
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    api
      .get<AuditStaffList>('/audit/staff')
      .then((list) => setStaff(list.staff))
      .catch(() => setStaff([]));
  }, [api]);

  useEffect(() => {
    if (report) heading.current?.focus();
  }, [report]);

  async function run(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const checked = checkReportForm(form);
    if ('errors' in checked) {
      setErrors({
        summary: Object.entries(checked.errors).map(([id, text]) => ({ text, href: `#${id}` })),
        byField: checked.errors,
      });
      return;
    }
    setErrors(undefined);
    setBusy(true);
    setProblem(undefined);
    try {
      const result = await api.post<Report>('/audit/reports', checked.request satisfies ReportRequest);
      setReport(result);
      setSections(
        Object.fromEntries(
          result.sections.map((section) => [
            section.id,
            {
              section,
              starts: [undefined],
              page: 0,
              rows: section.rows,
              cursor: section.cursor,
              busy: false,
            },
          ]),
        ),
      );
      setIntegrity(undefined);
      setEvidence(undefined);
      setDownload(undefined);
    } catch (error) {
      const apiError = asApiError(error);
      const mapped = formErrorsFromApi(apiError, API_FIELDS);
      setErrors({ summary: mapped.summary, byField: mapped.byFieldId });
    } finally {
      setBusy(false);
    }
  }

  async function page(sectionId: string, direction: 'next' | 'previous') {
    const state = sections[sectionId];
    if (!report || !state || state.busy) return;
    const target = direction === 'next' ? state.page + 1 : state.page - 1;
    const start = direction === 'next' ? (state.cursor ?? undefined) : state.starts[target];
    setSections((all) => ({ ...all, [sectionId]: { ...state, busy: true } }));
    try {
      const query = start ? `?cursor=${encodeURIComponent(start)}` : '';
      const result = await api.get<ReportSectionPage>(
        `/audit/reports/${report.reportId}/sections/${sectionId}${query}`,
      );
      const starts = [...state.starts];
      starts[target] = start;
      setSections((all) => ({
        ...all,
        [sectionId]: {
          ...state,
          starts,
          page: target,
          rows: result.rows,
          cursor: result.cursor,
          busy: false,
        },
      }));
    } catch (error) {
      setSections((all) => ({
        ...all,
        [sectionId]: { ...state, busy: false, error: asApiError(error).detail },
      }));
    }
  }

  async function downloadCsv() {
    if (!report || (download && !download.done)) return;
    setProblem(undefined);
    const parts: string[] = [];
    let rows = 0;
    let cursor: string | null | undefined;
    let fileName = 'audit-report.csv';
    setDownload({ rows, done: false });
    try {
      do {
        const query: string = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
        const chunk: ReportCsvChunk = await api.get<ReportCsvChunk>(
          `/audit/reports/${report.reportId}/csv${query}`,
        );
        parts.push(chunk.csv);
        rows += chunk.rows;
        fileName = chunk.fileName;
        cursor = chunk.cursor;
        setDownload({ rows, done: false });
      } while (cursor);
      const url = URL.createObjectURL(new Blob(parts, { type: 'text/csv;charset=utf-8' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = fileName;
      link.id = 'csv-download-link';
      document.body.append(link);
      link.click();
      link.remove();
      // The file is the browser's now; the page keeps no copy.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      setDownload({ rows, done: true });
    } catch (error) {
      setDownload(undefined);
      setProblem(`The CSV could not be downloaded: ${asApiError(error).detail}`);
    }
  }

  async function verify() {
    if (!report || integrity === 'checking') return;
    setIntegrity('checking');
    setProblem(undefined);
    try {
      setIntegrity(await api.post<IntegrityResult>(`/audit/reports/${report.reportId}/verify`, undefined));
    } catch (error) {
      setIntegrity(undefined);
      setProblem(`The integrity check could not be run: ${asApiError(error).detail}`);
    }
  }

  async function loadEvidence() {
    if (!report || evidence === 'loading') return;
    setEvidence('loading');
    setProblem(undefined);
    try {
      setEvidence(await api.get<AwsEvidence>(`/audit/reports/${report.reportId}/evidence`));
    } catch (error) {
      setEvidence(undefined);
      setProblem(`The AWS evidence could not be read: ${asApiError(error).detail}`);
    }
  }

  return (
    <div className="nhsuk-grid-row">
      <div className="nhsuk-grid-column-full">
        {errors && errors.summary.length > 0 && <ErrorSummary errors={errors.summary} />}
        <h1 className="audit-no-print">Audit reports</h1>
        <p className="audit-no-print">
          Everything the practice’s audit trail holds for a period: lookups, staff changes and reports like
          this one, with the outcome the clinician was not shown. Running a report is itself recorded.
        </p>
        <Form
          form={form}
          setForm={setForm}
          staff={staff}
          errors={errors?.byField ?? {}}
          busy={busy}
          onSubmit={run}
        />
        {report && (
          <div id="audit-report" data-report-id={report.reportId}>
            <h2 className="nhsuk-heading-l" ref={heading} tabIndex={-1} id="report-heading">
              Audit report: {report.practice.name}
            </h2>
            <dl className="nhsuk-summary-list" id="report-summary">
              {(
                [
                  ['Practice', `${report.practice.name} (ODS ${report.practice.odsCode})`],
                  ['Period', rangeInWords(report.range)],
                  [
                    'Filters',
                    [
                      report.filters.staff ? `member of staff: ${report.filters.staff.name}` : '',
                      report.filters.patient ? `patient: NHS number ${report.filters.patient.nhsNumber}` : '',
                    ]
                      .filter(Boolean)
                      .join('; ') || 'None: every event',
                  ],
                  [
                    'Run by',
                    `${report.generatedBy.name} (${STAFF_ROLE_LABELS[report.generatedBy.role] ?? report.generatedBy.role}), ${timeInWords(report.generatedAt)}`,
                  ],
                  ['Events', report.total.toLocaleString('en-GB')],
                  [
                    'Sealed',
                    report.sealing.sealedThrough
                      ? `up to ${timeInWords(report.sealing.sealedThrough)}; ${report.sealing.notYetSealed} newer events are sealed within minutes`
                      : `not yet: ${report.sealing.notYetSealed} events wait for the first digest (every few minutes)`,
                  ],
                  [
                    'Integrity',
                    integrity && integrity !== 'checking'
                      ? integrityInWords(integrity)
                      : integrity === 'checking'
                        ? 'checking…'
                        : 'not checked yet',
                  ],
                ] as const
              ).map(([key, value]) => (
                <div className="nhsuk-summary-list__row" key={key}>
                  <dt className="nhsuk-summary-list__key">{key}</dt>
                  <dd
                    className="nhsuk-summary-list__value"
                    id={`report-${key.toLowerCase().replace(/\s+/g, '-')}`}
                  >
                    {value}
                  </dd>
                </div>
              ))}
            </dl>
            <div className="nhsuk-button-group audit-no-print">
              <button
                type="button"
                className="nhsuk-button"
                id="verify-integrity"
                onClick={verify}
                disabled={integrity === 'checking'}
              >
                {integrity === 'checking' ? 'Checking integrity…' : 'Verify integrity'}
              </button>
              <button
                type="button"
                className="nhsuk-button nhsuk-button--secondary"
                id="download-csv"
                onClick={downloadCsv}
                disabled={Boolean(download && !download.done)}
              >
                {download && !download.done
                  ? `Downloading… ${download.rows.toLocaleString('en-GB')} rows`
                  : 'Download CSV'}
              </button>
              <button
                type="button"
                className="nhsuk-button nhsuk-button--secondary"
                id="print-report"
                onClick={() => window.print()}
              >
                Print
              </button>
              <button
                type="button"
                className="nhsuk-button nhsuk-button--secondary"
                id="show-evidence"
                onClick={loadEvidence}
                disabled={evidence === 'loading'}
              >
                {evidence === 'loading' ? 'Reading the trail…' : 'Show AWS evidence'}
              </button>
            </div>
            <p className="nhsuk-body-s audit-no-print">
              The CSV holds patient identifiers: keep it on NHS systems and delete it when it is no longer
              needed.
            </p>
            {download?.done && (
              <p id="csv-downloaded" role="status" className="audit-no-print">
                Downloaded {download.rows.toLocaleString('en-GB')} rows as CSV.
              </p>
            )}
            {problem && (
              <p className="nhsuk-error-message" role="alert" id="report-problem">
                {problem}
              </p>
            )}
            {integrity && integrity !== 'checking' && <Integrity result={integrity} />}
            <p className="audit-print-only">
              Printed from Clinic Connect. Rows shown are those on screen; the CSV holds every row.
            </p>
            {report.sections.map((section) => {
              const state = sections[section.id];
              return state ? <SectionTable key={section.id} state={state} onPage={page} /> : null;
            })}
            {evidence && evidence !== 'loading' && <Evidence evidence={evidence} />}
          </div>
        )}
      </div>
    </div>
  );
}
