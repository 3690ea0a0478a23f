import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { PracticeBlindIndex } from '../../layers/crypto/blind-index';
import type { FieldCrypto } from '../../layers/crypto/field-crypto';
import { ServiceUnavailableError, TooManyRequestsError } from '../../layers/http/errors';
import type { RejectedAttempt } from '../../layers/http/pipeline';
import type { StaffCaller } from '../../layers/http/staff-gate';
import { logger, metrics } from '../../layers/observability/powertools';
import { interpretPatient, type NoMatchReason, type PatientOutcome } from '../../layers/pds/patient';
import {
  type Demographics,
  PdsAccessError,
  PdsRequestError,
  PdsUnavailableError,
} from '../../layers/pds/pds-client';
import type { RateLimit } from '../../layers/records/rate-limits';
import { AUDIT_NHS_NUMBER_FIELD, AUDIT_PATIENT_NAME_FIELD } from '../../layers/records/record-kinds';
import type { PhoneNumberVerdict } from '../../layers/sms/phone-number';
import { todayInLondon } from '../../layers/universal/birth-date';
import { textProblem } from '../../layers/universal/text';
import { waitInWords } from '../../layers/universal/wait-words';
import { smsStatusOf } from '../invites/sms-status';
import { type LookupResult, NO_MATCH_MESSAGE } from './routes';

export interface LookupPolicy {
  /** How long a lookup can be used to invite the patient. */
  lookupTtlSeconds: number;
  perUserPerHour: number;
  perPracticePerDay: number;
  /** Attempts refused before PDS (invalid input, a refused member), counted apart from real lookups. */
  invalidPerUserPerHour: number;
  invalidPerPracticePerDay: number;
}

export interface LookupDeps {
  demographics: Demographics;
  /** This deployment's rule for which numbers may be texted. */
  parsePhone: (written: string | null | undefined) => PhoneNumberVerdict;
  fields: FieldCrypto;
  blindIndex: PracticeBlindIndex;
  settings: LookupPolicy;
  now?: () => Date;
}

/** What a compliance officer sees of an attempt; `reason` is the truth the clinician is not told. */
type Outcome =
  | { outcome: 'match'; lookupId: string }
  | { outcome: 'no-match'; reason: NoMatchReason }
  | { outcome: 'invalid-input'; reason: string }
  | { outcome: 'refused'; reason: string }
  | { outcome: 'rate-limited'; reason: 'user-hourly-limit' | 'practice-daily-limit' }
  | {
      outcome: 'rate-limited';
      reason: 'user-invalid-limit' | 'practice-invalid-limit';
      /** What was wrong with the attempt that was refused for the limit. */
      attempt: string;
    }
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

function rateLimits(caller: StaffCaller, settings: LookupPolicy) {
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

/** The limits of attempts refused before PDS: their own counters, so typos never use up real lookups. */
function invalidAttemptLimits(caller: StaffCaller, settings: LookupPolicy) {
  const user: RateLimit = {
    counter: `lookup#invalid#user#${caller.subject}`,
    limit: settings.invalidPerUserPerHour,
    windowSeconds: 3_600,
  };
  const practice: RateLimit = {
    counter: 'lookup#invalid#practice',
    limit: settings.invalidPerPracticePerDay,
    windowSeconds: 86_400,
  };
  return { user, practice };
}

/** The caller's practice record: ODS code for PDS. Cached per container (it changes once in a blue moon). */
async function practiceRecord(caller: StaffCaller) {
  const practice = await caller.stores.directory.getPracticeCached();
  if (!practice) throw new Error('the admitted caller’s practice has no record');
  return practice;
}

export { waitInWords };

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
  const limits = rateLimits(caller, deps.settings);
  // Independent work side by side: the NHS number's audit reference, the practice record (cached per
  // container) and the rate limits. The practice's counter is only taken once the member's own passed, so a
  // member over their limit cannot use up the whole practice's day.
  const [reference, practice, refusal] = await Promise.all([
    nhsNumberReference(deps, practiceId, request.nhsNumber),
    practiceRecord(caller),
    (async () => {
      const user = await caller.stores.rateLimits.take(limits.user, now);
      if (!user.allowed) return { which: 'user-hourly-limit' as const, limit: limits.user, decision: user };
      const practiceWide = await caller.stores.rateLimits.take(limits.practice, now);
      if (!practiceWide.allowed)
        return { which: 'practice-daily-limit' as const, limit: limits.practice, decision: practiceWide };
      return undefined;
    })(),
  ]);
  if (refusal) {
    await audit(caller, requestId, { outcome: 'rate-limited', reason: refusal.which }, reference);
    metrics.addMetric('LookupRateLimited', MetricUnit.Count, 1);
    const wait = waitInWords(refusal.decision.retryAfterSeconds);
    throw new TooManyRequestsError(
      refusal.which === 'user-hourly-limit'
        ? `You have made ${refusal.limit.limit} lookups in the last hour, the most allowed. Try again in ${wait}.`
        : `Your practice has made ${refusal.limit.limit} lookups today, the most allowed. Try again in ${wait}, or ask your practice admin.`,
      refusal.decision.retryAfterSeconds,
    );
  }

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
  // Both before the answer, side by side. The audit is what must not be missing: if it fails, the lookup
  // record is removed again and the clinician gets a 500 with no lookup id (fail closed). The audit keeps the
  // name PDS gave, encrypted: a compliance officer's report shows whom was looked up. Beside them: whether
  // the mobile can be texted (the deployment's countries, and the practice's opt-outs).
  const [audited, stored, sms] = await Promise.allSettled([
    (async () => {
      const patientNameCiphertext = await deps.fields.encrypt(
        practiceId,
        AUDIT_PATIENT_NAME_FIELD,
        patient.displayName,
      );
      await audit(caller, requestId, { outcome: 'match', lookupId }, { ...reference, patientNameCiphertext });
    })(),
    caller.stores.lookups.create({
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
    }),
    smsStatusOf(deps, caller.stores.smsOptOuts, patient.mobile),
  ]);
  if (audited.status === 'rejected') {
    if (stored.status === 'fulfilled') await caller.stores.lookups.remove(lookupId);
    throw audited.reason;
  }
  if (stored.status === 'rejected') throw stored.reason;
  if (sms.status === 'rejected') {
    await caller.stores.lookups.remove(lookupId);
    throw sms.reason;
  }
  return {
    result: 'match',
    lookupId,
    patient: { name: patient.displayName, gender: patient.gender, mobileEnding: patient.mobileEnding },
    sms: sms.value.status,
    expiresAt: expiresAt.toISOString(),
  };
}

/**
 * A lookup refused before PDS is still an attempt at the demographics service's data, and goes on record like
 * any other, with its true reason: the request's (a field that is wrong, a body too large or not JSON, query
 * parameters the route does not take) or the gate's (a member not allowed to look patients up).
 *
 * Such attempts count against limits of their own, per member per hour and per practice per day, taken
 * before anything else is done. Over them, the answer is 429 and the event says so: one audit event per
 * attempt, and nothing encrypted. Under them, what was typed as the NHS number (if it is plain text of a
 * plausible length) is kept encrypted under the practice key, as for every lookup.
 */
export async function auditRejectedLookup(
  deps: Pick<LookupDeps, 'fields' | 'settings' | 'now'>,
  attempt: RejectedAttempt,
): Promise<void> {
  const { caller, stage, reason, rawBody, requestId } = attempt;
  const now = deps.now?.() ?? new Date();
  const limits = invalidAttemptLimits(caller, deps.settings);
  const user = await caller.stores.rateLimits.take(limits.user, now);
  const practiceWide = user.allowed ? await caller.stores.rateLimits.take(limits.practice, now) : undefined;
  const refusal = !user.allowed
    ? { which: 'user-invalid-limit' as const, limit: limits.user, decision: user }
    : practiceWide && !practiceWide.allowed
      ? { which: 'practice-invalid-limit' as const, limit: limits.practice, decision: practiceWide }
      : undefined;
  if (refusal) {
    await audit(caller, requestId, { outcome: 'rate-limited', reason: refusal.which, attempt: reason }, {});
    metrics.addMetric('LookupRateLimited', MetricUnit.Count, 1);
    const wait = waitInWords(refusal.decision.retryAfterSeconds);
    throw new TooManyRequestsError(
      refusal.which === 'user-invalid-limit'
        ? `You have made ${refusal.limit.limit} lookups that could not be carried out in the last hour, the most allowed. Try again in ${wait}.`
        : `Your practice has made ${refusal.limit.limit} lookups that could not be carried out today, the most allowed. Try again in ${wait}, or ask your practice admin.`,
      refusal.decision.retryAfterSeconds,
    );
  }
  const typed =
    rawBody && typeof rawBody === 'object' && 'nhsNumber' in rawBody ? rawBody.nhsNumber : undefined;
  const reference: Record<string, string> =
    typeof typed === 'string' && typed.length > 0 && typed.length <= 40 && textProblem(typed) === undefined
      ? {
          nhsNumberCiphertext: await deps.fields.encrypt(caller.practiceId, AUDIT_NHS_NUMBER_FIELD, typed),
        }
      : {};
  await audit(
    caller,
    requestId,
    stage === 'gate' ? { outcome: 'refused', reason } : { outcome: 'invalid-input', reason },
    reference,
  );
}
