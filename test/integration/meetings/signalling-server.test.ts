import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { newConsultationState, transition } from '../../../functions/consultations/consultation-state';
import { LocalMeetings } from '../../../infra/local/meetings/local-meetings';
import {
  createSignallingServer,
  type SignallingServer,
} from '../../../infra/local/meetings/signalling-server';
import type { MeetingEvent } from '../../../layers/meetings/meeting-events';
import type { CreatedMeeting } from '../../../layers/meetings/meeting-provider';
import type { ServerMessage } from '../../../layers/meetings/signalling-protocol';

/** A socket that keeps every message, so a test can wait for one or check that one never came. */
class Client {
  readonly messages: ServerMessage[] = [];
  closeCode?: number;
  private waiters: (() => void)[] = [];

  constructor(readonly socket: WebSocket) {
    socket.on('message', (raw) => {
      this.messages.push(JSON.parse(raw.toString()) as ServerMessage);
      for (const wake of this.waiters.splice(0)) wake();
    });
    socket.on('close', (code) => {
      this.closeCode = code;
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<Client> {
    const socket = new WebSocket(url, { headers });
    const client = new Client(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }

  send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  async next<T extends ServerMessage['type']>(
    type: T,
    timeoutMs = 2_000,
  ): Promise<Extract<ServerMessage, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.messages.findIndex((m) => m.type === type);
      if (index >= 0) return this.messages.splice(index, 1)[0] as Extract<ServerMessage, { type: T }>;
      if (Date.now() > deadline)
        throw new Error(`no ${type} message; had ${this.messages.map((m) => m.type).join(', ')}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  async closed(timeoutMs = 2_000): Promise<number | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.closeCode === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.closeCode;
  }

  has(type: ServerMessage['type']): boolean {
    return this.messages.some((m) => m.type === type);
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

let meetings: LocalMeetings;
let server: SignallingServer;
let url: string;
let events: MeetingEvent[];
let created: CreatedMeeting;
const clients: Client[] = [];

async function connect(joinToken: string): Promise<Client> {
  const client = await Client.open(url);
  clients.push(client);
  client.send({ type: 'join', joinToken });
  await client.next('joined');
  return client;
}

const types = () => events.map((e) => ('attendeeId' in e ? `${e.type}:${who(e.attendeeId)}` : e.type));
const who = (attendeeId: string) =>
  attendeeId === created.clinician.attendee.attendeeId
    ? 'clinician'
    : attendeeId === created.patient.attendee.attendeeId
      ? 'patient'
      : '?';

beforeEach(async () => {
  meetings = new LocalMeetings({ signallingUrl: 'ws://placeholder' });
  events = [];
  meetings.onMeetingEvent((event) => events.push(event));
  server = createSignallingServer({ meetings, joinTimeoutMs: 300, heartbeatMs: 200 });
  url = (await server.listen()).url;
  created = await meetings.createMeeting({
    consultationId: 'cons_local_1',
    mediaRegion: 'eu-west-2',
    clinicianExternalId: 'stf_a1',
    patientExternalId: 'inv_b2',
    tags: { practice: 'demo', stage: 'local' },
  });
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.socket.terminate();
  await server.close();
});

describe('the local signalling server', () => {
  it('lets each attendee in with its own join token only', async () => {
    const clinician = await connect(created.clinician.attendee.joinToken);
    expect(clinician.messages).toEqual([]);
    const stranger = await Client.open(url);
    clients.push(stranger);
    stranger.send({ type: 'join', joinToken: 'not-a-token' });
    expect(await stranger.next('error')).toEqual({ type: 'error', code: 'invalid-token' });
    expect(await stranger.closed()).toBe(4401);
    expect(types()).toEqual([
      'AttendeeAdded:clinician',
      'AttendeeAdded:patient',
      'MeetingStarted',
      'AttendeeJoined:clinician',
    ]);
  });

  it('relays nothing of a waiting patient: no start, and their offer never reaches the clinician', async () => {
    const clinician = await connect(created.clinician.attendee.joinToken);
    const patient = await connect(created.patient.attendee.joinToken);
    expect(await clinician.next('peer-joined')).toEqual({
      type: 'peer-joined',
      attendeeId: created.patient.attendee.attendeeId,
    });

    patient.send({ type: 'signal', data: { description: { type: 'offer', sdp: 'v=0 rogue offer' } } });
    clinician.send({ type: 'signal', data: { description: { type: 'offer', sdp: 'v=0 clinician offer' } } });
    await settle();
    expect(clinician.has('signal')).toBe(false);
    expect(patient.has('signal')).toBe(false);
    expect(clinician.has('start')).toBe(false);
    expect(patient.has('start')).toBe(false);
    expect(server.stats()).toEqual({ relayed: 0, refused: 2 });
  });

  it('once admitted, both are told to start and SDP and ICE pass both ways', async () => {
    const clinician = await connect(created.clinician.attendee.joinToken);
    const patient = await connect(created.patient.attendee.joinToken);
    await meetings.admit(created.meeting.meetingId, created.patient.attendee.attendeeId);

    expect(await patient.next('capabilities')).toEqual({
      type: 'capabilities',
      capabilities: { audio: 'SendReceive', video: 'SendReceive', content: 'None' },
    });
    expect(await clinician.next('start')).toEqual({
      type: 'start',
      peerId: created.patient.attendee.attendeeId,
    });
    expect(await patient.next('start')).toEqual({
      type: 'start',
      peerId: created.clinician.attendee.attendeeId,
    });

    patient.send({ type: 'signal', data: { description: { type: 'offer', sdp: 'v=0 offer' } } });
    expect(await clinician.next('signal')).toEqual({
      type: 'signal',
      from: created.patient.attendee.attendeeId,
      data: { description: { type: 'offer', sdp: 'v=0 offer' } },
    });
    clinician.send({
      type: 'signal',
      data: { candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0' } },
    });
    expect((await patient.next('signal')).data.candidate?.candidate).toContain('127.0.0.1');
    expect(server.stats().relayed).toBe(2);
  });

  it('a lost connection is Dropped (not Left), and the same token rejoins', async () => {
    const clinician = await connect(created.clinician.attendee.joinToken);
    await connect(created.patient.attendee.joinToken);
    await meetings.admit(created.meeting.meetingId, created.patient.attendee.attendeeId);
    await clinician.next('start');

    expect(server.dropConnection(created.patient.attendee.attendeeId)).toBe(true);
    expect(await clinician.next('peer-left')).toEqual({
      type: 'peer-left',
      attendeeId: created.patient.attendee.attendeeId,
      reason: 'dropped',
    });
    const back = await connect(created.patient.attendee.joinToken);
    expect(await clinician.next('peer-joined')).toMatchObject({
      attendeeId: created.patient.attendee.attendeeId,
    });
    expect(await back.next('start')).toEqual({
      type: 'start',
      peerId: created.clinician.attendee.attendeeId,
    });
    expect(await clinician.next('start')).toEqual({
      type: 'start',
      peerId: created.patient.attendee.attendeeId,
    });
    expect(types().slice(4)).toEqual([
      'AttendeeJoined:patient',
      'AttendeeDropped:patient',
      'AttendeeJoined:patient',
    ]);
  });

  it('a peer that stops answering pings is dropped', async () => {
    const clinician = await connect(created.clinician.attendee.joinToken);
    const patient = await connect(created.patient.attendee.joinToken);
    // A frozen network: the socket stays open but nothing comes back, not even pongs.
    patient.socket.pong = () => undefined;
    (
      patient.socket as unknown as { _receiver: { removeAllListeners: () => void } }
    )._receiver.removeAllListeners();
    expect(await clinician.next('peer-left', 3_000)).toMatchObject({ reason: 'dropped' });
    expect(types()).toContain('AttendeeDropped:patient');
  });

  it('a leave message is Left, and the clinician is told', async () => {
    const clinician = await connect(created.clinician.attendee.joinToken);
    const patient = await connect(created.patient.attendee.joinToken);
    patient.send({ type: 'leave' });
    expect(await clinician.next('peer-left')).toMatchObject({ reason: 'left' });
    expect(await patient.closed()).toBe(1000);
    await settle();
    expect(types().slice(-1)).toEqual(['AttendeeLeft:patient']);
    expect(types()).not.toContain('AttendeeDropped:patient');
  });

  it('the same token from a second device takes the seat over (Authorized), the first is closed', async () => {
    await connect(created.clinician.attendee.joinToken);
    const first = await connect(created.patient.attendee.joinToken);
    await connect(created.patient.attendee.joinToken);
    expect(await first.next('replaced')).toEqual({ type: 'replaced' });
    expect(await first.closed()).toBe(4409);
    await settle();
    expect(types().slice(-1)).toEqual(['AttendeeAuthorized:patient']);
    expect(types()).not.toContain('AttendeeDropped:patient');
  });

  it('removing the patient closes their socket and their token stops working', async () => {
    const clinician = await connect(created.clinician.attendee.joinToken);
    const patient = await connect(created.patient.attendee.joinToken);
    await meetings.removeAttendee(created.meeting.meetingId, created.patient.attendee.attendeeId);
    expect(await patient.next('removed')).toEqual({ type: 'removed' });
    expect(await patient.closed()).toBe(4403);
    expect(await clinician.next('peer-left')).toMatchObject({ reason: 'removed' });
    const again = await Client.open(url);
    clients.push(again);
    again.send({ type: 'join', joinToken: created.patient.attendee.joinToken });
    expect(await again.closed()).toBe(4401);
    expect(types()).toContain('AttendeeDeleted:patient');
    expect(types()).not.toContain('AttendeeDropped:patient');
  });

  it('ending the meeting closes every socket and no token works after', async () => {
    const clinician = await connect(created.clinician.attendee.joinToken);
    const patient = await connect(created.patient.attendee.joinToken);
    await meetings.endMeeting(created.meeting.meetingId);
    expect(await clinician.next('ended')).toEqual({ type: 'ended' });
    expect(await patient.closed()).toBe(4410);
    const again = await Client.open(url);
    clients.push(again);
    again.send({ type: 'join', joinToken: created.clinician.attendee.joinToken });
    expect(await again.closed()).toBe(4401);
    expect(types().slice(-1)).toEqual(['MeetingEnded']);
  });

  it('answers a ping before any join (the device check), and closes a socket that never joins', async () => {
    const probe = await Client.open(url);
    clients.push(probe);
    probe.send({ type: 'ping' });
    expect(await probe.next('pong')).toEqual({ type: 'pong' });
    expect(await probe.closed()).toBe(4408);
  });

  it('closes a socket that sends something that is not the protocol', async () => {
    const client = await Client.open(url);
    clients.push(client);
    client.send({ type: 'join', joinToken: created.patient.attendee.joinToken, extra: 'field' });
    expect(await client.closed()).toBe(4400);
  });

  it('refuses a page from another origin when origins are set', async () => {
    const guarded = createSignallingServer({ meetings, allowedOrigins: ['http://127.0.0.1:3000'] });
    const { url: guardedUrl } = await guarded.listen();
    try {
      await expect(Client.open(guardedUrl, { origin: 'https://evil.example' })).rejects.toThrow(/403/);
      const ok = await Client.open(guardedUrl, { origin: 'http://127.0.0.1:3000' });
      ok.socket.terminate();
    } finally {
      await guarded.close();
    }
  });

  it('ends a meeting nobody is connected to, as Chime does', async () => {
    const quick = createSignallingServer({ meetings, idleEndMs: 100 });
    const { url: quickUrl } = await quick.listen();
    try {
      const client = await Client.open(quickUrl);
      client.send({ type: 'join', joinToken: created.clinician.attendee.joinToken });
      await client.next('joined');
      client.send({ type: 'leave' });
      await client.closed();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(meetings.meeting(created.meeting.meetingId)?.ended).toBe(true);
      expect(types().slice(-1)).toEqual(['MeetingEnded']);
    } finally {
      await quick.close();
    }
  });

  it('feeds the same consultation state machine as EventBridge: a drop is not dissent, leaving is', async () => {
    let state = newConsultationState({
      meetingId: created.meeting.meetingId,
      clinicianAttendeeId: created.clinician.attendee.attendeeId,
      patientAttendeeId: created.patient.attendee.attendeeId,
    });
    meetings.onMeetingEvent((event) => {
      state = transition(state, { kind: 'meeting-event', event }).state;
    });
    await connect(created.clinician.attendee.joinToken);
    await connect(created.patient.attendee.joinToken);
    state = transition(state, { kind: 'admit', at: Date.now() }).state;
    await meetings.admit(created.meeting.meetingId, created.patient.attendee.attendeeId);
    await settle();
    expect(state.phase).toBe('in-call');

    server.dropConnection(created.patient.attendee.attendeeId);
    await settle();
    expect(state.patient.presence).toBe('reconnecting');
    expect(state.dissent).toBeUndefined();

    const back = await connect(created.patient.attendee.joinToken);
    await settle();
    expect(state.patient.presence).toBe('joined');
    back.send({ type: 'leave' });
    await settle();
    expect(state.dissent).toMatchObject({ step: 'in-call', reason: 'left-meeting' });
    expect(state.ended?.reason).toBe('patient-left');
  });
});
