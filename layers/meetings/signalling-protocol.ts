import type { AttendeeCapabilities } from './join-info';

/**
 * The local signalling protocol: JSON text frames over one WebSocket per attendee. Pure types, shared by the
 * server (infra/local/meetings/signalling-server.ts) and the browser (web/shared/video/local-webrtc-session.ts).
 *
 * The join token travels in the first message, never in the URL, so it stays out of access logs and history.
 * The server relays `signal` messages (SDP and ICE) only between two attendees that may both send media: a
 * waiting patient's offer goes nowhere until the clinician admits them.
 */

export interface SessionDescriptionMessage {
  type: 'offer' | 'answer' | 'pranswer' | 'rollback';
  sdp?: string;
}

export interface IceCandidateMessage {
  candidate?: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

/** One step of perfect negotiation: a description, or a candidate (null: end of candidates). */
export interface SignalData {
  description?: SessionDescriptionMessage;
  candidate?: IceCandidateMessage | null;
}

export type ClientMessage =
  | { type: 'join'; joinToken: string }
  | { type: 'signal'; data: SignalData }
  | { type: 'leave' }
  /** Answered before any join: the device check's "can I reach the media service?". */
  | { type: 'ping' };

export type PeerLeftReason = 'left' | 'dropped' | 'removed';

export type ServerMessage =
  | { type: 'pong' }
  | {
      type: 'joined';
      meetingId: string;
      attendeeId: string;
      capabilities: AttendeeCapabilities;
      /** Attendees connected now. */
      peers: string[];
    }
  | { type: 'peer-joined'; attendeeId: string }
  | { type: 'peer-left'; attendeeId: string; reason: PeerLeftReason }
  | { type: 'capabilities'; capabilities: AttendeeCapabilities }
  /** Both may send media now: start (or restart) the peer connection with `peerId`. */
  | { type: 'start'; peerId: string }
  | { type: 'signal'; from: string; data: SignalData }
  | { type: 'removed' }
  | { type: 'ended' }
  /** The same join token connected again elsewhere; this socket is closed. */
  | { type: 'replaced' }
  | { type: 'error'; code: 'invalid-token' | 'bad-message' | 'join-timeout' | 'not-joined' };

/** WebSocket close codes (4000-4999 are the application's). */
export const CLOSE_CODES = {
  invalidToken: 4401,
  removed: 4403,
  replaced: 4409,
  ended: 4410,
  badMessage: 4400,
  joinTimeout: 4408,
} as const;

/** Closes after which the browser must not reconnect: the seat is gone or taken. */
export const FINAL_CLOSE_CODES: readonly number[] = [
  CLOSE_CODES.invalidToken,
  CLOSE_CODES.removed,
  CLOSE_CODES.replaced,
  CLOSE_CODES.ended,
];

export function mayExchangeMedia(capabilities: AttendeeCapabilities): boolean {
  return capabilities.audio !== 'None' || capabilities.video !== 'None';
}
