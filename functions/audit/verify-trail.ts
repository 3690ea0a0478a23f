import { createHash } from 'node:crypto';
import type { output } from 'zod/v4/core';
import type { DigestStore } from '../../layers/audit/seal/digest-store';
import type { EventSource } from '../../layers/audit/seal/event-source';
import { DEFAULT_LATE_WINDOW_MS } from '../../layers/audit/seal/sealer';
import { DigestKeyring, type DigestVerifier } from '../../layers/audit/seal/signing';
import { type IntegrityBreak, type VerifyReport, verifyPractice } from '../../layers/audit/seal/verifier';
import type { StaffCaller } from '../../layers/http/staff-gate';
import { openRun } from './audit-reports';
import type { ReportRuns } from './report-runs';
import type { VerifyResponse } from './routes';

/**
 * How long after an event the trail may go without a digest covering it before the check calls it a break:
 * the sealer runs every five minutes and retries twice, so twenty minutes means it stopped, or someone removed
 * the newest digests (truncating the chain).
 */
export const MAX_SEALING_LAG_MS = 20 * 60_000;

export interface VerifyDeps {
  events: EventSource;
  digests: DigestStore;
  verifier: () => Promise<DigestVerifier>;
  runs: ReportRuns;
  now?: () => Date;
}

const shift = (date: Date, ms: number) => new Date(date.getTime() + ms).toISOString();

/**
 * Whether sealing has fallen behind: the newest digest ends more than the allowed lag ago, or (a practice
 * with no digest at all) an event older than the lag is waiting. A brand-new practice whose first events are
 * minutes old is not behind.
 */
export async function sealingBehind(
  practiceId: string,
  deps: Pick<VerifyDeps, 'events' | 'digests'>,
  now: Date,
  from?: string,
): Promise<IntegrityBreak | undefined> {
  const due = shift(now, -MAX_SEALING_LAG_MS);
  const latest = await deps.digests.latest(practiceId);
  const end = latest?.digest?.digestEndTime;
  if (typeof end === 'string') {
    if (end >= due) return undefined;
    return {
      kind: 'digest-chain-broken',
      sequence: typeof latest?.digest?.sequence === 'number' ? latest.digest.sequence : null,
      reason: 'stale',
      detail: `The newest digest ends at ${end}; sealing should have reached ${due}. The sealer has stopped, or the newest digests were removed.`,
      unverifiedEventIds: [],
    };
  }
  for await (const event of deps.events.list(practiceId, { ...(from ? { from } : {}), to: due })) {
    return {
      kind: 'digest-chain-broken',
      sequence: null,
      reason: 'stale',
      detail: `No digest seals event ${String(event.eventId)} of ${String(event.at)}: the sealer has not run.`,
      unverifiedEventIds: [],
    };
  }
  return undefined;
}

/** The report as the API gives it: every break in one shape, named by event id where it is an event's. */
export function verifyResponse(
  report: VerifyReport,
  verifier: DigestVerifier,
  range: { from: string; to: string },
  now: Date,
): output<typeof VerifyResponse> {
  return {
    intact: report.intact,
    range,
    checkedAt: now.toISOString(),
    digestsChecked: report.digestsChecked,
    eventsChecked: report.eventsChecked,
    eventsSealed: report.eventsSealed,
    eventsNotYetSealed: report.eventsNotYetSealed,
    sealedThrough: report.sealedThrough,
    breaks: report.breaks.map((brk) =>
      'eventId' in brk
        ? {
            kind: brk.kind,
            eventId: brk.eventId,
            at: brk.at,
            sequence: brk.sequence,
            reason: null,
            detail: brk.detail,
            unverifiedEventIds: [],
          }
        : {
            kind: brk.kind,
            eventId: null,
            at: null,
            sequence: brk.sequence,
            reason: brk.reason,
            detail: brk.detail,
            unverifiedEventIds: brk.unverifiedEventIds,
          },
    ),
    publicKey: {
      keyId: verifier.keyId,
      spkiSha256: createHash('sha256').update(verifier.spki()).digest('hex'),
    },
  };
}

/**
 * Checks a practice's trail for a range with only the public key, as `npm run audit:verify` does, plus
 * whether sealing is behind. A range that reaches into the future is checked to its end (nothing is there).
 */
export async function verifyRange(
  practiceId: string,
  deps: Pick<VerifyDeps, 'events' | 'digests' | 'verifier'>,
  range: { fromIso?: string; toIso?: string },
  now: Date,
): Promise<{ report: VerifyReport; verifier: DigestVerifier }> {
  const verifier = await deps.verifier();
  const report = await verifyPractice({
    practiceId,
    events: deps.events,
    digests: deps.digests,
    keys: new DigestKeyring([verifier]),
    ...(range.fromIso ? { from: range.fromIso } : {}),
    ...(range.toIso && range.toIso <= now.toISOString() ? { to: range.toIso } : {}),
    lateWindowMs: DEFAULT_LATE_WINDOW_MS,
  });
  const behind = await sealingBehind(practiceId, deps, now, range.fromIso);
  if (behind) {
    report.breaks.push(behind);
    report.intact = false;
  }
  return { report, verifier };
}

/** The console's "verify" of a report run: its range, checked, and the check put on record. */
export async function verifyReportRun(
  deps: VerifyDeps,
  caller: StaffCaller,
  reportId: string,
  requestId: string,
): Promise<output<typeof VerifyResponse>> {
  const now = deps.now?.() ?? new Date();
  const run = await openRun(deps, caller, reportId);
  const { report, verifier } = await verifyRange(
    caller.practiceId,
    deps,
    { fromIso: run.fromIso, toIso: run.toIso },
    now,
  );
  await caller.stores.audit.record({
    type: 'audit.integrity_checked',
    actor: { sub: caller.subject, role: caller.staff.role },
    requestId,
    details: {
      reportId,
      from: run.from,
      to: run.to,
      intact: report.intact,
      breaks: report.breaks.length,
      eventsChecked: report.eventsChecked,
      notYetSealed: report.eventsNotYetSealed,
    },
  });
  return verifyResponse(report, verifier, { from: run.from, to: run.to }, now);
}
