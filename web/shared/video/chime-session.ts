import type {
  AudioVideoFacade,
  AudioVideoObserver,
  MeetingSessionStatus,
  VideoTileState,
} from 'amazon-chime-sdk-js';
import type { JoinInfo } from '../../../layers/meetings/join-info';
import { type EndedReason, SessionEvents, type VideoElements, type VideoSession } from './video-session';

/** The SDK module. Loaded on `join` only (a chunk of its own): never in a page's first JavaScript. */
export type ChimeSdk = typeof import('amazon-chime-sdk-js');

/**
 * Loads the SDK. It reads Node's `global` in a few places (`'document' in global`), which browsers do not
 * have: without this the module fails as it loads ("global is not defined", seen in Chromium). Defining it
 * here, just before the import, keeps the fix with the only code that needs it.
 */
export async function loadChimeSdk(): Promise<ChimeSdk> {
  const scope = globalThis as { global?: unknown };
  scope.global ??= globalThis;
  return import('amazon-chime-sdk-js');
}

/**
 * Amazon Chime SDK for JavaScript: MeetingSessionConfiguration → DefaultMeetingSession → audio and video
 * input → bind → start. Media goes through the meeting's media region (never peer to peer).
 *
 * The SDK logs through a no-op logger: its own log lines can carry the meeting's URLs and attendee details.
 * A waiting patient joins with capabilities None (the service sends them nothing); the first remote video
 * tile is the sign they have been admitted, as the SDK has no event of its own for capability changes.
 */
export class ChimeSession implements VideoSession {
  readonly provider = 'chime' as const;
  private readonly events = new SessionEvents();
  private elements?: VideoElements;
  private audioVideo?: AudioVideoFacade;
  private attendeeId?: string;
  private localTileId?: number;
  private remoteTileId?: number;
  private started = false;
  private reconnecting = false;
  private admitted = false;
  private isMuted = false;
  private cameraOnNow = true;
  private ended = false;
  private leaving = false;

  constructor(private readonly loadSdk: () => Promise<ChimeSdk> = loadChimeSdk) {}

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
    const audioVideo = this.audioVideo;
    if (!audioVideo) return;
    if (elements.audio) void audioVideo.bindAudioElement(elements.audio);
    if (this.localTileId !== undefined) audioVideo.bindVideoElement(this.localTileId, elements.local);
    if (this.remoteTileId !== undefined) audioVideo.bindVideoElement(this.remoteTileId, elements.remote);
  }

  async join(joinInfo: JoinInfo): Promise<void> {
    if (joinInfo.provider !== 'chime') throw new Error('ChimeSession joins Chime meetings only');
    const sdk = await this.loadSdk();
    const logger = new sdk.NoOpLogger();
    const configuration = new sdk.MeetingSessionConfiguration(
      { Meeting: toChimeMeeting(joinInfo) },
      { Attendee: toChimeAttendee(joinInfo) },
    );
    const session = new sdk.DefaultMeetingSession(
      configuration,
      logger,
      new sdk.DefaultDeviceController(logger),
    );
    const audioVideo = session.audioVideo;
    this.audioVideo = audioVideo;
    this.attendeeId = joinInfo.attendee.attendeeId;
    const statusCodes = sdk.MeetingSessionStatusCode;

    const connected = new Promise<void>((resolve, reject) => {
      const observer: AudioVideoObserver = {
        audioVideoDidStart: () => {
          if (!this.started) {
            this.started = true;
            this.events.emit({ type: 'connected' });
            resolve();
          } else if (this.reconnecting) {
            this.reconnecting = false;
            this.events.emit({ type: 'reconnected' });
          }
        },
        audioVideoDidStartConnecting: (reconnecting: boolean) => {
          if (reconnecting && !this.reconnecting) {
            this.reconnecting = true;
            this.events.emit({ type: 'reconnecting' });
          }
        },
        audioVideoDidStop: (status: MeetingSessionStatus) => {
          const code = status.statusCode();
          const reason: EndedReason = this.leaving
            ? 'left'
            : code === statusCodes.Left
              ? 'left'
              : code === statusCodes.AudioAttendeeRemoved
                ? 'removed'
                : code === statusCodes.MeetingEnded || code === statusCodes.TURNCredentialsForbidden
                  ? 'meeting-ended'
                  : code === statusCodes.AudioJoinedFromAnotherDevice
                    ? 'replaced'
                    : 'failed';
          if (!this.started) reject(new Error(`could not join: ${reason}`));
          this.finish(reason);
        },
        videoTileDidUpdate: (tile: VideoTileState) => this.onTile(tile),
        videoTileWasRemoved: (tileId: number) => {
          if (tileId === this.remoteTileId) this.remoteTileId = undefined;
          if (tileId === this.localTileId) this.localTileId = undefined;
        },
      };
      audioVideo.addObserver(observer);
    });

    audioVideo.realtimeSubscribeToAttendeeIdPresence((attendeeId, present, _externalUserId, dropped) => {
      // Content shares appear as attendees of their own ("<id>#content"); this app has none, but be exact.
      if (attendeeId === this.attendeeId || attendeeId.includes('#')) return;
      if (present) this.events.emit({ type: 'remote-joined', attendeeId });
      else this.events.emit({ type: 'remote-left', attendeeId, reason: dropped ? 'dropped' : 'left' });
    });

    const microphones = await audioVideo.listAudioInputDevices();
    const cameras = await audioVideo.listVideoInputDevices();
    if (microphones[0]) await audioVideo.startAudioInput(microphones[0].deviceId);
    if (cameras[0]) await audioVideo.startVideoInput(cameras[0].deviceId);
    else this.cameraOnNow = false;
    if (this.elements) this.bind(this.elements);
    audioVideo.start();
    if (this.cameraOnNow) audioVideo.startLocalVideoTile();
    await connected;
  }

  mute(): void {
    this.isMuted = true;
    this.audioVideo?.realtimeMuteLocalAudio();
  }

  unmute(): void {
    this.isMuted = false;
    this.audioVideo?.realtimeUnmuteLocalAudio();
  }

  async cameraOff(): Promise<void> {
    this.cameraOnNow = false;
    this.audioVideo?.stopLocalVideoTile();
    // Releasing the device turns the camera light off.
    await this.audioVideo?.stopVideoInput();
  }

  async cameraOn(): Promise<void> {
    const audioVideo = this.audioVideo;
    if (this.cameraOnNow || !audioVideo) return;
    const [camera] = await audioVideo.listVideoInputDevices();
    if (!camera) return;
    await audioVideo.startVideoInput(camera.deviceId);
    audioVideo.startLocalVideoTile();
    this.cameraOnNow = true;
  }

  async leave(): Promise<void> {
    if (this.ended || !this.audioVideo) return;
    this.leaving = true;
    this.audioVideo.stop();
    this.finish('left');
  }

  private onTile(tile: VideoTileState): void {
    const audioVideo = this.audioVideo;
    if (!audioVideo || tile.tileId === null || tile.isContent) return;
    if (tile.localTile) {
      this.localTileId = tile.tileId;
      if (this.elements) audioVideo.bindVideoElement(tile.tileId, this.elements.local);
      return;
    }
    if (!tile.boundAttendeeId) return;
    this.remoteTileId = tile.tileId;
    if (this.elements) audioVideo.bindVideoElement(tile.tileId, this.elements.remote);
    if (!this.admitted) {
      this.admitted = true;
      this.events.emit({ type: 'admitted' });
    }
  }

  private finish(reason: EndedReason): void {
    if (this.ended) return;
    this.ended = true;
    const audioVideo = this.audioVideo;
    if (audioVideo) {
      void audioVideo.stopVideoInput();
      void audioVideo.stopAudioInput();
      audioVideo.unbindAudioElement();
    }
    this.events.emit({ type: 'ended', reason });
  }
}

/** Our JoinInfo back into the SDK's CreateMeeting response shape. */
export function toChimeMeeting(joinInfo: JoinInfo) {
  const { meeting } = joinInfo;
  const placement = meeting.mediaPlacement;
  return {
    MeetingId: meeting.meetingId,
    ExternalMeetingId: meeting.externalMeetingId,
    MediaRegion: meeting.mediaRegion,
    MediaPlacement: {
      AudioHostUrl: placement.audioHostUrl,
      AudioFallbackUrl: placement.audioFallbackUrl,
      SignalingUrl: placement.signalingUrl,
      TurnControlUrl: placement.turnControlUrl,
      EventIngestionUrl: placement.eventIngestionUrl,
      ScreenDataUrl: placement.screenDataUrl,
      ScreenSharingUrl: placement.screenSharingUrl,
      ScreenViewingUrl: placement.screenViewingUrl,
    },
    MeetingFeatures: {
      Video: { MaxResolution: meeting.meetingFeatures.videoMaxResolution },
      Content: { MaxResolution: meeting.meetingFeatures.contentMaxResolution },
      Attendee: { MaxCount: meeting.meetingFeatures.attendeeMaxCount },
    },
  };
}

/** Our JoinInfo back into the SDK's CreateAttendee response shape. */
export function toChimeAttendee(joinInfo: JoinInfo) {
  const { attendee } = joinInfo;
  return {
    AttendeeId: attendee.attendeeId,
    ExternalUserId: attendee.externalUserId,
    JoinToken: attendee.joinToken,
    Capabilities: {
      Audio: attendee.capabilities.audio,
      Video: attendee.capabilities.video,
      Content: attendee.capabilities.content,
    },
  };
}
