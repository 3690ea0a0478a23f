import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { PracticeBlindIndex } from '../../layers/crypto/blind-index';
import type { FieldCrypto } from '../../layers/crypto/field-crypto';
import type { BadRequestError } from '../../layers/http/errors';
import { ServiceUnavailableError, TooManyRequestsError } from '../../layers/http/errors';
import type { StaffCaller } from '../../layers/http/staff-gate';
import { logger, metrics } from '../../layers/observability/powertools';
import { todayInLondon } from '../../layers/pds/birth-date';
import { interpretPatient, type NoMatchReason, type PatientOutcome } from '../../layers/pds/patient';
import {
  type Demographics,
  PdsAccessError,
  PdsRequestError,
  PdsUnavailableError,
} from '../../layers/pds/pds-client';
import type { RateLimit } from '../../layers/records/rate-limits';
import { AUDIT_NHS_NUMBER_FIELD } from './audit-reference';
import { type LookupResult, NO_MATCH_MESSAGE } from './routes';

export interface LookupSettings {
  /** How long a lookup can be used to invite the patient. */
  lookupTtlSeconds: number;
  perUserPerHour: number;
  perPracticePerDay: number;
}

export const DEFAULT_LOOKUP_SETTINGS: LookupSettings = {
  lookupTtlSeconds: 3_600,
  // A busy receptionist books a few dozen patients an hour; enumeration needs thousands of numbers.
  perUserPerHour: 60,
  perPracticePerDay: 1_000,
};

export interface LookupDeps {
  demographics: Demographics;
  fields: FieldCrypto;
  blindIndex: PracticeBlindIndex;
  settings: LookupSettings;
  now?: () => Date;
}

/** What a compliance officer sees of an attempt; `reason` is the truth the clinician is not told. */
type Outcome =
  | { outcome: 'match'; lookupId: string }
  | { outcome: 'no-match'; reason: NoMatchReason }
  | { outcome: 'invalid-input'; reason: string }
  | { outcome: 'rate-limited'; reason: 'user-hourly-limit' | 'practice-daily-limit' }
  | { outcome: 'pds-error'; reason: 'unavailable' | 'access-denied' | 'request-rejected' | 'failed' };

const PDS_UNAVAILABLE =
  'The NHS demographics service is not answering at the moment. Wait a minute and try again.';

async function nhsNumberReference(deps: LookupDeps, practiceId: string, nhsNumber: string) {
  const [nhsNumberIndex, nhsNumberCiphertext] = await Promise.all([
    deps.blindIndex.of(practiceId, 'nhsNumber', nhsNumber),
    deps.fields.encrypt(practiceId, AUDIT_NHS_NUMBER_FIELD, nhsNumber),
  ]);
  return { nhsNumberIndex, nhsNumberCiphertext };
}

async function audit(
  caller: StaffCaller,
  requestId: string,
  outcome: Outcome,
  reference: Record<string, string>,
) {
  await caller.stores.audit.record({
    type: 'patient.lookup',
    actor: { sub: caller.subject, role: caller.staff.role },
    requestId,
    details: { ...outcome, ...reference },
  });
}

function rateLimits(caller: StaffCaller, settings: LookupSettings) {
  const user: RateLimit = {
    counter: `lookup#user#${caller.subject}`,
    limit: settings.perUserPerHour,
    windowSeconds: 3_600,
  };
  const practice: RateLimit = {
    counter: 'lookup#practice',
    limit: settings.perPracticePerDay,
    windowSeconds: 86_400,
  };
  return { user, practice };
}

/** "12 minutes", "3 hours": when the window resets, as a person says it. */
export function waitInWords(seconds: number): string {
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  if (minutes < 120) return minutes === 1 ? '1 minute' : `${minutes} minutes`;
  return `${Math.ceil(minutes / 60)} hours`;
}

/**
 * A clinician's search for a patient: NHS number and date of birth must both match the PDS record. Every
 * attempt is audited BEFORE the answer goes out; if the audit cannot be written, the lookup fails.
 */
export async function lookUpPatient(
  deps: LookupDeps,
  caller: StaffCaller,
  request: { nhsNumber: string; birthDate: string },
  requestId: string,
): Promise<LookupResult> {
  const now = deps.now?.() ?? new Date();
  const { practiceId } = caller;
  const reference = await nhsNumberReference(deps, practiceId, request.nhsNumber);

  const limits = rateLimits(caller, deps.settings);
  for (const [which, limit] of [
    ['user-hourly-limit', limits.user],
    ['practice-daily-limit', limits.practice],
  ] as const) {
    const decision = await caller.stores.rateLimits.take(limit, now);
    if (!decision.allowed) {
      await audit(caller, requestId, { outcome: 'rate-limited', reason: which }, reference);
      metrics.addMetric('LookupRateLimited', MetricUnit.Count, 1);
      const wait = waitInWords(decision.retryAfterSeconds);
      throw new TooManyRequestsError(
        which === 'user-hourly-limit'
          ? `You have made ${limit.limit} lookups in the last hour, the most allowed. Try again in ${wait}.`
          : `Your practice has made ${limit.limit} lookups today, the most allowed. Try again in ${wait}, or ask your practice admin.`,
        decision.retryAfterSeconds,
      );
    }
  }

  const practice = await caller.stores.directory.getPractice();
  if (!practice) throw new Error('the admitted caller’s practice has no record');

  let outcome: PatientOutcome;
  try {
    const retrieval = await deps.demographics.retrievePatient(request.nhsNumber, {
      correlationId: requestId,
      odsCode: practice.odsCode,
    });
    outcome =
      retrieval.status === 'found'
        ? interpretPatient(retrieval.resource, request, todayInLondon(now))
        : { kind: 'no-match', reason: retrieval.status };
  } catch (error) {
    if (error instanceof PdsUnavailableError) {
      await audit(caller, requestId, { outcome: 'pds-error', reason: 'unavailable' }, reference);
      metrics.addMetric('PdsUnavailable', MetricUnit.Count, 1);
      throw new ServiceUnavailableError(PDS_UNAVAILABLE, error.retryAfterSeconds ?? 30);
    }
    if (error instanceof PdsAccessError) {
      // Our credentials or onboarding with NHS England are broken: an operator must act, not the clinician.
      await audit(caller, requestId, { outcome: 'pds-error', reason: 'access-denied' }, reference);
      logger.error('PDS refused our credentials', { errorName: error.name, reason: error.message });
      metrics.addMetric('PdsAccessDenied', MetricUnit.Count, 1);
      throw new ServiceUnavailableError(PDS_UNAVAILABLE, 60);
    }
    // Anything else (a rejected request, a signing failure): the attempt still goes on record first.
    await audit(
      caller,
      requestId,
      { outcome: 'pds-error', reason: error instanceof PdsRequestError ? 'request-rejected' : 'failed' },
      reference,
    );
    throw error;
  }

  if (outcome.kind === 'no-match') {
    await audit(caller, requestId, { outcome: 'no-match', reason: outcome.reason }, reference);
    return { result: 'no-match', message: NO_MATCH_MESSAGE };
  }

  const { patient } = outcome;
  const lookupId = caller.stores.lookups.newLookupId();
  const expiresAt = new Date(now.getTime() + deps.settings.lookupTtlSeconds * 1000);
  await audit(caller, requestId, { outcome: 'match', lookupId }, reference);
  await caller.stores.lookups.create({
    lookupId,
    createdAt: now.toISOString(),
    createdBy: caller.subject,
    expiresAt,
    nhsNumberIndex: reference.nhsNumberIndex,
    patient: {
      nhsNumber: patient.nhsNumber,
      birthDate: patient.birthDate,
      givenNames: patient.givenNames,
      familyName: patient.familyName,
      displayName: patient.displayName,
      gender: patient.gender,
      mobile: patient.mobile,
      gpOdsCode: patient.gpOdsCode,
    },
  });
  return {
    result: 'match',
    lookupId,
    patient: { name: patient.displayName, gender: patient.gender, mobileEnding: patient.mobileEnding },
    expiresAt: expiresAt.toISOString(),
  };
}

/**
 * A lookup that failed validation is still an attempt at the demographics service's data: it is audited with
 * the fields that were wrong and, when something was typed as the NHS number, that text encrypted.
 */
export async function auditInvalidLookup(
  deps: Pick<LookupDeps, 'fields'>,
  invalid: { caller: StaffCaller; error: BadRequestError; rawBody: unknown; requestId: string },
): Promise<void> {
  const { caller, error, rawBody, requestId } = invalid;
  const fields = (error.details.issues ?? []).map((issue) => issue.field);
  const typed =
    rawBody && typeof rawBody === 'object' && 'nhsNumber' in rawBody ? rawBody.nhsNumber : undefined;
  const reference: Record<string, string> =
    typeof typed === 'string' && typed.length > 0 && typed.length <= 40
      ? {
          nhsNumberCiphertext: await deps.fields.encrypt(caller.practiceId, AUDIT_NHS_NUMBER_FIELD, typed),
        }
      : {};
  await audit(
    caller,
    requestId,
    { outcome: 'invalid-input', reason: fields.length > 0 ? fields.join(',') : 'body' },
    reference,
  );
}
