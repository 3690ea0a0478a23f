import type { FieldCrypto } from '../../layers/crypto/field-crypto';
import { ConflictError, NotFoundError, ServiceUnavailableError } from '../../layers/http/errors';
import { type JoinInfo, JoinInfoSchema } from '../../layers/meetings/join-info';
import { type MeetingProvider, MeetingServiceUnavailableError } from '../../layers/meetings/meeting-provider';
import { type MediaRegion, parseMediaRegion } from '../../layers/meetings/regions';
import { logger } from '../../layers/observability/powertools';
import type { PracticeStores } from '../../layers/practice/practice-stores';
import {
  type ConsultationChange,
  type ConsultationEntry,
  type ConsultationPointers,
  JOIN_STEPS_AND_CALL,
  type StoredConsultation,
} from '../../layers/records/consultation-records';
import { CONSULTATION_JOIN_FIELD } from '../../layers/records/record-kinds';
import {
  type ConsultationEffect,
  type ConsultationInput,
  type ConsultationState,
  DEFAULT_GRACE_MS,
  graceDeadline,
  newConsultationState,
  type PatientStep,
  transition,
} from './consultation-state';
import type { InviteJourneyEntry, JoinableInvite, JoinableInvites } from './joinable-invites';

/**
 * A consultation's life over the stores and the meeting port: the one place that runs the state machine
 * (consultation-state.ts) against the stored record and carries out its effects. Used by the staff routes
 * (admit, end), the join API (leaving), the meeting-event function and the grace sweep, so every path
 * changes a consultation the same way.
 */

/** How long a closed page has to come back (a reload) before leaving it counts as dissent. */
export const PAGE_RETURN_MS = 60_000;
/** Consultation records are working data of the day; consent and the audit trail are the lasting record. */
export const CONSULTATION_KEEP_DAYS = 30;

export interface ConsultationDeps {
  invites: JoinableInvites;
  pointers: ConsultationPointers;
  /** The practice's stores, opened through its scoped credentials. */
  storesOf: (practiceId: string) => PracticeStores;
  meetings?: MeetingProvider;
  fields?: FieldCrypto;
  stage: string;
  graceMs?: number;
  now?: () => Date;
}

const nowOf = (deps: Pick<ConsultationDeps, 'now'>) => deps.now?.() ?? new Date();

export function keepUntil(now: Date): Date {
  return new Date(now.getTime() + CONSULTATION_KEEP_DAYS * 86_400_000);
}

export function stateOf(consultation: StoredConsultation): ConsultationState | undefined {
  return consultation.state ? (JSON.parse(consultation.state) as ConsultationState) : undefined;
}

/** The step the patient is at now, for a dissent: the page's before the meeting, the meeting's after. */
export function currentStep(consultation: StoredConsultation): PatientStep {
  const state = stateOf(consultation);
  if (state && state.phase !== 'waiting') return state.phase === 'ended' ? 'in-call' : state.phase;
  return consultation.step;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** What changed between two states, as timeline entries and invite journey entries. */
function describeChange(
  before: ConsultationState,
  after: ConsultationState,
): { entries: ConsultationEntry[]; journey: InviteJourneyEntry[] } {
  const entries: ConsultationEntry[] = [];
  const journey: InviteJourneyEntry[] = [];
  if (before.phase === 'waiting' && after.phase !== 'waiting' && after.admittedAt !== undefined) {
    entries.push({ event: 'admitted', at: iso(after.admittedAt) });
    journey.push({ event: 'admitted', at: iso(after.admittedAt) });
  }
  const was = before.patient.presence;
  const is = after.patient.presence;
  if (was !== is && after.patient.since !== undefined) {
    if (is === 'joined')
      entries.push({ event: was === 'reconnecting' ? 'rejoined' : 'joined', at: iso(after.patient.since) });
    if (is === 'reconnecting') entries.push({ event: 'reconnecting', at: iso(after.patient.since) });
  }
  if (!before.dissent && after.dissent) {
    const detail = `${after.dissent.step}:${after.dissent.reason}`;
    entries.push({ event: 'dissent', at: iso(after.dissent.at), detail });
    journey.push({ event: 'dissent', at: iso(after.dissent.at), detail });
  }
  if (before.phase !== 'ended' && after.ended) {
    entries.push({ event: 'ended', at: iso(after.ended.at), detail: after.ended.reason });
    journey.push({ event: 'consultation-ended', at: iso(after.ended.at), detail: after.ended.reason });
  }
  return { entries, journey };
}

/** The record's change for a new machine state: the state, the timeline, the call's times, the closing. */
function changeFor(
  consultation: StoredConsultation,
  before: ConsultationState,
  after: ConsultationState,
): { change: ConsultationChange; journey: InviteJourneyEntry[] } {
  const { entries, journey } = describeChange(before, after);
  const deadline = graceDeadline(after);
  const change: ConsultationChange = {
    state: JSON.stringify(after),
    graceDueAt: deadline === undefined ? undefined : iso(deadline),
    add: entries,
  };
  if (after.inCallAt !== undefined || after.ended) {
    const startedAt = after.inCallAt;
    const endedAt = after.ended?.at;
    change.call = {
      ...(startedAt !== undefined ? { startedAt: iso(startedAt) } : {}),
      ...(endedAt !== undefined ? { endedAt: iso(endedAt) } : {}),
      ...(startedAt !== undefined && endedAt !== undefined
        ? { durationSeconds: Math.max(0, Math.round((endedAt - startedAt) / 1000)) }
        : {}),
    };
  }
  if (after.dissent && !consultation.dissent) {
    change.dissent = { at: iso(after.dissent.at), step: after.dissent.step, reason: after.dissent.reason };
  }
  if (after.ended && !consultation.closedAt) {
    change.closedAt = iso(after.ended.at);
    change.closedReason = after.ended.reason;
    change.pageLeft = undefined;
  }
  return { change, journey };
}

async function audit(
  deps: ConsultationDeps,
  practiceId: string,
  type: 'consultation.dissent' | 'consultation.ended' | 'consultation.admitted',
  details: Record<string, string | number | boolean>,
  actor: { sub: string; role?: string } = { sub: 'patient' },
) {
  await deps.storesOf(practiceId).audit.record({ type, actor, details });
}

/**
 * Feeds one input to a consultation's state machine, stores the result (conditional on the version read),
 * and carries out the effects the transition asked for. Duplicated and stale inputs change nothing and have
 * no effects, so this is safe to call again with the same input (an EventBridge redelivery).
 */
export async function applyInput(
  deps: ConsultationDeps,
  pointer: { practiceId: string; consultationId: string },
  input: ConsultationInput,
  options: { skip?: readonly ConsultationEffect['type'][] } = {},
): Promise<StoredConsultation | undefined> {
  const stores = deps.storesOf(pointer.practiceId);
  let effects: ConsultationEffect[] = [];
  let journey: InviteJourneyEntry[] = [];
  const outcome = await stores.consultations.mutate(pointer.consultationId, (current) => {
    effects = [];
    journey = [];
    const before = stateOf(current);
    if (!before) return { result: undefined };
    const next = transition(before, input);
    if (next.state === before) return { result: undefined };
    effects = next.effects;
    const described = changeFor(current, before, next.state);
    journey = described.journey;
    return { change: described.change, result: undefined };
  });
  if (!outcome?.changed) return outcome?.consultation;
  await carryOut(deps, pointer, outcome.consultation, effects, journey, options.skip ?? []);
  return outcome.consultation;
}

async function carryOut(
  deps: ConsultationDeps,
  pointer: { practiceId: string; consultationId: string },
  consultation: StoredConsultation,
  effects: readonly ConsultationEffect[],
  journey: readonly InviteJourneyEntry[],
  skip: readonly ConsultationEffect['type'][],
) {
  const meeting = consultation.meeting;
  for (const effect of effects) {
    if (skip.includes(effect.type)) continue;
    switch (effect.type) {
      case 'record-dissent':
        await audit(deps, pointer.practiceId, 'consultation.dissent', {
          consultationId: pointer.consultationId,
          step: effect.step,
          reason: effect.reason,
          at: iso(effect.at),
        });
        break;
      case 'check-grace-at':
        await deps.pointers.putGraceDue(new Date(effect.at), pointer);
        break;
      case 'admit-patient':
        await deps.meetings?.admit(effect.meetingId, effect.attendeeId);
        break;
      case 'remove-patient':
        await deps.meetings?.removeAttendee(effect.meetingId, effect.attendeeId);
        break;
      case 'end-meeting':
        if (meeting) await endMeeting(deps, meeting);
        await audit(deps, pointer.practiceId, 'consultation.ended', {
          consultationId: pointer.consultationId,
          reason: effect.reason,
          // How long patient and clinician were both in the call, for the compliance report.
          ...(consultation.call?.durationSeconds !== undefined
            ? { durationSeconds: consultation.call.durationSeconds }
            : {}),
        });
        break;
    }
  }
  if (journey.length > 0) await addJourney(deps, pointer, journey);
}

/** Both attendees removed (their join tokens die at once), then the meeting itself. */
async function endMeeting(
  deps: Pick<ConsultationDeps, 'meetings'>,
  meeting: NonNullable<StoredConsultation['meeting']>,
): Promise<void> {
  if (!deps.meetings) return;
  await Promise.all([
    deps.meetings.removeAttendee(meeting.meetingId, meeting.patientAttendeeId),
    deps.meetings.removeAttendee(meeting.meetingId, meeting.clinicianAttendeeId),
  ]);
  await deps.meetings.endMeeting(meeting.meetingId);
}

/** The invite's timeline is the clinician's view of the journey: a failure there must not undo the call. */
export async function addJourney(
  deps: Pick<ConsultationDeps, 'invites'>,
  pointer: { practiceId: string; consultationId: string },
  entries: readonly InviteJourneyEntry[],
  invite?: JoinableInvite,
): Promise<void> {
  try {
    const target = invite ?? (await deps.invites.get(pointer.practiceId, pointer.consultationId));
    if (target) await deps.invites.addToTimeline(target, entries);
  } catch (error) {
    logger.error('invite timeline not updated', { errorName: (error as Error).name });
  }
}

/**
 * Dissent or an ending outside the meeting: before the patient was admitted there is no machine state yet,
 * so the record itself says it. After, the machine decides (and ends the meeting).
 */
export async function patientLeft(
  deps: ConsultationDeps,
  pointer: { practiceId: string; consultationId: string },
  at: Date,
  step: PatientStep | undefined,
): Promise<void> {
  const stores = deps.storesOf(pointer.practiceId);
  const current = await stores.consultations.get(pointer.consultationId);
  if (!current || current.closedAt) return;
  if (stateOf(current)) {
    await applyInput(deps, pointer, {
      kind: 'patient-left-page',
      at: at.getTime(),
      ...(step ? { step } : {}),
    });
    return;
  }
  const leftAt = at.toISOString();
  const dissentStep = step ?? current.step;
  const outcome = await stores.consultations.mutate(pointer.consultationId, (record) => {
    if (record.closedAt || record.state) return { result: false };
    return {
      change: {
        dissent: { at: leftAt, step: dissentStep, reason: 'left-page' },
        closedAt: leftAt,
        closedReason: 'patient-left',
        pageLeft: undefined,
        add: [
          { event: 'dissent', at: leftAt, detail: `${dissentStep}:left-page` },
          { event: 'ended', at: leftAt, detail: 'patient-left' },
        ],
      },
      result: true,
    };
  });
  if (outcome?.result === false && outcome.consultation.state) {
    // Admitted meanwhile: the machine decides.
    await applyInput(deps, pointer, { kind: 'patient-left-page', at: at.getTime(), step: dissentStep });
    return;
  }
  if (!outcome?.changed) return;
  await audit(deps, pointer.practiceId, 'consultation.dissent', {
    consultationId: pointer.consultationId,
    step: dissentStep,
    reason: 'left-page',
    at: leftAt,
  });
  await addJourney(deps, pointer, [{ event: 'dissent', at: leftAt, detail: `${dissentStep}:left-page` }]);
}

/** A closed page that has not come back in time is dissent, at the time it closed. */
export async function settlePageLeft(
  deps: ConsultationDeps,
  pointer: { practiceId: string; consultationId: string },
  now: Date = nowOf(deps),
): Promise<void> {
  const current = await deps.storesOf(pointer.practiceId).consultations.get(pointer.consultationId);
  const left = current?.pageLeft;
  if (!current || !left || current.closedAt) return;
  if (now.getTime() - Date.parse(left.at) < PAGE_RETURN_MS) return;
  await patientLeft(deps, pointer, new Date(left.at), left.step as PatientStep);
}

/** The clock's part: an unanswered drop past its grace period, a closed page that did not come back. */
export async function tick(
  deps: ConsultationDeps,
  pointer: { practiceId: string; consultationId: string },
  now: Date = nowOf(deps),
): Promise<void> {
  await settlePageLeft(deps, pointer, now);
  const current = await deps.storesOf(pointer.practiceId).consultations.get(pointer.consultationId);
  if (current?.graceDueAt && Date.parse(current.graceDueAt) <= now.getTime()) {
    await applyInput(deps, pointer, { kind: 'tick', at: now.getTime() });
  }
}

/** The media region of a consultation: the clinician's choice, else the practice's default. */
export async function effectiveRegion(
  stores: PracticeStores,
  consultation: StoredConsultation,
): Promise<MediaRegion> {
  if (consultation.meeting) return consultation.meeting.mediaRegion;
  return consultation.mediaRegion ?? (await stores.videoSettings.get()).defaultMediaRegion;
}

async function sealJoin(deps: ConsultationDeps, practiceId: string, joinInfo: JoinInfo): Promise<string> {
  if (!deps.fields) throw new TypeError('this function has no practice keys');
  return deps.fields.encrypt(practiceId, CONSULTATION_JOIN_FIELD, JSON.stringify(joinInfo));
}

export async function openJoin(
  deps: Pick<ConsultationDeps, 'fields'>,
  practiceId: string,
  sealed: string,
): Promise<JoinInfo> {
  if (!deps.fields) throw new TypeError('this function has no practice keys');
  const json = await deps.fields.decrypt(practiceId, CONSULTATION_JOIN_FIELD, sealed);
  return JoinInfoSchema.parse(JSON.parse(json)) as JoinInfo;
}

const UNAVAILABLE = 'The video service is not answering at the moment. Wait a few seconds and try again.';

/**
 * "Admit": makes the meeting (or finds the one already made: the call is idempotent per consultation, and a
 * clinician who reloads the page admits again to get back in), lets the patient in with
 * UpdateAttendeeCapabilities, and hands the clinician their own join info. The patient's waits, encrypted,
 * until their page collects it (once).
 */
export async function admit(
  deps: ConsultationDeps,
  practiceId: string,
  consultationId: string,
  host: { sub: string; name: string; role: string },
  requestedRegion: MediaRegion | undefined,
): Promise<{ consultation: StoredConsultation; joinInfo: JoinInfo }> {
  const meetings = deps.meetings;
  if (!meetings) throw new TypeError('this function does not use meetings');
  const stores = deps.storesOf(practiceId);
  const now = nowOf(deps);
  let consultation = await stores.consultations.get(consultationId);
  if (!consultation) throw new NotFoundError('There is no consultation for this invitation.');
  if (consultation.closedAt) {
    throw new ConflictError(
      'This consultation has ended. Send the patient a new invitation to see them again.',
    );
  }
  if (consultation.step !== 'waiting' && !consultation.meeting) {
    throw new ConflictError('The patient is not in the waiting room yet. You can let them in once they are.');
  }

  if (!consultation.meeting) {
    const mediaRegion = requestedRegion ?? (await effectiveRegion(stores, consultation));
    let created: Awaited<ReturnType<MeetingProvider['createMeeting']>>;
    try {
      created = await meetings.createMeeting({
        consultationId,
        mediaRegion: parseMediaRegion(mediaRegion),
        clinicianExternalId: `host-${consultationId}`,
        patientExternalId: `patient-${consultationId}`,
        tags: { practice: practiceId, stage: deps.stage },
      });
    } catch (error) {
      if (error instanceof MeetingServiceUnavailableError) throw new ServiceUnavailableError(UNAVAILABLE, 5);
      throw error;
    }
    const [clinicianJoin, patientJoin] = await Promise.all([
      sealJoin(deps, practiceId, created.clinician),
      sealJoin(deps, practiceId, created.patient),
    ]);
    await deps.pointers.putMeeting(created.meeting.meetingId, { practiceId, consultationId }, keepUntil(now));
    const outcome = await stores.consultations.mutate(consultationId, (current) => {
      if (current.meeting || current.closedAt) return { result: undefined };
      const state = newConsultationState({
        meetingId: created.meeting.meetingId,
        clinicianAttendeeId: created.clinician.attendee.attendeeId,
        patientAttendeeId: created.patient.attendee.attendeeId,
        graceMs: deps.graceMs ?? DEFAULT_GRACE_MS,
      });
      return {
        change: {
          meeting: {
            meetingId: created.meeting.meetingId,
            mediaRegion: created.meeting.mediaRegion,
            clinicianAttendeeId: created.clinician.attendee.attendeeId,
            patientAttendeeId: created.patient.attendee.attendeeId,
            clinicianJoin,
            patientJoin,
            createdAt: now.toISOString(),
          },
          mediaRegion: created.meeting.mediaRegion,
          state: JSON.stringify(state),
          host: { sub: host.sub, name: host.name },
        },
        result: undefined,
      };
    });
    if (!outcome) throw new NotFoundError('There is no consultation for this invitation.');
    consultation = outcome.consultation;
    if (consultation.closedAt) throw new ConflictError('This consultation has ended.');
  }
  const meeting = consultation.meeting;
  if (!meeting) throw new Error('the consultation has no meeting after it was made');

  const state = stateOf(consultation);
  if (state?.phase === 'waiting') {
    try {
      await meetings.admit(meeting.meetingId, meeting.patientAttendeeId);
    } catch (error) {
      if (error instanceof MeetingServiceUnavailableError) throw new ServiceUnavailableError(UNAVAILABLE, 5);
      throw error;
    }
    const admitted = await applyInput(
      deps,
      { practiceId, consultationId },
      { kind: 'admit', at: now.getTime() },
      { skip: ['admit-patient'] },
    );
    if (admitted) consultation = admitted;
    await audit(
      deps,
      practiceId,
      'consultation.admitted',
      { consultationId, mediaRegion: meeting.mediaRegion },
      { sub: host.sub, role: host.role },
    );
  }
  return { consultation, joinInfo: await openJoin(deps, practiceId, meeting.clinicianJoin) };
}

/** "End consultation": both attendees removed, the meeting ended, the link and the code dead for good. */
export async function endConsultation(
  deps: ConsultationDeps,
  practiceId: string,
  consultationId: string,
  host: { sub: string; role: string },
): Promise<StoredConsultation> {
  const stores = deps.storesOf(practiceId);
  const now = nowOf(deps);
  const consultation = await stores.consultations.get(consultationId);
  if (!consultation) throw new NotFoundError('There is no consultation for this invitation.');
  if (consultation.state) {
    const ended = await applyInput(deps, { practiceId, consultationId }, { kind: 'end', at: now.getTime() });
    // Ending again is the same answer; the meeting calls are safe to repeat (an earlier try may have failed).
    if (consultation.meeting) await endMeeting(deps, consultation.meeting);
    return ended ?? consultation;
  }
  const at = now.toISOString();
  const outcome = await stores.consultations.mutate(consultationId, (current) =>
    current.closedAt
      ? { result: false }
      : {
          change: {
            closedAt: at,
            closedReason: 'clinician-ended',
            pageLeft: undefined,
            add: [{ event: 'ended', at, detail: 'clinician-ended' }],
          },
          result: true,
        },
  );
  if (outcome?.changed) {
    await audit(deps, practiceId, 'consultation.ended', { consultationId, reason: 'clinician-ended' }, host);
    await addJourney(deps, { practiceId, consultationId }, [
      { event: 'consultation-ended', at, detail: 'clinician-ended' },
    ]);
  }
  return outcome?.consultation ?? consultation;
}

/** The clinician's region for this consultation: only before the meeting is made, only from the EU list. */
export async function chooseRegion(
  deps: ConsultationDeps,
  practiceId: string,
  consultationId: string,
  region: MediaRegion,
): Promise<StoredConsultation> {
  const stores = deps.storesOf(practiceId);
  const at = nowOf(deps).toISOString();
  const outcome = await stores.consultations.mutate(consultationId, (current) => {
    if (current.meeting || current.closedAt) return { result: 'too-late' as const };
    if (current.mediaRegion === region) return { result: 'same' as const };
    return {
      change: { mediaRegion: region, add: [{ event: 'region-changed', at, detail: region }] },
      result: 'changed' as const,
    };
  });
  if (!outcome) throw new NotFoundError('There is no consultation for this invitation.');
  if (outcome.result === 'too-late') {
    throw new ConflictError(
      'The video has already started (or ended) in the region it was made in; the region can only be changed before you let the patient in.',
    );
  }
  return outcome.consultation;
}

export { JOIN_STEPS_AND_CALL };
