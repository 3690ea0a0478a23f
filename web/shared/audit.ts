import type { input, output } from 'zod/v4/core';
import type {
  AuditStaff,
  CsvChunk,
  EvidenceResponse,
  RunReportRequest,
  RunReportResponse,
  SectionPage,
  VerifyResponse,
} from '../../functions/audit/routes';

/** Types of the audit report routes, inferred from their zod schemas (type-only: no zod in the bundle). */
export type AuditStaffList = output<typeof AuditStaff>;
export type ReportRequest = input<typeof RunReportRequest>;
export type Report = output<typeof RunReportResponse>;
export type ReportSection = Report['sections'][number];
export type ReportRow = ReportSection['rows'][number];
export type ReportSectionPage = output<typeof SectionPage>;
export type ReportCsvChunk = output<typeof CsvChunk>;
export type IntegrityResult = output<typeof VerifyResponse>;
export type AwsEvidence = output<typeof EvidenceResponse>;
