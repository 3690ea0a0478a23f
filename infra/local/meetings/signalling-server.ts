import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';
import type { AttendeeEventType } from '../../../layers/meetings/meeting-events';
import {
  CLOSE_CODES,
  mayExchangeMedia,
  type PeerLeftReason,
  type ServerMessage,
} from '../../../layers/meetings/signalling-protocol';
import type { LocalMeetingChange, LocalMeetings } from './local-meetings';

/**
 * The local media path's signalling: rooms keyed by meeting id, one WebSocket per attendee, authenticated by
 * the attendee's join token from `LocalMeetings` (so admit, remove and end on the port act here at once).
 *
 * - A socket must send `join` with its token within `joinTimeoutMs`; a bad token is refused and closed.
 * - SDP and ICE are relayed only between two connected attendees that may both send media. The patient waits
 *   with capabilities None: their offers are dropped (and counted) until `admit`, and no `start` is sent.
 * - It raises the events Chime raises from the media side, through `LocalMeetings.raise`: MeetingStarted on the
 *   first join, AttendeeJoined, AttendeeLeft on a `leave` message, AttendeeDropped when a socket closes (or
 *   stops answering pings) without one, AttendeeAuthorized when the same token joins again elsewhere.
 * - A dropped attendee rejoins by connecting again with the same token, for as long as it has not been removed
 *   and the meeting has not ended (as with Chime; the grace period is the consultation's rule, not the socket's).
 * - Like Chime, a meeting nobody is connected to ends by itself after `idleEndMs` (5 minutes).
 *
 * Nothing logged carries a token; the server logs nothing at all by default.
 */

export const SIGNALLING_PATH = '/meetings/signalling';

export interface SignallingServerOptions {
  meetings: LocalMeetings;
  path?: string;
  /** Browser origins allowed to connect (checked against `Origin`); unset: any (tests). */
  allowedOrigins?: readonly string[];
  joinTimeoutMs?: number;
  /** A socket that has not answered the previous ping by the next one is dropped. */
  heartbeatMs?: number;
  idleEndMs?: number;
}

export interface SignallingStats {
  /** Signal messages passed on to a peer. */
  relayed: number;
  /** Signal messages refused because sender or peer may not send media (a waiting patient). */
  refused: number;
}

export interface SignallingServer {
  /** Takes an HTTP upgrade on `path`; returns false (leaving the socket alone) for any other path. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** A server of its own, for tests and for running without the local stack. */
  listen(port?: number, host?: string): Promise<{ url: string; server: Server }>;
  /** What a network failure does: the socket is gone without a close handshake. */
  dropConnection(attendeeId: string): boolean;
  stats(): SignallingStats;
  close(): Promise<void>;
}

const SignalData = z
  .object({
    description: z
      .object({
        type: z.enum(['offer', 'answer', 'pranswer', 'rollback']),
        sdp: z.string().max(100_000).optional(),
      })
      .strict()
      .optional(),
    candidate: z
      .object({
        candidate: z.string().max(2_000).optional(),
        sdpMid: z.string().max(64).nullable().optional(),
        sdpMLineIndex: z.number().int().min(0).max(64).nullable().optional(),
        usernameFragment: z.string().max(256).nullable().optional(),
      })
      .strict()
      .nullable()
      .optional(),
  })
  .strict();

const ClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('join'), joinToken: z.string().min(1).max(256) }).strict(),
  z.object({ type: z.literal('signal'), data: SignalData }).strict(),
  z.object({ type: z.literal('leave') }).strict(),
  z.object({ type: z.literal('ping') }).strict(),
]);

interface Connection {
  socket: WebSocket;
  meetingId: string;
  attendeeId: string;
  externalUserId: string;
  /** Peers this connection was told to start media with. */
  startedWith: Set<string>;
  /** Set when the close is ours to explain (leave, removal, end, replacement): no Dropped then. */
  closing?: 'left' | 'removed' | 'ended' | 'replaced';
  alive: boolean;
}

export function createSignallingServer(options: SignallingServerOptions): SignallingServer {
  const { meetings } = options;
  const path = options.path ?? SIGNALLING_PATH;
  const joinTimeoutMs = options.joinTimeoutMs ?? 5_000;
  const heartbeatMs = options.heartbeatMs ?? 10_000;
  const idleEndMs = options.idleEndMs ?? 5 * 60_000;
  // SDP of an audio+video offer is a few kilobytes; nothing legitimate comes near this.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 128 * 1024 });
  const rooms = new Map<string, Map<string, Connection>>();
  const started = new Set<string>();
  const idleTimers = new Map<string, NodeJS.Timeout>();
  const stats: SignallingStats = { relayed: 0, refused: 0 };
  let ownServer: Server | undefined;
  let shuttingDown = false;

  const send = (socket: WebSocket, message: ServerMessage) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  };

  const raise = (type: AttendeeEventType, connection: Connection) =>
    meetings.raise({
      type,
      eventId: randomUUID(),
      meetingId: connection.meetingId,
      externalMeetingId: meetings.meeting(connection.meetingId)?.externalMeetingId,
      attendeeId: connection.attendeeId,
      externalUserId: connection.externalUserId,
      at: meetings.timeNow(),
    });

  const capabilitiesOf = (connection: Connection) =>
    meetings.meeting(connection.meetingId)?.attendees.get(connection.attendeeId)?.capabilities;

  const mayMedia = (connection: Connection) => {
    const capabilities = capabilitiesOf(connection);
    return capabilities !== undefined && mayExchangeMedia(capabilities);
  };

  /** Tells every pair that may now exchange media to start; each side hears it once per connection. */
  const startPairs = (meetingId: string) => {
    const room = rooms.get(meetingId);
    if (!room) return;
    for (const a of room.values()) {
      for (const b of room.values()) {
        if (a === b || a.startedWith.has(b.attendeeId) || !mayMedia(a) || !mayMedia(b)) continue;
        a.startedWith.add(b.attendeeId);
        send(a.socket, { type: 'start', peerId: b.attendeeId });
      }
    }
  };

  const scheduleIdleEnd = (meetingId: string) => {
    clearTimeout(idleTimers.get(meetingId));
    const timer = setTimeout(() => {
      idleTimers.delete(meetingId);
      if ((rooms.get(meetingId)?.size ?? 0) === 0) void meetings.endMeeting(meetingId);
    }, idleEndMs);
    timer.unref();
    idleTimers.set(meetingId, timer);
  };

  const leaveRoom = (connection: Connection, reason: PeerLeftReason) => {
    const room = rooms.get(connection.meetingId);
    if (room?.get(connection.attendeeId) !== connection) return;
    room.delete(connection.attendeeId);
    for (const peer of room.values()) {
      peer.startedWith.delete(connection.attendeeId);
      send(peer.socket, { type: 'peer-left', attendeeId: connection.attendeeId, reason });
    }
    if (room.size === 0) {
      rooms.delete(connection.meetingId);
      if (meetings.meeting(connection.meetingId)?.ended === false) scheduleIdleEnd(connection.meetingId);
    }
  };

  const join = (socket: WebSocket, joinToken: string): Connection | undefined => {
    const found = meetings.authenticate(joinToken);
    if (!found) {
      send(socket, { type: 'error', code: 'invalid-token' });
      socket.close(CLOSE_CODES.invalidToken, 'invalid token');
      return undefined;
    }
    const { meeting, attendee } = found;
    const room = rooms.get(meeting.meetingId) ?? new Map<string, Connection>();
    rooms.set(meeting.meetingId, room);
    clearTimeout(idleTimers.get(meeting.meetingId));

    const previous = room.get(attendee.attendeeId);
    const connection: Connection = {
      socket,
      meetingId: meeting.meetingId,
      attendeeId: attendee.attendeeId,
      externalUserId: attendee.externalUserId,
      startedWith: new Set(),
      alive: true,
    };
    if (previous) {
      // Chime hands the seat to the newest device with the same token; the old one is told and closed.
      previous.closing = 'replaced';
      room.delete(attendee.attendeeId);
      for (const peer of room.values()) peer.startedWith.delete(attendee.attendeeId);
      send(previous.socket, { type: 'replaced' });
      previous.socket.close(CLOSE_CODES.replaced, 'joined elsewhere');
    }
    if (!started.has(meeting.meetingId)) {
      started.add(meeting.meetingId);
      meetings.raise({
        type: 'MeetingStarted',
        eventId: randomUUID(),
        meetingId: meeting.meetingId,
        externalMeetingId: meeting.externalMeetingId,
        at: meetings.timeNow(),
      });
    }
    room.set(attendee.attendeeId, connection);
    send(socket, {
      type: 'joined',
      meetingId: meeting.meetingId,
      attendeeId: attendee.attendeeId,
      capabilities: { ...attendee.capabilities },
      peers: [...room.keys()].filter((id) => id !== attendee.attendeeId),
    });
    for (const peer of room.values()) {
      if (peer !== connection) send(peer.socket, { type: 'peer-joined', attendeeId: attendee.attendeeId });
    }
    raise(previous ? 'AttendeeAuthorized' : 'AttendeeJoined', connection);
    startPairs(meeting.meetingId);
    return connection;
  };

  const relay = (from: Connection, data: z.infer<typeof SignalData>) => {
    const room = rooms.get(from.meetingId);
    let delivered = false;
    for (const peer of room?.values() ?? []) {
      if (peer === from) continue;
      // Both must have been started with each other: that happens only when both may send media.
      if (!from.startedWith.has(peer.attendeeId) || !mayMedia(from) || !mayMedia(peer)) continue;
      send(peer.socket, { type: 'signal', from: from.attendeeId, data: data as never });
      delivered = true;
    }
    if (delivered) stats.relayed += 1;
    else stats.refused += 1;
  };

  wss.on('connection', (socket: WebSocket) => {
    let connection: Connection | undefined;
    const joinTimer = setTimeout(() => {
      if (connection) return;
      send(socket, { type: 'error', code: 'join-timeout' });
      socket.close(CLOSE_CODES.joinTimeout, 'join timeout');
    }, joinTimeoutMs);
    joinTimer.unref();

    socket.on('pong', () => {
      if (connection) connection.alive = true;
    });

    socket.on('message', (raw: RawData, isBinary: boolean) => {
      let message: z.infer<typeof ClientMessage>;
      try {
        if (isBinary) throw new Error('binary');
        message = ClientMessage.parse(JSON.parse(raw.toString()));
      } catch {
        send(socket, { type: 'error', code: 'bad-message' });
        socket.close(CLOSE_CODES.badMessage, 'bad message');
        return;
      }
      if (message.type === 'ping') return send(socket, { type: 'pong' });
      if (message.type === 'join') {
        if (connection) return; // One join per socket.
        connection = join(socket, message.joinToken);
        if (connection) clearTimeout(joinTimer);
        return;
      }
      if (!connection) {
        send(socket, { type: 'error', code: 'not-joined' });
        return;
      }
      if (message.type === 'signal') return relay(connection, message.data);
      // leave
      connection.closing = 'left';
      leaveRoom(connection, 'left');
      raise('AttendeeLeft', connection);
      socket.close(1000, 'left');
    });

    socket.on('close', () => {
      clearTimeout(joinTimer);
      if (!connection || connection.closing || shuttingDown) return;
      // No leave message: a lost connection, not a decision to leave.
      leaveRoom(connection, 'dropped');
      raise('AttendeeDropped', connection);
    });
    socket.on('error', () => socket.terminate());
  });

  const heartbeat = setInterval(() => {
    for (const room of rooms.values()) {
      for (const connection of room.values()) {
        if (!connection.alive) {
          connection.socket.terminate();
          continue;
        }
        connection.alive = false;
        connection.socket.ping();
      }
    }
  }, heartbeatMs);
  heartbeat.unref();

  const unsubscribe = meetings.onChange((change: LocalMeetingChange) => {
    const room = rooms.get(change.meetingId);
    if (change.type === 'capabilities') {
      const connection = room?.get(change.attendeeId);
      if (connection) send(connection.socket, { type: 'capabilities', capabilities: change.capabilities });
      startPairs(change.meetingId);
    } else if (change.type === 'attendee-removed') {
      const connection = room?.get(change.attendeeId);
      if (!connection) return;
      connection.closing = 'removed';
      leaveRoom(connection, 'removed');
      send(connection.socket, { type: 'removed' });
      connection.socket.close(CLOSE_CODES.removed, 'removed');
    } else {
      clearTimeout(idleTimers.get(change.meetingId));
      idleTimers.delete(change.meetingId);
      for (const connection of room?.values() ?? []) {
        connection.closing = 'ended';
        send(connection.socket, { type: 'ended' });
        connection.socket.close(CLOSE_CODES.ended, 'meeting ended');
      }
      rooms.delete(change.meetingId);
    }
  });

  const originAllowed = (req: IncomingMessage) =>
    !options.allowedOrigins || options.allowedOrigins.includes(req.headers.origin ?? '');

  const handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== path) return false;
    if (!originAllowed(req)) {
      // Another site's page must not be able to drive a meeting with a token it somehow has.
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return true;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    return true;
  };

  return {
    handleUpgrade,
    async listen(port = 0, host = '127.0.0.1') {
      const server = createServer((_req, res) => res.writeHead(404).end());
      server.on('upgrade', (req, socket, head) => {
        if (!handleUpgrade(req, socket, head)) socket.destroy();
      });
      await new Promise<void>((resolve) => server.listen(port, host, resolve));
      ownServer = server;
      const address = server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      return { url: `ws://${host}:${actualPort}${path}`, server };
    },
    dropConnection(attendeeId: string) {
      for (const room of rooms.values()) {
        const connection = room.get(attendeeId);
        if (connection) {
          connection.socket.terminate();
          return true;
        }
      }
      return false;
    },
    stats: () => ({ ...stats }),
    async close() {
      shuttingDown = true;
      clearInterval(heartbeat);
      unsubscribe();
      for (const timer of idleTimers.values()) clearTimeout(timer);
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      if (ownServer) {
        ownServer.closeAllConnections();
        await new Promise<void>((resolve) => ownServer?.close(() => resolve()));
      }
    },
  };
}
