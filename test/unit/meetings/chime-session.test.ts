import type { AudioVideoObserver, VideoTileState } from 'amazon-chime-sdk-js';
import { describe, expect, it } from 'vitest';
import type { JoinInfo } from '../../../layers/meetings/join-info';
import {
  type ChimeSdk,
  ChimeSession,
  toChimeAttendee,
  toChimeMeeting,
} from '../../../web/shared/video/chime-session';
import { createVideoSession } from '../../../web/shared/video/create-video-session';
import { LocalWebRtcSession } from '../../../web/shared/video/local-webrtc-session';
import type { VideoElements, VideoSessionEvent } from '../../../web/shared/video/video-session';

const joinInfo: JoinInfo = {
  provider: 'chime',
  meeting: {
    meetingId: 'm-1',
    externalMeetingId: 'cons_1',
    mediaRegion: 'eu-west-2',
    mediaPlacement: {
      signalingUrl: 'wss://signal.m1.ew2.app.chime.aws/control/m-1',
      audioHostUrl: 'abc.k.m1.ew2.app.chime.aws:3478',
      audioFallbackUrl: 'wss://haxrp.m1.ew2.app.chime.aws:443/calls/m-1',
      eventIngestionUrl: 'https://data.svc.ew2.ingest.chime.aws/v1/client-events',
    },
    meetingFeatures: { videoMaxResolution: 'HD', contentMaxResolution: 'None', attendeeMaxCount: 2 },
  },
  attendee: {
    attendeeId: 'patient-attendee',
    externalUserId: 'inv_1',
    joinToken: 'join-token',
    capabilities: { audio: 'None', video: 'None', content: 'None' },
  },
};

/** The part of the SDK the session uses, recording every call in order. */
function fakeSdk() {
  const calls: string[] = [];
  const configurations: unknown[][] = [];
  let observer: AudioVideoObserver = {};
  let presence: (attendeeId: string, present: boolean, externalUserId?: string, dropped?: boolean) => void =
    () => undefined;
  const record =
    (name: string) =>
    (...args: unknown[]) => {
      calls.push(
        [
          name,
          ...args.map((a) =>
            typeof a === 'object' && a ? ((a as { id?: string }).id ?? 'object') : String(a),
          ),
        ].join(':'),
      );
    };
  const audioVideo = {
    addObserver: (o: AudioVideoObserver) => {
      observer = o;
    },
    realtimeSubscribeToAttendeeIdPresence: (callback: typeof presence) => {
      presence = callback;
    },
    listAudioInputDevices: async () => [{ deviceId: 'mic-1' }],
    listVideoInputDevices: async () => [{ deviceId: 'cam-1' }],
    startAudioInput: async (id: string) => record('startAudioInput')(id),
    startVideoInput: async (id: string) => record('startVideoInput')(id),
    stopVideoInput: async () => record('stopVideoInput')(),
    stopAudioInput: async () => record('stopAudioInput')(),
    bindAudioElement: async (element: unknown) => record('bindAudioElement')(element),
    unbindAudioElement: record('unbindAudioElement'),
    bindVideoElement: record('bindVideoElement'),
    start: () => {
      record('start')();
      queueMicrotask(() => observer.audioVideoDidStart?.());
    },
    stop: record('stop'),
    startLocalVideoTile: record('startLocalVideoTile'),
    stopLocalVideoTile: record('stopLocalVideoTile'),
    realtimeMuteLocalAudio: record('realtimeMuteLocalAudio'),
    realtimeUnmuteLocalAudio: record('realtimeUnmuteLocalAudio'),
  };
  const sdk = {
    NoOpLogger: class {},
    DefaultDeviceController: class {},
    MeetingSessionConfiguration: class {
      constructor(...args: unknown[]) {
        configurations.push(args);
        record('MeetingSessionConfiguration')();
      }
    },
    DefaultMeetingSession: class {
      audioVideo = audioVideo;
      constructor() {
        record('DefaultMeetingSession')();
      }
    },
    MeetingSessionStatusCode: {
      Left: 1,
      AudioJoinedFromAnotherDevice: 2,
      MeetingEnded: 5,
      TURNCredentialsForbidden: 20,
      AudioAttendeeRemoved: 22,
    },
  } as unknown as ChimeSdk;
  return {
    sdk,
    calls,
    configurations,
    observer: () => observer,
    presence: (...args: Parameters<typeof presence>) => presence(...args),
  };
}

const elements = {
  local: { id: 'local', muted: false },
  remote: { id: 'remote' },
  audio: { id: 'audio' },
} as unknown as VideoElements;

const tile = (state: Partial<VideoTileState>) =>
  ({ tileId: 1, localTile: false, isContent: false, ...state }) as VideoTileState;

async function joined() {
  const fake = fakeSdk();
  const session = new ChimeSession(async () => fake.sdk);
  const events: VideoSessionEvent[] = [];
  for (const type of [
    'connected',
    'admitted',
    'remote-joined',
    'remote-left',
    'reconnecting',
    'reconnected',
    'ended',
  ] as const) {
    session.on(type, (event) => events.push(event));
  }
  session.bind(elements);
  await session.join(joinInfo);
  return { fake, session, events };
}

describe('the Chime video session', () => {
  it('joins in the SDK’s order: configuration, session, devices, bind, start, local tile', async () => {
    const { fake, events, session } = await joined();
    expect(fake.calls).toEqual([
      'MeetingSessionConfiguration',
      'DefaultMeetingSession',
      'startAudioInput:mic-1',
      'startVideoInput:cam-1',
      'bindAudioElement:audio',
      'start',
      'startLocalVideoTile',
    ]);
    expect(events).toEqual([{ type: 'connected' }]);
    expect(session.provider).toBe('chime');
    expect((elements.local as { muted: boolean }).muted).toBe(true);
  });

  it('hands the SDK our join info in its own response shapes', async () => {
    const { fake } = await joined();
    expect(fake.configurations[0]?.[0]).toEqual({ Meeting: toChimeMeeting(joinInfo) });
    expect(fake.configurations[0]?.[1]).toEqual({ Attendee: toChimeAttendee(joinInfo) });
    expect(toChimeMeeting(joinInfo)).toMatchObject({
      MeetingId: 'm-1',
      MediaRegion: 'eu-west-2',
      MediaPlacement: {
        SignalingUrl: 'wss://signal.m1.ew2.app.chime.aws/control/m-1',
        AudioHostUrl: 'abc.k.m1.ew2.app.chime.aws:3478',
      },
      MeetingFeatures: {
        Video: { MaxResolution: 'HD' },
        Content: { MaxResolution: 'None' },
        Attendee: { MaxCount: 2 },
      },
    });
    expect(toChimeAttendee(joinInfo)).toEqual({
      AttendeeId: 'patient-attendee',
      ExternalUserId: 'inv_1',
      JoinToken: 'join-token',
      Capabilities: { Audio: 'None', Video: 'None', Content: 'None' },
    });
  });

  it('binds tiles to the elements, and the first remote video means admitted', async () => {
    const { fake, events } = await joined();
    fake
      .observer()
      .videoTileDidUpdate?.(tile({ tileId: 7, localTile: true, boundAttendeeId: 'patient-attendee' }));
    fake.observer().videoTileDidUpdate?.(tile({ tileId: 8, boundAttendeeId: 'clinician-attendee' }));
    fake.observer().videoTileDidUpdate?.(tile({ tileId: 9, isContent: true, boundAttendeeId: 'x#content' }));
    expect(fake.calls.filter((c) => c.startsWith('bindVideoElement'))).toEqual([
      'bindVideoElement:7:local',
      'bindVideoElement:8:remote',
    ]);
    expect(events.filter((e) => e.type === 'admitted')).toHaveLength(1);
  });

  it('reports the other person coming and going, a drop apart from a leave, and ignores itself', async () => {
    const { fake, events } = await joined();
    fake.presence('patient-attendee', true);
    fake.presence('clinician-attendee', true);
    fake.presence('clinician-attendee', false, 'stf_1', true);
    fake.presence('clinician-attendee', false, 'stf_1', false);
    expect(events.slice(1)).toEqual([
      { type: 'remote-joined', attendeeId: 'clinician-attendee' },
      { type: 'remote-left', attendeeId: 'clinician-attendee', reason: 'dropped' },
      { type: 'remote-left', attendeeId: 'clinician-attendee', reason: 'left' },
    ]);
  });

  it('reconnecting and reconnected come from the SDK’s own reconnection', async () => {
    const { fake, events } = await joined();
    fake.observer().audioVideoDidStartConnecting?.(true);
    fake.observer().audioVideoDidStartConnecting?.(true);
    fake.observer().audioVideoDidStart?.();
    expect(events.slice(1)).toEqual([{ type: 'reconnecting' }, { type: 'reconnected' }]);
  });

  it.each([
    [22, 'removed'],
    [5, 'meeting-ended'],
    [2, 'replaced'],
    [14, 'failed'],
  ])('status %i ends the session as %s', async (code, reason) => {
    const { fake, events } = await joined();
    fake.observer().audioVideoDidStop?.({ statusCode: () => code } as never);
    expect(events.at(-1)).toEqual({ type: 'ended', reason });
  });

  it('mute, camera off (the device released) and leave', async () => {
    const { fake, session, events } = await joined();
    session.mute();
    expect(session.muted).toBe(true);
    session.unmute();
    await session.cameraOff();
    expect(session.cameraIsOn).toBe(false);
    await session.cameraOn();
    await session.leave();
    fake.observer().audioVideoDidStop?.({ statusCode: () => 1 } as never);
    expect(fake.calls.slice(7)).toEqual([
      'realtimeMuteLocalAudio',
      'realtimeUnmuteLocalAudio',
      'stopLocalVideoTile',
      'stopVideoInput',
      'startVideoInput:cam-1',
      'startLocalVideoTile',
      'stop',
      'stopVideoInput',
      'stopAudioInput',
      'unbindAudioElement',
    ]);
    expect(events.filter((e) => e.type === 'ended')).toEqual([{ type: 'ended', reason: 'left' }]);
  });

  it('refuses a local meeting', async () => {
    await expect(
      new ChimeSession(async () => fakeSdk().sdk).join({ ...joinInfo, provider: 'local' }),
    ).rejects.toThrow(/Chime meetings only/);
  });
});

describe('the video session factory', () => {
  it('picks the implementation the runtime config names', async () => {
    expect(await createVideoSession({ provider: 'local-webrtc' })).toBeInstanceOf(LocalWebRtcSession);
    expect(await createVideoSession({ provider: 'chime' })).toBeInstanceOf(ChimeSession);
    await expect(createVideoSession(undefined)).rejects.toThrow(/config.video is missing/);
  });
});
