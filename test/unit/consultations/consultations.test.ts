import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusOf } from '../../../functions/consultations/consultation-view';
import {
  admit,
  chooseRegion,
  endConsultation,
  stateOf,
} from '../../../functions/consultations/consultations';
import { recordMeetingEvent, sweepGrace } from '../../../functions/consultations/meeting-events';
import { enterCode, enterWaitingRoom, leave, openLink, status } from '../../../functions/join/join';
import { chimeStateChange } from '../../../infra/local/meetings/meeting-service';
import type { MeetingEvent } from '../../../layers/meetings/meeting-events';
import { type ConsultationWorld, consultationWorld, PRACTICE } from './support/consultation-world';

let world: ConsultationWorld;
const HOST = { sub: 'clinician-1', name: 'Dr Asha Patel', role: 'clinician' };
const CLIENT = {
  address: '203.0.113.7',
  userAgent:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  requestId: 'r-1',
};

beforeAll(async () => {
  world = await consultationWorld();
});
afterAll(async () => {
  await world?.close();
});

/** A patient through the code and the device check into the waiting room. */
async function waitingPatient() {
  const { token, invite } = world.invites.add();
  await openLink(world.deps, { token });
  const { session } = await enterCode(
    world.deps,
    { token, code: '123456', wordingVersion: 'video-consent-v1' },
    CLIENT,
  );
  await enterWaitingRoom(world.deps, { token, session });
  return { token, session, invite, pointer: { practiceId: PRACTICE, consultationId: invite.inviteId } };
}

const consultation = async (id: string) => {
  const found = await world.stores.consultations.get(id);
  if (!found) throw new Error('no consultation');
  return found;
};

/** A meeting event as EventBridge delivers it, through the real parser. */
function delivered(event: {
  meetingId: string;
  externalMeetingId?: string;
  type: MeetingEvent['type'];
  attendeeId?: string;
  at: number;
}) {
  return chimeStateChange({ eventId: randomUUID(), ...event } as MeetingEvent, 'eu-west-2');
}

async function inCall() {
  const patient = await waitingPatient();
  const { joinInfo } = await admit(world.deps, PRACTICE, patient.invite.inviteId, HOST, undefined);
  const meeting = (await consultation(patient.invite.inviteId)).meeting;
  if (!meeting) throw new Error('no meeting');
  const base = { meetingId: meeting.meetingId, externalMeetingId: patient.invite.inviteId };
  const joined = (attendeeId: string) =>
    delivered({ ...base, type: 'AttendeeJoined', attendeeId, at: world.advance(1_000) });
  await recordMeetingEvent(world.deps, joined(meeting.clinicianAttendeeId));
  await recordMeetingEvent(world.deps, joined(meeting.patientAttendeeId));
  return { ...patient, meeting, base, hostJoin: joinInfo };
}

describe('admitting the waiting patient', () => {
  it('is refused before the patient reaches the waiting room', async () => {
    const { token, invite } = world.invites.add();
    await openLink(world.deps, { token });
    await expect(admit(world.deps, PRACTICE, invite.inviteId, HOST, undefined)).rejects.toThrow(
      /not in the waiting room yet/,
    );
  });

  it('makes the meeting in the practice’s region, lets the patient in, and hands their join info out once', async () => {
    const patient = await waitingPatient();
    expect((await status(world.deps, patient)).state).toBe('waiting');
    const { joinInfo, consultation: admitted } = await admit(
      world.deps,
      PRACTICE,
      patient.invite.inviteId,
      HOST,
      undefined,
    );
    expect(joinInfo.attendee.externalUserId).toBe(`host-${patient.invite.inviteId}`);
    expect(admitted.meeting?.mediaRegion).toBe('eu-west-2');
    expect(stateOf(admitted)?.phase).toBe('admitted');
    const meeting = world.meetings.meeting(admitted.meeting?.meetingId ?? '');
    expect(meeting?.attendees.get(admitted.meeting?.patientAttendeeId ?? '')?.capabilities.audio).toBe(
      'SendReceive',
    );

    const first = await status(world.deps, patient);
    expect(first.joinInfo?.attendee.attendeeId).toBe(admitted.meeting?.patientAttendeeId);
    expect(first.joinInfo?.attendee.joinToken).not.toBe(joinInfo.attendee.joinToken);
    // Only once.
    expect((await status(world.deps, patient)).joinInfo).toBeNull();
    // The host's, again (a reload), from the same meeting.
    const again = await admit(world.deps, PRACTICE, patient.invite.inviteId, HOST, undefined);
    expect(again.joinInfo.meeting.meetingId).toBe(joinInfo.meeting.meetingId);
    expect(
      world.invites.timeline.filter((e) => e.inviteId === patient.invite.inviteId).map((e) => e.event),
    ).toEqual(['link-opened', 'code-accepted', 'waiting', 'admitted']);
  });

  it('uses the region the clinician chose, and refuses to change it once the meeting exists', async () => {
    const patient = await waitingPatient();
    await chooseRegion(world.deps, PRACTICE, patient.invite.inviteId, 'eu-central-1');
    const { consultation: admitted } = await admit(
      world.deps,
      PRACTICE,
      patient.invite.inviteId,
      HOST,
      undefined,
    );
    expect(admitted.meeting?.mediaRegion).toBe('eu-central-1');
    await expect(chooseRegion(world.deps, PRACTICE, patient.invite.inviteId, 'eu-west-1')).rejects.toThrow(
      /already started/,
    );
  });
});

describe('meeting events', () => {
  it('go in-call once both joined; a duplicate or a stale event changes nothing', async () => {
    const call = await inCall();
    const record = await consultation(call.invite.inviteId);
    expect(stateOf(record)?.phase).toBe('in-call');
    expect(record.call?.startedAt).toBeDefined();

    const dropped = delivered({
      ...call.base,
      type: 'AttendeeDropped',
      attendeeId: call.meeting.patientAttendeeId,
      at: world.at() - 10_000,
    });
    // Older than the Joined already applied: stale.
    await recordMeetingEvent(world.deps, dropped);
    const afterStale = await consultation(call.invite.inviteId);
    expect(stateOf(afterStale)?.patient.presence).toBe('joined');

    const left = delivered({
      ...call.base,
      type: 'AttendeeLeft',
      attendeeId: call.meeting.clinicianAttendeeId,
      at: world.advance(1_000),
    });
    await recordMeetingEvent(world.deps, left);
    const version = (await consultation(call.invite.inviteId)).version;
    await recordMeetingEvent(world.deps, left);
    expect((await consultation(call.invite.inviteId)).version).toBe(version);
  });

  it('a drop is "reconnecting", not dissent; back within the grace period, the call goes on', async () => {
    const call = await inCall();
    await recordMeetingEvent(
      world.deps,
      delivered({
        ...call.base,
        type: 'AttendeeDropped',
        attendeeId: call.meeting.patientAttendeeId,
        at: world.advance(5_000),
      }),
    );
    let record = await consultation(call.invite.inviteId);
    expect(statusOf(record)).toBe('reconnecting');
    expect(record.graceDueAt).toBeDefined();
    expect(record.dissent).toBeUndefined();
    await recordMeetingEvent(
      world.deps,
      delivered({
        ...call.base,
        type: 'AttendeeJoined',
        attendeeId: call.meeting.patientAttendeeId,
        at: world.advance(20_000),
      }),
    );
    record = await consultation(call.invite.inviteId);
    expect(statusOf(record)).toBe('in-call');
    expect(record.events.map((e) => e.event)).toEqual(expect.arrayContaining(['reconnecting', 'rejoined']));
    // The sweep after the deadline finds nothing to end.
    world.advance(200_000);
    await sweepGrace(world.deps, new Date(world.at()));
    record = await consultation(call.invite.inviteId);
    expect(statusOf(record)).toBe('in-call');
    expect(record.dissent).toBeUndefined();
  });

  it('a drop not answered within the grace period ends the consultation as "patient disconnected"', async () => {
    const call = await inCall();
    await recordMeetingEvent(
      world.deps,
      delivered({
        ...call.base,
        type: 'AttendeeDropped',
        attendeeId: call.meeting.patientAttendeeId,
        at: world.advance(5_000),
      }),
    );
    world.advance(60_000);
    await sweepGrace(world.deps, new Date(world.at()));
    expect(statusOf(await consultation(call.invite.inviteId))).toBe('reconnecting');
    world.advance(61_000);
    await sweepGrace(world.deps, new Date(world.at()));
    const record = await consultation(call.invite.inviteId);
    expect(record.closedReason).toBe('patient-disconnected');
    expect(record.dissent).toBeUndefined();
    expect(world.meetings.meeting(call.meeting.meetingId)?.ended).toBe(true);
    // A late Joined cannot bring it back.
    await recordMeetingEvent(
      world.deps,
      delivered({
        ...call.base,
        type: 'AttendeeJoined',
        attendeeId: call.meeting.patientAttendeeId,
        at: world.advance(1_000),
      }),
    );
    expect(statusOf(await consultation(call.invite.inviteId))).toBe('ended');
  });

  it('the patient’s Left is dissent, recorded once with its time and step, even if delivered twice', async () => {
    const call = await inCall();
    const at = world.advance(30_000);
    const left = delivered({
      ...call.base,
      type: 'AttendeeLeft',
      attendeeId: call.meeting.patientAttendeeId,
      at,
    });
    await recordMeetingEvent(world.deps, left);
    await recordMeetingEvent(world.deps, { ...left, id: randomUUID() });
    const record = await consultation(call.invite.inviteId);
    expect(record.dissent).toEqual({
      at: new Date(at).toISOString(),
      step: 'in-call',
      reason: 'left-meeting',
    });
    expect(record.closedReason).toBe('patient-left');
    expect(record.call?.durationSeconds).toBe(30);
    const dissents = (await world.auditTypes()).filter(
      (e) => e.type === 'consultation.dissent' && e.details.consultationId === call.invite.inviteId,
    );
    expect(dissents).toHaveLength(1);
    // The link and the code never work again.
    await expect(openLink(world.deps, { token: call.token })).rejects.toThrow(/no longer works/);
  });

  it('ignores events of meetings this app did not make', async () => {
    const outcome = await recordMeetingEvent(
      world.deps,
      delivered({
        meetingId: randomUUID(),
        type: 'AttendeeJoined',
        attendeeId: randomUUID(),
        at: world.at(),
      }),
    );
    expect(outcome).toBe('unknown-meeting');
  });
});

describe('ending and leaving', () => {
  it('“End consultation” removes both attendees, ends the meeting and kills the link', async () => {
    const call = await inCall();
    world.advance(125_000);
    await endConsultation(world.deps, PRACTICE, call.invite.inviteId, { sub: HOST.sub, role: HOST.role });
    // Its audit event says how long both were in the call, for the compliance report.
    const ended = (await world.auditTypes()).filter(
      (event) => event.type === 'consultation.ended' && event.details.consultationId === call.invite.inviteId,
    );
    expect(ended.map((event) => event.details)).toEqual([
      { consultationId: call.invite.inviteId, reason: 'clinician-ended', durationSeconds: 125 },
    ]);
    const meeting = world.meetings.meeting(call.meeting.meetingId);
    expect(meeting?.ended).toBe(true);
    expect(meeting?.attendees.size).toBe(0);
    const record = await consultation(call.invite.inviteId);
    expect(record.closedReason).toBe('clinician-ended');
    expect(record.dissent).toBeUndefined();
    await expect(openLink(world.deps, { token: call.token })).rejects.toThrow(/no longer works/);
    expect((await status(world.deps, call)).state).toBe('ended');
  });

  it('the Leave button in the waiting room is dissent at once, with the step', async () => {
    const patient = await waitingPatient();
    await leave(world.deps, {
      token: patient.token,
      session: patient.session,
      step: 'waiting',
      how: 'button',
    });
    const record = await consultation(patient.invite.inviteId);
    expect(record.dissent).toMatchObject({ step: 'waiting', reason: 'left-page' });
    expect(record.closedReason).toBe('patient-left');
  });

  it('a closed page is dissent only if the same session does not come back within a minute', async () => {
    const reloaded = await waitingPatient();
    await leave(world.deps, {
      token: reloaded.token,
      session: reloaded.session,
      step: 'waiting',
      how: 'page-closed',
    });
    world.advance(2_000);
    expect((await openLink(world.deps, { token: reloaded.token, session: reloaded.session })).resume).toBe(
      'waiting',
    );
    const closed = await waitingPatient();
    await leave(world.deps, {
      token: closed.token,
      session: closed.session,
      step: 'waiting',
      how: 'page-closed',
    });
    world.advance(61_000);
    await sweepGrace(world.deps, new Date(world.at()));
    expect((await consultation(reloaded.invite.inviteId)).dissent).toBeUndefined();
    expect((await consultation(closed.invite.inviteId)).dissent).toMatchObject({
      step: 'waiting',
      reason: 'left-page',
    });
  });
});
