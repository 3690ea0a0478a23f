import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ConsultationEffect,
  type ConsultationInput,
  type ConsultationPhase,
  type ConsultationState,
  DEFAULT_GRACE_MS,
  graceDeadline,
  newConsultationState,
  transition,
} from '../../../functions/consultations/consultation-state';
import { type MeetingEvent, parseChimeMeetingEvent } from '../../../layers/meetings/meeting-events';
import { chimeEvent } from './support/chime-events';

const MEETING = '11111111-2222-4333-8444-555555555555';
const CLINICIAN = 'aaaaaaaa-0000-4000-8000-00000000000c';
const PATIENT = 'aaaaaaaa-0000-4000-8000-00000000000p';
const T0 = Date.parse('2026-12-01T09:00:00Z');
const GRACE = DEFAULT_GRACE_MS;

let ids = 0;
/** A documented Chime example for this meeting, through the real parser: the EventBridge path end to end. */
function chime(
  type: string,
  attendeeId: string | undefined,
  at: number,
  eventId = `evt-${++ids}`,
): MeetingEvent {
  const event = parseChimeMeetingEvent(
    chimeEvent(
      type,
      {
        meetingId: MEETING,
        ...(attendeeId ? { attendeeId, externalUserId: `ext-${attendeeId}` } : {}),
        timestamp: at,
      },
      eventId,
    ),
  );
  if (!event) throw new Error(`${type} is not an event the app reads`);
  return event;
}

const ev = (event: MeetingEvent): ConsultationInput => ({ kind: 'meeting-event', event });

function fresh(): ConsultationState {
  return newConsultationState({
    meetingId: MEETING,
    clinicianAttendeeId: CLINICIAN,
    patientAttendeeId: PATIENT,
  });
}

/** Applies inputs in order, collecting every effect. */
function run(
  inputs: ConsultationInput[],
  start = fresh(),
): { state: ConsultationState; effects: ConsultationEffect[] } {
  let state = start;
  const effects: ConsultationEffect[] = [];
  for (const input of inputs) {
    const next = transition(state, input);
    state = next.state;
    effects.push(...next.effects);
  }
  return { state, effects };
}

/** Both present and admitted: the usual call. */
const inCall = (): ConsultationInput[] => [
  ev(chime('AttendeeJoined', PATIENT, T0 + 1_000)),
  ev(chime('AttendeeJoined', CLINICIAN, T0 + 2_000)),
  { kind: 'admit', at: T0 + 3_000 },
];

describe('the consultation state machine', () => {
  it('starts waiting, with nobody joined', () => {
    expect(fresh()).toMatchObject({
      phase: 'waiting',
      patient: { presence: 'not-joined' },
      clinician: { presence: 'not-joined' },
      graceMs: 120_000,
    });
  });

  it('a patient who joins the meeting waits: joining is not being admitted', () => {
    const { state, effects } = run([
      ev(chime('AttendeeAdded', PATIENT, T0)),
      ev(chime('AttendeeJoined', PATIENT, T0 + 1_000)),
    ]);
    expect(state.phase).toBe('waiting');
    expect(state.patient).toEqual({ presence: 'joined', since: T0 + 1_000 });
    expect(effects).toEqual([]);
  });

  it('admit lets the patient in once; both present is in-call', () => {
    const { state, effects } = run([...inCall(), { kind: 'admit', at: T0 + 4_000 }]);
    expect(state).toMatchObject({ phase: 'in-call', admittedAt: T0 + 3_000, inCallAt: T0 + 3_000 });
    expect(effects).toEqual([{ type: 'admit-patient', meetingId: MEETING, attendeeId: PATIENT }]);
  });

  it('admitted before the clinician joins: in-call when they do', () => {
    const { state } = run([ev(chime('AttendeeJoined', PATIENT, T0)), { kind: 'admit', at: T0 + 1_000 }]);
    expect(state.phase).toBe('admitted');
    const later = run([ev(chime('AttendeeJoined', CLINICIAN, T0 + 5_000))], state);
    expect(later.state).toMatchObject({ phase: 'in-call', inCallAt: T0 + 5_000 });
  });

  describe('dissent', () => {
    it("the patient's AttendeeLeft is dissent, recorded once with its time and step, and ends the consultation", () => {
      const left = chime('AttendeeLeft', PATIENT, T0 + 60_000);
      const { state, effects } = run([
        ...inCall(),
        ev(left),
        ev(left),
        ev(chime('AttendeeLeft', PATIENT, T0 + 61_000)),
      ]);
      expect(state.dissent).toEqual({ at: T0 + 60_000, step: 'in-call', reason: 'left-meeting' });
      expect(state.ended).toEqual({ at: T0 + 60_000, reason: 'patient-left' });
      expect(state.patient.presence).toBe('left');
      expect(effects.filter((e) => e.type === 'record-dissent')).toHaveLength(1);
      expect(effects).toContainEqual({ type: 'end-meeting', meetingId: MEETING, reason: 'patient-left' });
    });

    it.each([
      ['waiting', [ev(chime('AttendeeJoined', PATIENT, T0))]],
      ['admitted', [ev(chime('AttendeeJoined', PATIENT, T0)), { kind: 'admit', at: T0 + 1 } as const]],
    ])('leaving while %s records that step', (step, before) => {
      const { state } = run([...before, ev(chime('AttendeeLeft', PATIENT, T0 + 10_000))]);
      expect(state.dissent).toEqual({ at: T0 + 10_000, step, reason: 'left-meeting' });
    });

    it('leaving the page before the meeting (device check, by sendBeacon) is dissent at that step', () => {
      const { state, effects } = run([{ kind: 'patient-left-page', at: T0, step: 'device-check' }]);
      expect(state.dissent).toEqual({ at: T0, step: 'device-check', reason: 'left-page' });
      expect(state.phase).toBe('ended');
      expect(effects).toEqual([
        { type: 'record-dissent', at: T0, step: 'device-check', reason: 'left-page' },
        { type: 'end-meeting', meetingId: MEETING, reason: 'patient-left' },
      ]);
    });

    it('the page saying "left" and Chime saying AttendeeLeft for the same exit is still one dissent', () => {
      const { state, effects } = run([
        ...inCall(),
        { kind: 'patient-left-page', at: T0 + 9_000 },
        ev(chime('AttendeeLeft', PATIENT, T0 + 9_500)),
      ]);
      expect(state.dissent).toEqual({ at: T0 + 9_000, step: 'in-call', reason: 'left-page' });
      expect(effects.filter((e) => e.type === 'record-dissent')).toHaveLength(1);
    });

    it('the clinician removing the patient is dissent, removes them and ends the meeting', () => {
      const { state, effects } = run([
        ...inCall(),
        { kind: 'remove-patient', at: T0 + 30_000 },
        ev(chime('AttendeeDeleted', PATIENT, T0 + 30_100)),
      ]);
      expect(state.dissent).toEqual({ at: T0 + 30_000, step: 'in-call', reason: 'removed-by-clinician' });
      expect(state.ended?.reason).toBe('patient-removed');
      expect(effects.slice(1)).toEqual([
        { type: 'record-dissent', at: T0 + 30_000, step: 'in-call', reason: 'removed-by-clinician' },
        { type: 'remove-patient', meetingId: MEETING, attendeeId: PATIENT },
        { type: 'end-meeting', meetingId: MEETING, reason: 'patient-removed' },
      ]);
    });

    it("a patient's AttendeeDeleted nobody recorded (our record lost) still counts as the clinician's removal", () => {
      const { state } = run([...inCall(), ev(chime('AttendeeDeleted', PATIENT, T0 + 30_000))]);
      expect(state.dissent?.reason).toBe('removed-by-clinician');
      expect(state.ended?.reason).toBe('patient-removed');
    });

    it('ending by the clinician is not dissent, and what follows (the deletions) changes nothing', () => {
      const { state, effects } = run([
        ...inCall(),
        { kind: 'end', at: T0 + 900_000 },
        ev(chime('AttendeeDeleted', PATIENT, T0 + 900_100)),
        ev(chime('AttendeeLeft', PATIENT, T0 + 900_200)),
        ev(chime('MeetingEnded', undefined, T0 + 900_300)),
      ]);
      expect(state.dissent).toBeUndefined();
      expect(state.ended).toEqual({ at: T0 + 900_000, reason: 'clinician-ended' });
      expect(effects.slice(1)).toEqual([
        { type: 'end-meeting', meetingId: MEETING, reason: 'clinician-ended' },
      ]);
    });
  });

  describe('a dropped connection is not dissent', () => {
    it('Dropped is reconnecting, and schedules the grace check', () => {
      const dropAt = T0 + 100_000;
      const { state, effects } = run([...inCall(), ev(chime('AttendeeDropped', PATIENT, dropAt))]);
      expect(state.patient).toEqual({ presence: 'reconnecting', since: dropAt });
      expect(state.phase).toBe('in-call');
      expect(state.dissent).toBeUndefined();
      expect(graceDeadline(state)).toBe(dropAt + GRACE);
      expect(effects.slice(1)).toEqual([{ type: 'check-grace-at', at: dropAt + GRACE }]);
    });

    it('a Joined within the grace period brings the patient back', () => {
      const { state, effects } = run([
        ...inCall(),
        ev(chime('AttendeeDropped', PATIENT, T0 + 100_000)),
        ev(chime('AttendeeJoined', PATIENT, T0 + 100_000 + GRACE - 1)),
        { kind: 'tick', at: T0 + 100_000 + GRACE + 5_000 },
      ]);
      expect(state.patient.presence).toBe('joined');
      expect(state.phase).toBe('in-call');
      expect(graceDeadline(state)).toBeUndefined();
      expect(effects.map((e) => e.type)).toEqual(['admit-patient', 'check-grace-at']);
    });

    it('no return within the grace period: ended, patient disconnected (at the deadline), not dissent', () => {
      const dropAt = T0 + 100_000;
      const before = run([
        ...inCall(),
        ev(chime('AttendeeDropped', PATIENT, dropAt)),
        { kind: 'tick', at: dropAt + GRACE - 1 },
      ]);
      expect(before.state.phase).toBe('in-call');
      const after = run([{ kind: 'tick', at: dropAt + GRACE }], before.state);
      expect(after.state.ended).toEqual({ at: dropAt + GRACE, reason: 'patient-disconnected' });
      expect(after.state.dissent).toBeUndefined();
      expect(after.effects).toEqual([
        { type: 'end-meeting', meetingId: MEETING, reason: 'patient-disconnected' },
      ]);
    });

    it('a Joined that comes after the deadline, before any tick, is too late', () => {
      const dropAt = T0 + 100_000;
      const { state } = run([
        ...inCall(),
        ev(chime('AttendeeDropped', PATIENT, dropAt)),
        ev(chime('AttendeeJoined', PATIENT, dropAt + GRACE + 1)),
      ]);
      expect(state.ended).toEqual({ at: dropAt + GRACE, reason: 'patient-disconnected' });
      expect(state.patient.presence).toBe('reconnecting');
    });

    it('a second Dropped does not restart the grace period', () => {
      const dropAt = T0 + 100_000;
      const { state, effects } = run([
        ...inCall(),
        ev(chime('AttendeeDropped', PATIENT, dropAt)),
        ev(chime('AttendeeDropped', PATIENT, dropAt + 50_000)),
      ]);
      expect(graceDeadline(state)).toBe(dropAt + GRACE);
      expect(effects.filter((e) => e.type === 'check-grace-at')).toHaveLength(1);
    });

    it('a dropped patient who then leaves has dissented', () => {
      const { state } = run([
        ...inCall(),
        ev(chime('AttendeeDropped', PATIENT, T0 + 100_000)),
        ev(chime('AttendeeJoined', PATIENT, T0 + 110_000)),
        ev(chime('AttendeeLeft', PATIENT, T0 + 120_000)),
      ]);
      expect(state.dissent).toEqual({ at: T0 + 120_000, step: 'in-call', reason: 'left-meeting' });
    });

    it("the clinician's drop is reconnecting too, with no grace check and no ending", () => {
      const { state, effects } = run([
        ...inCall(),
        ev(chime('AttendeeDropped', CLINICIAN, T0 + 5_000)),
        { kind: 'tick', at: T0 + 10 * GRACE },
      ]);
      expect(state.clinician.presence).toBe('reconnecting');
      expect(state.phase).toBe('in-call');
      expect(effects.map((e) => e.type)).toEqual(['admit-patient']);
    });
  });

  describe('best-effort delivery', () => {
    it('a duplicate (same event id) changes nothing at all', () => {
      const dropped = chime('AttendeeDropped', PATIENT, T0 + 100_000);
      const once = run([...inCall(), ev(dropped)]);
      const twice = transition(once.state, ev(dropped));
      expect(twice.state).toBe(once.state);
      expect(twice.effects).toEqual([]);
    });

    it('a stale Dropped (older than the Joined already applied) is ignored', () => {
      const { state } = run([
        ...inCall(),
        ev(chime('AttendeeJoined', PATIENT, T0 + 50_000)),
        ev(chime('AttendeeDropped', PATIENT, T0 + 40_000)),
      ]);
      expect(state.patient).toEqual({ presence: 'joined', since: T0 + 50_000 });
      expect(graceDeadline(state)).toBeUndefined();
    });

    it('a stale Joined (older than the Dropped already applied) does not bring the patient back', () => {
      const { state } = run([
        ...inCall(),
        ev(chime('AttendeeDropped', PATIENT, T0 + 50_000)),
        ev(chime('AttendeeJoined', PATIENT, T0 + 40_000)),
      ]);
      expect(state.patient.presence).toBe('reconnecting');
    });

    it('a Left that arrives late is still dissent: leaving is an act', () => {
      const { state } = run([
        ...inCall(),
        ev(chime('AttendeeJoined', PATIENT, T0 + 50_000)),
        ev(chime('AttendeeLeft', PATIENT, T0 + 40_000)),
      ]);
      expect(state.dissent).toEqual({ at: T0 + 40_000, step: 'in-call', reason: 'left-meeting' });
    });

    it("joins arriving before the admit still lead to in-call, and the admit's order does not matter", () => {
      const a = run(inCall()).state;
      const b = run([
        { kind: 'admit', at: T0 + 3_000 },
        ev(chime('AttendeeJoined', CLINICIAN, T0 + 2_000)),
        ev(chime('AttendeeJoined', PATIENT, T0 + 1_000)),
      ]).state;
      expect(a.phase).toBe('in-call');
      expect(b.phase).toBe('in-call');
    });

    it("another meeting's events and unknown attendees change nothing", () => {
      const other = { ...chime('AttendeeLeft', PATIENT, T0), meetingId: 'another-meeting' };
      const stranger = chime('AttendeeLeft', 'someone-else', T0);
      const { state, effects } = run([ev(other), ev(stranger)]);
      expect(state.phase).toBe('waiting');
      expect(state.dissent).toBeUndefined();
      expect(effects).toEqual([]);
    });

    it('MeetingEnded ends the consultation without asking to end the meeting again', () => {
      const { state, effects } = run([
        ...inCall(),
        ev(chime('MeetingEnded', undefined, T0 + 400_000)),
        { kind: 'admit', at: T0 + 400_001 },
      ]);
      expect(state.ended).toEqual({ at: T0 + 400_000, reason: 'meeting-ended' });
      expect(effects.map((e) => e.type)).toEqual(['admit-patient']);
    });

    it('MeetingStarted, AttendeeAdded and Authorized change no phase', () => {
      const { state } = run([
        ev(chime('MeetingStarted', undefined, T0)),
        ev(chime('AttendeeAdded', PATIENT, T0)),
        ev(chime('AttendeeAuthorized', PATIENT, T0 + 1)),
      ]);
      expect(state.phase).toBe('waiting');
      expect(state.patient.presence).toBe('joined');
    });

    it('whatever the order and duplication of one exit’s events, dissent is recorded at most once and phases never go back', () => {
      const order: Record<ConsultationPhase, number> = { waiting: 0, admitted: 1, 'in-call': 2, ended: 3 };
      const pool: ConsultationInput[] = [
        ev(chime('AttendeeJoined', PATIENT, T0 + 1_000)),
        ev(chime('AttendeeJoined', CLINICIAN, T0 + 2_000)),
        { kind: 'admit', at: T0 + 3_000 },
        ev(chime('AttendeeDropped', PATIENT, T0 + 10_000)),
        ev(chime('AttendeeJoined', PATIENT, T0 + 20_000)),
        ev(chime('AttendeeLeft', PATIENT, T0 + 30_000)),
        { kind: 'patient-left-page', at: T0 + 30_001 },
        ev(chime('AttendeeDeleted', PATIENT, T0 + 30_002)),
        ev(chime('MeetingEnded', undefined, T0 + 31_000)),
        { kind: 'tick', at: T0 + 10_000 + GRACE },
      ];
      fc.assert(
        fc.property(fc.array(fc.constantFrom(...pool), { minLength: 1, maxLength: 25 }), (inputs) => {
          let state = fresh();
          let dissents = 0;
          for (const input of inputs) {
            const next = transition(state, input);
            expect(order[next.state.phase]).toBeGreaterThanOrEqual(order[state.phase]);
            if (state.dissent) expect(next.state.dissent).toEqual(state.dissent);
            if (state.ended) expect(next.state.ended).toEqual(state.ended);
            dissents += next.effects.filter((e) => e.type === 'record-dissent').length;
            state = next.state;
          }
          expect(dissents).toBeLessThanOrEqual(1);
          expect(dissents).toBe(state.dissent ? 1 : 0);
        }),
        { numRuns: 300 },
      );
    });
  });
});
