import type { output } from 'zod/v4/core';
import { ServiceUnavailableError } from '../../layers/http/errors';
import type { StaffCaller } from '../../layers/http/staff-gate';
import type { KeyUsageRow } from '../../layers/trail/key-usage';
import type { TrailEvidence } from '../../layers/trail/trail-config';
import { openRun } from './audit-reports';
import type { ReportRuns } from './report-runs';
import type { EvidenceResponse } from './routes';

/** Inside API Gateway's 30 s: what the trail check has not reached by then, it says, with the command. */
export const TRAIL_CHECK_MS = 18_000;

export interface EvidenceDeps {
  trail: TrailEvidence;
  /** The practice's KMS key ARN (in AWS from its key record; locally the local trail's name for it). */
  keyArnOf(practiceId: string): Promise<string | undefined>;
  runs: ReportRuns;
  now?: () => Date;
  trailCheckMs?: number;
}

const row = ({ keyArn: _key, ...rest }: KeyUsageRow) => rest;
const cliTime = (date: Date) => `${date.toISOString().slice(0, 19)}Z`;

/**
 * The report's "AWS evidence": from the trail, who used the practice's key (principal, action, count per day)
 * and who outside the app's roles used it or touched the practice's items; and the trail's integrity, checked
 * as `aws cloudtrail validate-logs` checks it, newest first, for as long as a request may take.
 */
export async function awsEvidence(
  deps: EvidenceDeps,
  caller: StaffCaller,
  reportId: string,
): Promise<output<typeof EvidenceResponse>> {
  const now = deps.now?.() ?? new Date();
  const run = await openRun(deps, caller, reportId);
  const start = new Date(run.fromIso);
  const end = new Date(Math.min(new Date(run.toIso).getTime(), now.getTime()));
  const keyArn = (await deps.keyArnOf(caller.practiceId)) ?? null;
  const deadline = Date.now() + (deps.trailCheckMs ?? TRAIL_CHECK_MS);
  try {
    const [usage, validation] = await Promise.all([
      keyArn
        ? deps.trail.keyUsage.evidence(
            { keyArn, partitionKey: `PRACTICE#${caller.practiceId}`, start, end },
            deps.trail.allow,
          )
        : { keyUsage: [], itemAccess: [] },
      deps.trail
        .validator()
        .then((validator) => validator.validate({ start, end }, { stop: () => Date.now() > deadline })),
    ]);
    return {
      range: { from: run.from, to: run.to },
      source: deps.trail.keyUsage.source,
      keyArn,
      keyUsage: usage.keyUsage.map(row),
      outsiders: usage.keyUsage.filter((usageRow) => !usageRow.allowed).map(row),
      itemAccess: usage.itemAccess.map(row),
      trail: {
        trailArn: deps.trail.trailArn,
        ok: validation.ok,
        coveredFrom: validation.foundStart,
        coveredTo: validation.foundEnd,
        digests: {
          valid: validation.digests.valid + validation.backfillDigests.valid,
          invalid: validation.digests.invalid + validation.backfillDigests.invalid,
        },
        logFiles: { ...validation.logs },
        findings: validation.findings.map((finding) => finding.message),
        incomplete: validation.incomplete
          ? {
              uncheckedBefore: validation.incomplete.uncheckedBefore,
              command:
                `aws cloudtrail validate-logs --trail-arn ${deps.trail.trailArn} --start-time ${cliTime(start)} ` +
                `--end-time ${validation.incomplete.uncheckedBefore}`,
            }
          : null,
      },
    };
  } catch (error) {
    if ((error as Error)?.name === 'TrailQueryError') {
      throw new ServiceUnavailableError(
        'The AWS evidence cannot be read at the moment (the trail query did not answer). Try again in a minute.',
        30,
      );
    }
    throw error;
  }
}
