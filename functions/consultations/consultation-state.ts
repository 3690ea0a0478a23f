import type { MeetingEvent } from '../../layers/meetings/meeting-events';

/**
 * The consultation's video life as a pure state machine: one state, one input, a new state and the effects
 * the handler must carry out (record dissent, call the meeting port, schedule the grace check). No clock, no
 * I/O: every input carries its own time, so replaying the same inputs gives the same result.
 *
 * Phases only move forward: waiting → admitted → in-call → ended. Presence (per attendee) is separate:
 * not-joined / joined / reconnecting / left.
 *
 * The rules (R10, issue 11):
 * - The patient's `AttendeeLeft`, an explicit leave from the join page, or the clinician removing the patient
 *   is **dissent**: recorded once, with the time and the step the patient was at, and the consultation ends.
 * - `AttendeeDropped` is not dissent: the patient is "reconnecting", and a later `AttendeeJoined` brings them
 *   back. Only if they are not back within the grace period does it end as "patient disconnected".
 * - Meeting events are best effort: duplicates (same `eventId`) change nothing, and a presence event older
 *   than the last one applied for that attendee is stale and ignored. A patient's Left is the exception: it is
 *   an act, so it records dissent whenever it arrives (Chime never sends Left and Dropped for one exit).
 */

export type ConsultationPhase = 'waiting' | 'admitted' | 'in-call' | 'ended';
export type Presence = 'not-joined' | 'joined' | 'reconnecting' | 'left';

/** Where the patient was when they left: the page's steps before the meeting, then the meeting's phases. */
export type PatientStep = 'code-entry' | 'device-check' | 'waiting' | 'admitted' | 'in-call';

export type DissentReason = 'left-meeting' | 'left-page' | 'removed-by-clinician';

export type EndReason =
  | 'clinician-ended'
  | 'patient-left'
  | 'patient-removed'
  | 'patient-disconnected'
  | 'meeting-ended';

export const DEFAULT_GRACE_MS = 2 * 60_000;

/** How many event ids are remembered for de-duplication; EventBridge duplicates arrive close together. */
const SEEN_EVENT_IDS = 64;

export interface AttendeePresence {
  presence: Presence;
  /** Time of the last presence event applied: older ones are stale. */
  since?: number;
}

export interface ConsultationState {
  meetingId: string;
  clinicianAttendeeId: string;
  patientAttendeeId: string;
  phase: ConsultationPhase;
  clinician: AttendeePresence;
  patient: AttendeePresence;
  admittedAt?: number;
  inCallAt?: number;
  /** When the patient's connection dropped; the grace period runs from here. */
  patientDroppedAt?: number;
  dissent?: { at: number; step: PatientStep; reason: DissentReason };
  ended?: { at: number; reason: EndReason };
  /** Recent meeting event ids, newest last. */
  seenEventIds: string[];
  graceMs: number;
}

export type ConsultationInput =
  | { kind: 'meeting-event'; event: MeetingEvent }
  | { kind: 'admit'; at: number }
  | { kind: 'remove-patient'; at: number }
  | { kind: 'end'; at: number }
  /** The join page said the patient left (Leave button, or page closed via sendBeacon), maybe before joining. */
  | { kind: 'patient-left-page'; at: number; step?: PatientStep }
  /** The scheduled grace check (or any clock tick). */
  | { kind: 'tick'; at: number };

export type ConsultationEffect =
  | { type: 'record-dissent'; at: number; step: PatientStep; reason: DissentReason }
  | { type: 'admit-patient'; meetingId: string; attendeeId: string }
  | { type: 'remove-patient'; meetingId: string; attendeeId: string }
  | { type: 'end-meeting'; meetingId: string; reason: EndReason }
  | { type: 'check-grace-at'; at: number };

export interface Transition {
  state: ConsultationState;
  effects: ConsultationEffect[];
}

export function newConsultationState(input: {
  meetingId: string;
  clinicianAttendeeId: string;
  patientAttendeeId: string;
  graceMs?: number;
}): ConsultationState {
  return {
    meetingId: input.meetingId,
    clinicianAttendeeId: input.clinicianAttendeeId,
    patientAttendeeId: input.patientAttendeeId,
    phase: 'waiting',
    clinician: { presence: 'not-joined' },
    patient: { presence: 'not-joined' },
    seenEventIds: [],
    graceMs: input.graceMs ?? DEFAULT_GRACE_MS,
  };
}

/** When an unanswered drop ends the consultation, if the patient is reconnecting now. */
export function graceDeadline(state: ConsultationState): number | undefined {
  if (state.phase === 'ended' || state.patient.presence !== 'reconnecting') return undefined;
  return state.patientDroppedAt === undefined ? undefined : state.patientDroppedAt + state.graceMs;
}

function inputTime(input: ConsultationInput): number {
  return input.kind === 'meeting-event' ? input.event.at : input.at;
}

function stepOf(state: ConsultationState): PatientStep {
  return state.phase === 'ended' ? 'in-call' : state.phase;
}

export function transition(state: ConsultationState, input: ConsultationInput): Transition {
  const effects: ConsultationEffect[] = [];
  let next = structuredClone(state);

  if (input.kind === 'meeting-event') {
    if (next.seenEventIds.includes(input.event.eventId)) return { state, effects };
    next.seenEventIds = [...next.seenEventIds, input.event.eventId].slice(-SEEN_EVENT_IDS);
    if (input.event.meetingId !== next.meetingId) return { state, effects };
  }
  // Time has passed up to this input: a grace period that ran out before it ends the consultation first, so a
  // Joined that comes too late cannot undo "patient disconnected".
  next = expireGrace(next, inputTime(input), effects);
  if (next.phase === 'ended') return { state: next, effects };

  switch (input.kind) {
    case 'tick':
      break;
    case 'admit':
      if (next.phase === 'waiting') {
        next.phase = 'admitted';
        next.admittedAt = input.at;
        effects.push({
          type: 'admit-patient',
          meetingId: next.meetingId,
          attendeeId: next.patientAttendeeId,
        });
        next = maybeInCall(next, input.at);
      }
      break;
    case 'remove-patient':
      next = dissent(next, input.at, stepOf(next), 'removed-by-clinician', effects);
      effects.push({ type: 'remove-patient', meetingId: next.meetingId, attendeeId: next.patientAttendeeId });
      next = end(next, input.at, 'patient-removed', effects);
      break;
    case 'end':
      next = end(next, input.at, 'clinician-ended', effects);
      break;
    case 'patient-left-page':
      next = dissent(next, input.at, input.step ?? stepOf(next), 'left-page', effects);
      next = end(next, input.at, 'patient-left', effects);
      break;
    case 'meeting-event':
      next = applyMeetingEvent(next, input.event, effects);
      break;
  }
  return { state: next, effects };
}

function applyMeetingEvent(
  state: ConsultationState,
  event: MeetingEvent,
  effects: ConsultationEffect[],
): ConsultationState {
  if (event.type === 'MeetingEnded') return end(state, event.at, 'meeting-ended', effects, false);
  if (event.type === 'MeetingStarted' || !('attendeeId' in event)) return state;

  const who =
    event.attendeeId === state.patientAttendeeId
      ? 'patient'
      : event.attendeeId === state.clinicianAttendeeId
        ? 'clinician'
        : undefined;
  if (!who) return state;

  if (who === 'patient' && event.type === 'AttendeeLeft') {
    // An act, not a connection state: dissent whenever it arrives, stale or not.
    let next = dissent(state, event.at, stepOf(state), 'left-meeting', effects);
    next = { ...next, patient: { presence: 'left', since: event.at } };
    return end(next, event.at, 'patient-left', effects);
  }
  if (who === 'patient' && event.type === 'AttendeeDeleted') {
    // Only we delete attendees: normally the clinician's removal was recorded first and the consultation is
    // over. If it was not (our own record lost), the deletion still is the clinician removing the patient.
    let next = dissent(state, event.at, stepOf(state), 'removed-by-clinician', effects);
    next = { ...next, patient: { presence: 'left', since: event.at } };
    return end(next, event.at, 'patient-removed', effects);
  }

  const current = state[who];
  if (current.since !== undefined && event.at < current.since) return state;

  let next = state;
  switch (event.type) {
    case 'AttendeeJoined':
    case 'AttendeeAuthorized':
      next = { ...state, [who]: { presence: 'joined', since: event.at } };
      if (who === 'patient') next = { ...next, patientDroppedAt: undefined };
      return maybeInCall(next, event.at);
    case 'AttendeeDropped':
      next = { ...state, [who]: { presence: 'reconnecting', since: event.at } };
      if (who === 'patient' && state.patient.presence !== 'reconnecting') {
        next = { ...next, patientDroppedAt: event.at };
        effects.push({ type: 'check-grace-at', at: event.at + state.graceMs });
      }
      return next;
    case 'AttendeeLeft':
    case 'AttendeeDeleted':
      // The clinician: may come back (a reload); the meeting ends by itself once nobody has audio.
      return { ...state, [who]: { presence: 'left', since: event.at } };
    default:
      return state;
  }
}

function maybeInCall(state: ConsultationState, at: number): ConsultationState {
  if (state.phase !== 'admitted') return state;
  if (state.patient.presence !== 'joined' || state.clinician.presence !== 'joined') return state;
  return { ...state, phase: 'in-call', inCallAt: at };
}

function expireGrace(state: ConsultationState, at: number, effects: ConsultationEffect[]): ConsultationState {
  const deadline = graceDeadline(state);
  if (deadline === undefined || at < deadline) return state;
  return end(state, deadline, 'patient-disconnected', effects);
}

function dissent(
  state: ConsultationState,
  at: number,
  step: PatientStep,
  reason: DissentReason,
  effects: ConsultationEffect[],
): ConsultationState {
  if (state.dissent) return state;
  effects.push({ type: 'record-dissent', at, step, reason });
  return { ...state, dissent: { at, step, reason } };
}

function end(
  state: ConsultationState,
  at: number,
  reason: EndReason,
  effects: ConsultationEffect[],
  endMeeting = true,
): ConsultationState {
  if (state.phase === 'ended') return state;
  // The meeting already ended by itself: nothing to end, and its join tokens are dead.
  if (endMeeting) effects.push({ type: 'end-meeting', meetingId: state.meetingId, reason });
  return { ...state, phase: 'ended', ended: { at, reason }, patientDroppedAt: undefined };
}
