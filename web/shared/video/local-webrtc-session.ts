import type { JoinInfo } from '../../../layers/meetings/join-info';
import {
  type ClientMessage,
  FINAL_CLOSE_CODES,
  mayExchangeMedia,
  type ServerMessage,
  type SignalData,
} from '../../../layers/meetings/signalling-protocol';
import { type EndedReason, SessionEvents, type VideoElements, type VideoSession } from './video-session';

/**
 * The local media path: plain RTCPeerConnection between the two browsers, signalled over the local
 * WebSocket server (infra/local/meetings/signalling-server.ts), with MDN's "perfect negotiation" pattern so
 * that either side may (re)negotiate at any time without glare: the polite peer rolls back its own offer on a
 * collision, the impolite one ignores the other's. Which is which is decided by comparing attendee ids, so
 * both sides agree without asking.
 *
 * The waiting patient captures camera and microphone for their own preview but sends nothing: a peer
 * connection exists only after the server's `start`, which it sends once both may exchange media.
 *
 * ICE uses host candidates only (no STUN or TURN): two browsers on one machine or one network, which is what
 * the local stack is for. A lost WebSocket is "reconnecting": the same join token is offered again with
 * backoff, and the server treats it as the same attendee rejoining.
 */
export interface LocalWebRtcSessionOptions {
  /** Used when the join info has no signalling URL of its own. */
  signallingUrl?: string;
  iceServers?: RTCIceServer[];
  /** Reconnection backoff, doubling from this. */
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  media?: MediaStreamConstraints;
}

const DEFAULT_MEDIA: MediaStreamConstraints = {
  audio: { echoCancellation: true, noiseSuppression: true },
  video: { width: { ideal: 1280 }, height: { ideal: 720 }, facingMode: 'user' },
};

function absoluteWebSocketUrl(url: string): string {
  if (/^wss?:\/\//.test(url)) return url;
  const base = new URL(url, window.location.href);
  base.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  return base.toString();
}

export class LocalWebRtcSession implements VideoSession {
  readonly provider = 'local' as const;
  private readonly events = new SessionEvents();
  private readonly options: LocalWebRtcSessionOptions;
  private elements?: VideoElements;
  private localStream?: MediaStream;
  private remoteStream?: MediaStream;
  private socket?: WebSocket;
  private url?: string;
  private joinToken?: string;
  private attendeeId?: string;
  private pc?: RTCPeerConnection;
  /** The connection this side's tracks were added to (the polite side adds them only with the first offer). */
  private tracksAddedTo?: RTCPeerConnection;
  private peerId?: string;
  private polite = false;
  private makingOffer = false;
  private ignoreOffer = false;
  private hasConnected = false;
  private admitted = false;
  private reconnecting = false;
  private reconnectAttempt = 0;
  private reconnectTimer?: ReturnType<typeof setTimeout>;
  private finished = false;
  private inbox: Promise<void> = Promise.resolve();
  private isMuted = false;
  private cameraOnNow = true;

  constructor(options: LocalWebRtcSessionOptions = {}) {
    this.options = options;
  }

  get muted(): boolean {
    return this.isMuted;
  }

  get cameraIsOn(): boolean {
    return this.cameraOnNow;
  }

  on: VideoSession['on'] = (type, listener) => this.events.on(type, listener);

  bind(elements: VideoElements): void {
    this.elements = elements;
    elements.local.muted = true;
    if (this.localStream) this.show(elements.local, this.localStream);
    if (this.remoteStream) this.show(elements.remote, this.remoteStream);
  }

  async join(joinInfo: JoinInfo): Promise<void> {
    if (joinInfo.provider !== 'local') throw new Error('LocalWebRtcSession joins local meetings only');
    const url = joinInfo.meeting.mediaPlacement.signalingUrl || this.options.signallingUrl;
    if (!url) throw new Error('no signalling URL for this meeting');
    this.url = absoluteWebSocketUrl(url);
    this.joinToken = joinInfo.attendee.joinToken;
    this.attendeeId = joinInfo.attendee.attendeeId;
    this.localStream = await navigator.mediaDevices.getUserMedia(this.options.media ?? DEFAULT_MEDIA);
    if (this.elements) this.show(this.elements.local, this.localStream);
    await new Promise<void>((resolve, reject) => {
      const offConnected = this.events.on('connected', () => {
        offConnected();
        offEnded();
        resolve();
      });
      const offEnded = this.events.on('ended', (event) => {
        offConnected();
        offEnded();
        reject(new Error(`could not join: ${event.reason}`));
      });
      this.connect();
    });
  }

  mute(): void {
    this.isMuted = true;
    for (const track of this.localStream?.getAudioTracks() ?? []) track.enabled = false;
  }

  unmute(): void {
    this.isMuted = false;
    for (const track of this.localStream?.getAudioTracks() ?? []) track.enabled = true;
  }

  async cameraOff(): Promise<void> {
    // Stopping the track (not just disabling it) turns the camera light off: the patient can trust it.
    this.cameraOnNow = false;
    const sender = this.pc?.getSenders().find((s) => s.track?.kind === 'video');
    await sender?.replaceTrack(null);
    for (const track of this.localStream?.getVideoTracks() ?? []) {
      track.stop();
      this.localStream?.removeTrack(track);
    }
  }

  async cameraOn(): Promise<void> {
    if (this.cameraOnNow || !this.localStream) return;
    const constraints = this.options.media ?? DEFAULT_MEDIA;
    const fresh = await navigator.mediaDevices.getUserMedia({ video: constraints.video ?? true });
    const [track] = fresh.getVideoTracks();
    if (!track) return;
    this.localStream.addTrack(track);
    this.cameraOnNow = true;
    const sender = this.pc?.getSenders().find((s) => s.track === null || s.track?.kind === 'video');
    if (sender) await sender.replaceTrack(track);
    // A polite peer still waiting for the first offer adds all its tracks then (addLocalTracks).
    else if (this.pc && this.tracksAddedTo === this.pc) this.pc.addTrack(track, this.localStream);
    if (this.elements) this.show(this.elements.local, this.localStream);
  }

  async leave(): Promise<void> {
    if (this.finished) return;
    this.send({ type: 'leave' });
    this.finish('left');
  }

  private connect(): void {
    if (!this.url || this.finished) return;
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      if (this.joinToken) this.send({ type: 'join', joinToken: this.joinToken });
    };
    socket.onmessage = (message) => {
      let parsed: ServerMessage;
      try {
        parsed = JSON.parse(String(message.data)) as ServerMessage;
      } catch {
        return;
      }
      // One at a time, in order: perfect negotiation relies on a description being applied before the
      // candidates that follow it.
      this.inbox = this.inbox.then(() => this.onMessage(parsed)).catch(() => this.renegotiate());
    };
    socket.onclose = (event) => {
      if (this.socket !== socket || this.finished) return;
      this.socket = undefined;
      this.closePeer();
      if (FINAL_CLOSE_CODES.includes(event.code)) {
        this.finish(event.code === 4403 ? 'removed' : event.code === 4409 ? 'replaced' : 'meeting-ended');
        return;
      }
      if (!this.hasConnected) {
        this.finish('failed');
        return;
      }
      if (!this.reconnecting) {
        this.reconnecting = true;
        this.events.emit({ type: 'reconnecting' });
      }
      const base = this.options.reconnectBaseMs ?? 250;
      const delay = Math.min(this.options.reconnectMaxMs ?? 4_000, base * 2 ** this.reconnectAttempt);
      this.reconnectAttempt += 1;
      this.reconnectTimer = setTimeout(() => this.connect(), delay);
    };
  }

  private async onMessage(message: ServerMessage): Promise<void> {
    switch (message.type) {
      case 'joined':
        this.reconnectAttempt = 0;
        if (!this.hasConnected) {
          this.hasConnected = true;
          this.events.emit({ type: 'connected' });
        } else if (this.reconnecting) {
          this.reconnecting = false;
          this.events.emit({ type: 'reconnected' });
        }
        this.noteCapabilities(mayExchangeMedia(message.capabilities));
        for (const peer of message.peers) this.events.emit({ type: 'remote-joined', attendeeId: peer });
        return;
      case 'capabilities':
        this.noteCapabilities(mayExchangeMedia(message.capabilities));
        return;
      case 'peer-joined':
        this.events.emit({ type: 'remote-joined', attendeeId: message.attendeeId });
        return;
      case 'peer-left':
        if (message.attendeeId === this.peerId) this.closePeer();
        this.events.emit({ type: 'remote-left', attendeeId: message.attendeeId, reason: message.reason });
        return;
      case 'start':
        this.startPeer(message.peerId);
        return;
      case 'signal':
        if (message.from === this.peerId) await this.onSignal(message.data);
        return;
      case 'removed':
        this.finish('removed');
        return;
      case 'ended':
        this.finish('meeting-ended');
        return;
      case 'replaced':
        this.finish('replaced');
        return;
      default:
        return;
    }
  }

  /** A signalling step failed (a race we lost): start the connection with this peer again from scratch. */
  private renegotiate(): void {
    if (this.peerId && this.pc?.connectionState !== 'connected') this.pc?.restartIce();
  }

  private noteCapabilities(mayMedia: boolean): void {
    if (mayMedia && !this.admitted) {
      this.admitted = true;
      this.events.emit({ type: 'admitted' });
    }
  }

  private startPeer(peerId: string): void {
    this.closePeer();
    this.peerId = peerId;
    this.polite = (this.attendeeId ?? '') < peerId;
    const pc = new RTCPeerConnection({ iceServers: this.options.iceServers ?? [] });
    this.pc = pc;
    this.remoteStream = new MediaStream();
    if (this.elements) this.show(this.elements.remote, this.remoteStream);
    pc.ontrack = ({ track }) => {
      this.remoteStream?.addTrack(track);
      if (this.elements && this.remoteStream) this.show(this.elements.remote, this.remoteStream);
    };
    pc.onicecandidate = ({ candidate }) => this.signal({ candidate: candidate ? candidate.toJSON() : null });
    pc.onnegotiationneeded = async () => {
      try {
        this.makingOffer = true;
        await pc.setLocalDescription();
        if (pc.localDescription) this.signal({ description: pc.localDescription.toJSON() });
      } finally {
        this.makingOffer = false;
      }
    };
    pc.oniceconnectionstatechange = () => {
      if (pc.iceConnectionState === 'failed') pc.restartIce();
    };
    // Only the impolite peer offers first. When both offered at once, the polite one rolled its offer back
    // while it was still gathering ICE candidates, and Chromium then never gathered any for its answer: no
    // media either way (about one admit in eight in the bench). The polite peer adds its tracks when the
    // offer comes instead (onSignal), so that its answer sends at once, in the same round.
    if (!this.polite) this.addLocalTracks(pc);
  }

  /** Once per connection: later camera changes replace a sender's track rather than add one. */
  private addLocalTracks(pc: RTCPeerConnection): void {
    if (!this.localStream || this.tracksAddedTo === pc) return;
    this.tracksAddedTo = pc;
    for (const track of this.localStream.getTracks()) pc.addTrack(track, this.localStream);
  }

  private async onSignal(data: SignalData): Promise<void> {
    const pc = this.pc;
    if (!pc) return;
    if (data.description) {
      const description = data.description as RTCSessionDescriptionInit;
      const collision = description.type === 'offer' && (this.makingOffer || pc.signalingState !== 'stable');
      this.ignoreOffer = !this.polite && collision;
      if (this.ignoreOffer) return;
      await pc.setRemoteDescription(description);
      if (description.type === 'offer') {
        // The polite peer's tracks join the offer's transceivers (same kinds), so the answer sends them.
        this.addLocalTracks(pc);
        await pc.setLocalDescription();
        if (pc.localDescription) this.signal({ description: pc.localDescription.toJSON() });
      }
      return;
    }
    if (data.candidate !== undefined) {
      try {
        await pc.addIceCandidate(data.candidate ?? undefined);
      } catch (error) {
        if (!this.ignoreOffer) throw error;
      }
    }
  }

  private signal(data: SignalData): void {
    this.send({ type: 'signal', data });
  }

  private send(message: ClientMessage): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private show(element: HTMLVideoElement, stream: MediaStream): void {
    if (element.srcObject !== stream) element.srcObject = stream;
    element.playsInline = true;
    void element.play().catch(() => undefined);
  }

  private closePeer(): void {
    this.pc?.close();
    this.pc = undefined;
    this.peerId = undefined;
    this.makingOffer = false;
    this.ignoreOffer = false;
    for (const track of this.remoteStream?.getTracks() ?? []) this.remoteStream?.removeTrack(track);
    this.remoteStream = undefined;
    if (this.elements) this.elements.remote.srcObject = null;
  }

  private finish(reason: EndedReason): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.reconnectTimer);
    this.closePeer();
    const socket = this.socket;
    this.socket = undefined;
    socket?.close(1000);
    for (const track of this.localStream?.getTracks() ?? []) track.stop();
    if (this.elements) this.elements.local.srcObject = null;
    this.events.emit({ type: 'ended', reason });
  }
}
