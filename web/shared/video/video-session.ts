import type { JoinInfo } from '../../../layers/meetings/join-info';

/**
 * One video consultation as the page sees it, whichever media service carries it: Amazon Chime
 * (`ChimeSession`) in AWS, plain WebRTC between the two browsers (`LocalWebRtcSession`) locally. The console
 * and the join page program against this only, and `createVideoSession` picks the implementation.
 */
export type RemoteLeftReason = 'left' | 'dropped' | 'removed';
export type EndedReason = 'left' | 'removed' | 'meeting-ended' | 'replaced' | 'failed';

export type VideoSessionEvent =
  /** In the meeting: for a waiting patient, in the waiting room (nothing flows yet). */
  | { type: 'connected' }
  /** May send and receive audio and video now. */
  | { type: 'admitted' }
  | { type: 'remote-joined'; attendeeId: string }
  | { type: 'remote-left'; attendeeId: string; reason: RemoteLeftReason }
  /** Our own connection was lost; the session is trying to get back with the same join token. */
  | { type: 'reconnecting' }
  | { type: 'reconnected' }
  | { type: 'ended'; reason: EndedReason };

export type VideoSessionEventType = VideoSessionEvent['type'];
type EventOf<T extends VideoSessionEventType> = Extract<VideoSessionEvent, { type: T }>;

export interface VideoElements {
  /** Your own camera (muted by the session: you never hear yourself). */
  local: HTMLVideoElement;
  /** The other person. */
  remote: HTMLVideoElement;
  /** Where the other person's sound plays, if not from `remote` (Chime plays audio separately). */
  audio?: HTMLAudioElement;
}

export interface VideoSession {
  readonly provider: 'chime' | 'local';
  /** Starts camera and microphone and joins; resolves once in the meeting (`connected`). */
  join(joinInfo: JoinInfo): Promise<void>;
  /** May be called before or after `join`. */
  bind(elements: VideoElements): void;
  mute(): void;
  unmute(): void;
  readonly muted: boolean;
  cameraOff(): Promise<void>;
  cameraOn(): Promise<void>;
  readonly cameraIsOn: boolean;
  /** Leaving on purpose (the Leave button): for the patient, that is dissent. */
  leave(): Promise<void>;
  on<T extends VideoSessionEventType>(type: T, listener: (event: EventOf<T>) => void): () => void;
}

/** A tiny typed event emitter: the join page has no room for a library. */
export class SessionEvents {
  private readonly listeners = new Map<VideoSessionEventType, Set<(event: never) => void>>();

  on<T extends VideoSessionEventType>(type: T, listener: (event: EventOf<T>) => void): () => void {
    const set = this.listeners.get(type) ?? new Set();
    set.add(listener as (event: never) => void);
    this.listeners.set(type, set);
    return () => set.delete(listener as (event: never) => void);
  }

  emit(event: VideoSessionEvent): void {
    for (const listener of this.listeners.get(event.type) ?? []) {
      (listener as (event: VideoSessionEvent) => void)(event);
    }
  }
}
