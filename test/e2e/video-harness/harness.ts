import type { JoinInfo } from '../../../layers/meetings/join-info';
import { createVideoSession } from '../../../web/shared/video/create-video-session';
import { runDeviceCheck, stopDeviceCheck } from '../../../web/shared/video/device-check';
import type { VideoSession, VideoSessionEventType } from '../../../web/shared/video/video-session';

/**
 * A page for the browser test only (not a product page): drives one `VideoSession` through the same factory
 * the console and join page use, and reports what it saw. Times are wall-clock milliseconds, comparable with
 * the test's own Date.now() on the same machine.
 */
const local = document.querySelector<HTMLVideoElement>('#local') as HTMLVideoElement;
const remote = document.querySelector<HTMLVideoElement>('#remote') as HTMLVideoElement;
const events: { type: string; at: number; reason?: string }[] = [];
const frames = { count: 0, first: 0, last: 0 };
let session: VideoSession | undefined;

function countFrames(): void {
  remote.requestVideoFrameCallback(() => {
    const now = Date.now();
    frames.count += 1;
    if (!frames.first) frames.first = now;
    frames.last = now;
    countFrames();
  });
}

const EVENT_TYPES: VideoSessionEventType[] = [
  'connected',
  'admitted',
  'remote-joined',
  'remote-left',
  'reconnecting',
  'reconnected',
  'ended',
];

const harness = {
  events,
  async deviceCheck(signallingUrl: string) {
    const result = await runDeviceCheck({
      network: { provider: 'local', signallingUrl },
      levelWindowMs: 4_000,
    });
    stopDeviceCheck(result);
    const { ok, summary, browser, permission, camera, microphone, preview, microphoneLevel, network } =
      result;
    const statuses = { browser, permission, camera, microphone, preview, microphoneLevel, network };
    return {
      ok,
      summary,
      statuses: Object.fromEntries(Object.entries(statuses).map(([k, v]) => [k, v.status])),
    };
  },
  async join(joinInfo: JoinInfo) {
    session = await createVideoSession({ provider: 'local-webrtc' });
    for (const type of EVENT_TYPES) {
      session.on(type, (event) =>
        events.push({ type, at: Date.now(), ...('reason' in event ? { reason: event.reason } : {}) }),
      );
    }
    session.bind({ local, remote });
    countFrames();
    await session.join(joinInfo);
  },
  remoteVideo() {
    const stream = remote.srcObject as MediaStream | null;
    return {
      tracks: stream?.getVideoTracks().length ?? 0,
      decoded: remote.getVideoPlaybackQuality().totalVideoFrames,
      callbacks: frames.count,
      firstFrameAt: frames.first,
      lastFrameAt: frames.last,
      width: remote.videoWidth,
    };
  },
  localPreview() {
    return { width: local.videoWidth, playing: !local.paused };
  },
  /** The real Chime SDK, loaded in this browser, accepts our join info (nothing is sent anywhere). */
  async chimeSdkCheck(joinInfo: JoinInfo) {
    const { loadChimeSdk, toChimeMeeting, toChimeAttendee } = await import(
      '../../../web/shared/video/chime-session'
    );
    const sdk = await loadChimeSdk();
    const logger = new sdk.NoOpLogger();
    const configuration = new sdk.MeetingSessionConfiguration(
      { Meeting: toChimeMeeting(joinInfo) },
      { Attendee: toChimeAttendee(joinInfo) },
    );
    const meeting = new sdk.DefaultMeetingSession(
      configuration,
      logger,
      new sdk.DefaultDeviceController(logger),
    );
    const cameras = await meeting.audioVideo.listVideoInputDevices();
    const microphones = await meeting.audioVideo.listAudioInputDevices();
    return {
      meetingId: configuration.meetingId,
      attendeeId: configuration.credentials?.attendeeId,
      joinTokenMatches: configuration.credentials?.joinToken === joinInfo.attendee.joinToken,
      signalingURL: configuration.urls?.signalingURL,
      audioHostURL: configuration.urls?.audioHostURL,
      videoMaxResolution: configuration.meetingFeatures.videoMaxResolution,
      cameras: cameras.length,
      microphones: microphones.length,
    };
  },
  async camera(on: boolean) {
    if (on) await session?.cameraOn();
    else await session?.cameraOff();
    const stream = local.srcObject as MediaStream | null;
    return {
      cameraIsOn: session?.cameraIsOn,
      liveVideoTracks: stream?.getVideoTracks().filter((t) => t.readyState === 'live').length ?? 0,
    };
  },
  leave: () => session?.leave(),
  storage: () => ({ local: localStorage.length, session: sessionStorage.length }),
};

(window as unknown as { harness: typeof harness }).harness = harness;
document.body.dataset.ready = 'true';
