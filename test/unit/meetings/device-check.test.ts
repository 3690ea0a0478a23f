import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type DeviceCheckEnvironment,
  detectPlatform,
  helpFor,
  type Platform,
  runDeviceCheck,
} from '../../../web/shared/video/device-check';

const UA = {
  iphoneSafari:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  iphoneChrome:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1',
  ipadDesktopMode:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  androidChrome:
    'Mozilla/5.0 (Linux; Android 14; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  samsung:
    'Mozilla/5.0 (Linux; Android 14; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36',
  macSafari:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  firefox: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  edge: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
};

class FakeTrack {
  readyState = 'live';
  muted = false;
  enabled = true;
  constructor(readonly kind: 'audio' | 'video') {}
  stop() {
    this.readyState = 'ended';
  }
}

class FakeStream {
  constructor(private readonly tracks: FakeTrack[]) {}
  getTracks() {
    return this.tracks;
  }
  getVideoTracks() {
    return this.tracks.filter((t) => t.kind === 'video');
  }
  getAudioTracks() {
    return this.tracks.filter((t) => t.kind === 'audio');
  }
}

const domError = (name: string) => Object.assign(new Error(name), { name });

/** A microphone whose level is `level` (RMS of a constant signal). */
function audioContext(level: number) {
  return () =>
    ({
      state: 'running',
      resume: async () => undefined,
      close: async () => undefined,
      createAnalyser: () => ({ fftSize: 0, getFloatTimeDomainData: (out: Float32Array) => out.fill(level) }),
      createMediaStreamSource: () => ({ connect: () => undefined }),
    }) as unknown as AudioContext;
}

interface Devices {
  camera?: boolean;
  microphone?: boolean;
  /** What getUserMedia throws whatever is asked. */
  error?: string;
}

function env(
  devices: Devices = { camera: true, microphone: true },
  overrides: Partial<DeviceCheckEnvironment> = {},
) {
  const getUserMedia = vi.fn(async (constraints: MediaStreamConstraints) => {
    if (devices.error) throw domError(devices.error);
    const wantsVideo = Boolean(constraints.video);
    const wantsAudio = Boolean(constraints.audio);
    if ((wantsVideo && !devices.camera) || (wantsAudio && !devices.microphone))
      throw domError('NotFoundError');
    return new FakeStream([
      ...(wantsVideo ? [new FakeTrack('video')] : []),
      ...(wantsAudio ? [new FakeTrack('audio')] : []),
    ]) as unknown as MediaStream;
  });
  const environment: DeviceCheckEnvironment = {
    isSecureContext: true,
    userAgent: UA.androidChrome,
    maxTouchPoints: 5,
    mediaDevices: { getUserMedia, enumerateDevices: async () => [] },
    hasPeerConnection: true,
    createAudioContext: audioContext(0.05),
    fetch: vi.fn(async () => new Response(null)) as unknown as typeof fetch,
    setTimeout: (callback, ms) => setTimeout(callback, Math.min(ms, 5)),
    ...overrides,
  };
  return { environment, getUserMedia };
}

beforeEach(() => {
  vi.stubGlobal('MediaStream', FakeStream);
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe('the device check', () => {
  it('passes on a working phone, and tells the clinician yes/no only', async () => {
    const { environment } = env();
    const result = await runDeviceCheck({
      env: environment,
      network: { provider: 'chime', signalingUrl: 'wss://signal.m1.ew2.app.chime.aws/control/x' },
      levelWindowMs: 50,
    });
    expect(result.ok).toBe(true);
    expect(result.platform).toBe('android-chrome');
    for (const key of [
      'browser',
      'permission',
      'camera',
      'microphone',
      'preview',
      'microphoneLevel',
      'network',
    ] as const) {
      expect(result[key], key).toEqual({ status: 'pass' });
    }
    expect(result.summary).toEqual({
      browserSupported: true,
      camera: true,
      microphone: true,
      microphoneLevel: true,
      network: 'good',
    });
    expect(environment.fetch).toHaveBeenCalledWith(
      'https://signal.m1.ew2.app.chime.aws/',
      expect.objectContaining({ mode: 'no-cors' }),
    );
  });

  it('explains a refused permission in the words of an iPhone', async () => {
    const { environment } = env({ error: 'NotAllowedError' }, { userAgent: UA.iphoneSafari });
    const result = await runDeviceCheck({ env: environment });
    expect(result.ok).toBe(false);
    expect(result.permission).toMatchObject({ status: 'fail', problem: 'permission-denied' });
    expect(result.camera.problem).toBe('permission-denied');
    expect(result.permission.help?.title).toBe('Allow this page to use your camera and microphone');
    expect(result.permission.help?.steps.join(' ')).toMatch(/"aA".*Website Settings/);
    expect(result.summary).toMatchObject({ camera: false, microphone: false, network: 'not-checked' });
  });

  it('says which device is missing when there is no camera', async () => {
    const { environment, getUserMedia } = env({ camera: false, microphone: true });
    const result = await runDeviceCheck({ env: environment, levelWindowMs: 20 });
    expect(result.camera).toMatchObject({ status: 'fail', problem: 'no-camera' });
    expect(result.microphone).toEqual({ status: 'pass' });
    expect(result.permission).toEqual({ status: 'pass' });
    expect(result.preview.status).toBe('skipped');
    // One prompt first; each device alone only to find out which one is missing.
    expect(getUserMedia).toHaveBeenCalledTimes(3);
  });

  it('a camera another app holds is "in use", not "missing"', async () => {
    const { environment } = env({ error: 'NotReadableError' });
    const result = await runDeviceCheck({ env: environment });
    expect(result.camera.problem).toBe('device-in-use');
    expect(result.camera.help?.title).toMatch(/being used by another app/);
  });

  it('a silent microphone is a warning, not a failure', async () => {
    const { environment } = env(undefined, { createAudioContext: audioContext(0) });
    const levels: number[] = [];
    const result = await runDeviceCheck({
      env: environment,
      levelWindowMs: 60,
      onLevel: (level) => levels.push(level),
    });
    expect(result.microphoneLevel).toMatchObject({ status: 'warn', problem: 'microphone-silent' });
    expect(result.ok).toBe(true);
    expect(levels.length).toBeGreaterThan(0);
    expect(result.summary.microphoneLevel).toBe(false);
  });

  it('refuses a browser without WebRTC, and a page opened over plain http', async () => {
    const noRtc = await runDeviceCheck({ env: env(undefined, { hasPeerConnection: false }).environment });
    expect(noRtc.browser).toMatchObject({ status: 'fail', problem: 'unsupported-browser' });
    expect(noRtc.browser.help?.steps.join(' ')).toMatch(/Update Google Chrome/);
    const insecure = await runDeviceCheck({ env: env(undefined, { isSecureContext: false }).environment });
    expect(insecure.browser).toMatchObject({ status: 'fail', problem: 'insecure-context' });
    expect(insecure.camera.status).toBe('skipped');
  });

  it('reports an unreachable media service with what to try', async () => {
    const { environment } = env(undefined, {
      fetch: vi.fn(async () => {
        throw new TypeError('Failed to fetch');
      }) as unknown as typeof fetch,
    });
    const result = await runDeviceCheck({
      env: environment,
      levelWindowMs: 20,
      network: { provider: 'chime', signalingUrl: 'wss://signal.m1.ew2.app.chime.aws/control/x' },
    });
    expect(result.network).toMatchObject({ status: 'fail', problem: 'network-unreachable' });
    expect(result.network.help?.steps.join(' ')).toMatch(/mobile data/);
    expect(result.summary.network).toBe('unreachable');
  });

  it('pings the local signalling server', async () => {
    const sent: string[] = [];
    const socket = {
      send: (data: string) => {
        sent.push(data);
        setTimeout(() => socket.onmessage?.({ data: '{"type":"pong"}' }), 1);
      },
      close: () => undefined,
      onopen: undefined as undefined | (() => void),
      onmessage: undefined as undefined | ((m: { data: string }) => void),
    };
    const { environment } = env(undefined, {
      createWebSocket: () => {
        setTimeout(() => socket.onopen?.(), 1);
        return socket as unknown as WebSocket;
      },
      // The network's timeout as a phone would have it (up to a second here), not the 5 ms the other timers
      // are cut to: the pong must be able to win the race on a loaded machine.
      setTimeout: (callback, ms) => setTimeout(callback, Math.min(ms, 1_000)),
    });
    const result = await runDeviceCheck({
      env: environment,
      levelWindowMs: 20,
      network: { provider: 'local', signallingUrl: 'ws://127.0.0.1:3000/meetings/signalling' },
    });
    expect(sent).toEqual(['{"type":"ping"}']);
    expect(result.network).toEqual({ status: 'pass' });
  });

  it.each<[string, string, number, Platform]>([
    ['iPhone Safari', UA.iphoneSafari, 5, 'iphone-safari'],
    ['Chrome on iPhone', UA.iphoneChrome, 5, 'iphone-other-browser'],
    ['an iPad asking for the desktop site', UA.ipadDesktopMode, 5, 'iphone-safari'],
    ['Android Chrome', UA.androidChrome, 5, 'android-chrome'],
    ['Samsung Internet', UA.samsung, 5, 'android-other-browser'],
    ['Safari on a Mac', UA.macSafari, 0, 'mac-safari'],
    ['Firefox', UA.firefox, 0, 'desktop-firefox'],
    ['Edge', UA.edge, 0, 'desktop-chrome'],
  ])('recognises %s', (_name, userAgent, touchPoints, platform) => {
    expect(detectPlatform(userAgent, touchPoints)).toBe(platform);
  });

  it('has help for every problem on every platform, in plain words', () => {
    const platforms: Platform[] = [
      'iphone-safari',
      'iphone-other-browser',
      'android-chrome',
      'android-other-browser',
      'mac-safari',
      'desktop-firefox',
      'desktop-chrome',
      'other',
    ];
    const problems = [
      'unsupported-browser',
      'insecure-context',
      'permission-denied',
      'no-camera',
      'no-microphone',
      'device-in-use',
      'no-preview',
      'microphone-silent',
      'network-unreachable',
      'unknown-error',
    ] as const;
    for (const platform of platforms) {
      for (const problem of problems) {
        const help = helpFor(problem, platform);
        expect(help.title.length).toBeGreaterThan(10);
        expect(help.steps.length).toBeGreaterThan(0);
        // No jargon a patient would have to look up.
        expect(JSON.stringify(help)).not.toMatch(/getUserMedia|WebRTC|permission API|NotAllowedError/);
      }
    }
    expect(helpFor('permission-denied', 'android-chrome').steps.join(' ')).toMatch(/Permissions/);
    expect(helpFor('permission-denied', 'mac-safari').steps.join(' ')).toMatch(/Privacy & Security/);
  });
});
