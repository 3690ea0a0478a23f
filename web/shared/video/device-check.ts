/**
 * The patient's device check, before the waiting room: is the browser able to, may the page use the camera
 * and microphone, are there a camera and a microphone, can the patient see themself, does the microphone pick
 * anything up, and can the media service be reached. Each failure comes with plain-English help for the
 * patient's own phone or computer (issue 11: "how to allow the camera on iPhone").
 *
 * The summary is what the clinician is shown ("camera ✓, microphone ✓, network good"): yes/no answers only,
 * never device names (a label such as "Jane's iPhone camera" would identify the patient).
 *
 * Everything the browser provides is injectable (`env`) so the logic is tested in Node; in the browser the
 * defaults are the real APIs.
 */

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skipped';

export type DeviceProblem =
  | 'unsupported-browser'
  | 'insecure-context'
  | 'permission-denied'
  | 'no-camera'
  | 'no-microphone'
  | 'device-in-use'
  | 'no-preview'
  | 'microphone-silent'
  | 'network-unreachable'
  | 'unknown-error';

export interface HelpText {
  title: string;
  steps: string[];
}

export interface CheckItem {
  status: CheckStatus;
  problem?: DeviceProblem;
  help?: HelpText;
}

export type Platform =
  | 'iphone-safari'
  | 'iphone-other-browser'
  | 'android-chrome'
  | 'android-other-browser'
  | 'mac-safari'
  | 'desktop-firefox'
  | 'desktop-chrome'
  | 'other';

export interface DeviceCheckSummary {
  browserSupported: boolean;
  camera: boolean;
  microphone: boolean;
  microphoneLevel: boolean;
  network: 'good' | 'unreachable' | 'not-checked';
}

export interface DeviceCheckResult {
  /** No check failed (warnings allowed): the patient can go on to the waiting room. */
  ok: boolean;
  platform: Platform;
  browser: CheckItem;
  permission: CheckItem;
  camera: CheckItem;
  microphone: CheckItem;
  preview: CheckItem;
  microphoneLevel: CheckItem;
  network: CheckItem;
  /** For the clinician's timeline. */
  summary: DeviceCheckSummary;
  /** The camera and microphone stream, for the preview; stop it (or hand it on) when done. */
  stream?: MediaStream;
}

export type NetworkTarget =
  /** The local signalling server: it must answer a ping. */
  | { provider: 'local'; signallingUrl: string }
  /** Chime: the meeting's signalling host must answer at all (a no-cors request). */
  | { provider: 'chime'; signalingUrl?: string };

export interface DeviceCheckEnvironment {
  isSecureContext: boolean;
  userAgent: string;
  maxTouchPoints: number;
  mediaDevices?: Pick<MediaDevices, 'getUserMedia' | 'enumerateDevices'>;
  hasPeerConnection: boolean;
  createAudioContext?: () => AudioContext;
  fetch: typeof fetch;
  createWebSocket?: (url: string) => WebSocket;
  setTimeout: (callback: () => void, ms: number) => unknown;
}

export interface DeviceCheckOptions {
  network?: NetworkTarget;
  /** How long to listen for the microphone moving. */
  levelWindowMs?: number;
  /** 0..1, for a level meter while listening. */
  onLevel?: (level: number) => void;
  networkTimeoutMs?: number;
  env?: DeviceCheckEnvironment;
}

/** An RMS level above this (about -40 dBFS) counts as the microphone hearing something. */
const LEVEL_THRESHOLD = 0.01;

export function browserEnvironment(): DeviceCheckEnvironment {
  return {
    isSecureContext: globalThis.isSecureContext === true,
    userAgent: navigator.userAgent,
    maxTouchPoints: navigator.maxTouchPoints ?? 0,
    mediaDevices: navigator.mediaDevices,
    hasPeerConnection: typeof RTCPeerConnection === 'function',
    createAudioContext: typeof AudioContext === 'function' ? () => new AudioContext() : undefined,
    fetch: globalThis.fetch.bind(globalThis),
    createWebSocket: typeof WebSocket === 'function' ? (url) => new WebSocket(url) : undefined,
    setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  };
}

export function detectPlatform(userAgent: string, maxTouchPoints = 0): Platform {
  // iPadOS asks for the desktop site: a "Macintosh" with a touch screen is an iPad.
  const ios = /iPhone|iPad|iPod/.test(userAgent) || (/Macintosh/.test(userAgent) && maxTouchPoints > 1);
  if (ios) return /CriOS|FxiOS|EdgiOS|OPiOS/.test(userAgent) ? 'iphone-other-browser' : 'iphone-safari';
  if (/Android/.test(userAgent)) {
    return /Chrome\//.test(userAgent) && !/SamsungBrowser|Firefox|EdgA|OPR/.test(userAgent)
      ? 'android-chrome'
      : 'android-other-browser';
  }
  if (/Firefox\//.test(userAgent)) return 'desktop-firefox';
  if (/Chrome\/|Chromium\/|Edg\//.test(userAgent)) return 'desktop-chrome';
  if (/Macintosh/.test(userAgent) && /Safari\//.test(userAgent)) return 'mac-safari';
  return 'other';
}

const RELOAD = 'Then reload this page.';

const ALLOW_CAMERA: Record<Platform, string[]> = {
  'iphone-safari': [
    'Tap the "aA" button in the address bar, then Website Settings.',
    'Set Camera and Microphone to Allow.',
    RELOAD,
    'If that does not help: open the Settings app, tap Safari, and set Camera and Microphone to Ask or Allow.',
  ],
  'iphone-other-browser': [
    'Open the Settings app on your iPhone and find the browser you are using (for example Chrome).',
    'Turn on Camera and Microphone.',
    'Come back to this page and reload it. Safari also works for video consultations.',
  ],
  'android-chrome': [
    'Tap the icon to the left of the web address, then Permissions.',
    'Turn on Camera and Microphone.',
    RELOAD,
    'If they are still blocked: open Settings, then Apps, Chrome, Permissions, and allow Camera and Microphone.',
  ],
  'android-other-browser': [
    "Open your phone's Settings, then Apps, find the browser you are using, and allow Camera and Microphone.",
    'Come back to this page and reload it. Google Chrome also works for video consultations.',
  ],
  'mac-safari': [
    'In the menu bar, choose Safari, then Settings for this website.',
    'Set Camera and Microphone to Allow.',
    RELOAD,
    'If your Mac still blocks them: open System Settings, Privacy & Security, Camera (and Microphone), and turn on Safari.',
  ],
  'desktop-firefox': [
    'Click the crossed-out camera or microphone icon in the address bar and remove the block.',
    'Reload this page and choose Allow when asked.',
  ],
  'desktop-chrome': [
    'Click the icon to the left of the web address (a padlock or two sliders).',
    'Set Camera and Microphone to Allow.',
    RELOAD,
  ],
  other: [
    'Look for a camera or padlock icon near the web address, and allow the camera and microphone for this site.',
    RELOAD,
  ],
};

const UPDATE_BROWSER: Record<Platform, string[]> = {
  'iphone-safari': [
    'Update your iPhone: open Settings, General, Software Update.',
    'Then open the link from your text message again.',
  ],
  'iphone-other-browser': [
    'Open the link from your text message in Safari.',
    'If it still does not work, update your iPhone in Settings, General, Software Update.',
  ],
  'android-chrome': [
    'Update Google Chrome from the Play Store.',
    'Then open the link from your text message again.',
  ],
  'android-other-browser': [
    'Open the link from your text message in Google Chrome.',
    'If you do not have Chrome, you can get it from the Play Store.',
  ],
  'mac-safari': [
    'Update your Mac (System Settings, General, Software Update), or use Google Chrome or Firefox.',
  ],
  'desktop-firefox': ['Update Firefox (menu, Help, About Firefox), then open the link again.'],
  'desktop-chrome': ['Update your browser (menu, Help, About), then open the link again.'],
  other: [
    'Use an up-to-date Safari, Google Chrome, Microsoft Edge or Firefox, and open the link from your text message again.',
  ],
};

/** The help for one problem, worded for the patient's own device. */
export function helpFor(problem: DeviceProblem, platform: Platform): HelpText {
  switch (problem) {
    case 'permission-denied':
      return { title: 'Allow this page to use your camera and microphone', steps: ALLOW_CAMERA[platform] };
    case 'unsupported-browser':
      return { title: 'Your browser cannot make video calls', steps: UPDATE_BROWSER[platform] };
    case 'insecure-context':
      return {
        title: 'Open the link from your text message',
        steps: [
          'Video calls only work on the secure page. Tap the link in the text message from your GP practice.',
        ],
      };
    case 'no-camera':
      return {
        title: 'We could not find a camera',
        steps: [
          'If your device has a camera, check that no other app (such as FaceTime, WhatsApp, Zoom or Teams) is using it.',
          'If you use a separate webcam, check it is plugged in.',
          'Then try again.',
        ],
      };
    case 'no-microphone':
      return {
        title: 'We could not find a microphone',
        steps: [
          'If you use a headset, check it is plugged in or connected by Bluetooth.',
          'Check that no other app is using the microphone, then try again.',
        ],
      };
    case 'device-in-use':
      return {
        title: 'Your camera or microphone is being used by another app',
        steps: [
          'Close other apps that might use them (video calls, the camera app), then try again.',
          'If that does not help, restart your device.',
        ],
      };
    case 'no-preview':
      return {
        title: 'Your camera is not showing a picture',
        steps: [
          'Check nothing is covering the camera, and that no other app is using it.',
          'Then try again.',
        ],
      };
    case 'microphone-silent':
      return {
        title: 'We could not hear anything from your microphone',
        steps: [
          'Check your microphone is not muted (some headsets have a mute switch).',
          'Say something to test it. You can still continue.',
        ],
      };
    case 'network-unreachable':
      return {
        title: 'We could not reach the video service',
        steps: [
          'Check that Wi-Fi or mobile data is turned on.',
          'If you are on a work or public Wi-Fi, try mobile data instead.',
          'Then try again.',
        ],
      };
    default:
      return {
        title: 'Something went wrong checking your camera and microphone',
        steps: ['Reload this page and try again.'],
      };
  }
}

function problemOf(error: unknown): DeviceProblem {
  const name = (error as { name?: string } | undefined)?.name ?? '';
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError')
    return 'permission-denied';
  if (name === 'NotFoundError' || name === 'DevicesNotFoundError' || name === 'OverconstrainedError')
    return 'no-camera';
  if (name === 'NotReadableError' || name === 'TrackStartError' || name === 'AbortError')
    return 'device-in-use';
  if (name === 'TypeError') return 'unsupported-browser';
  return 'unknown-error';
}

export async function runDeviceCheck(options: DeviceCheckOptions = {}): Promise<DeviceCheckResult> {
  const env = options.env ?? browserEnvironment();
  const platform = detectPlatform(env.userAgent, env.maxTouchPoints);
  const item = (status: CheckStatus, problem?: DeviceProblem): CheckItem =>
    problem ? { status, problem, help: helpFor(problem, platform) } : { status };
  const skipped = item('skipped');

  const result: Omit<DeviceCheckResult, 'ok' | 'summary'> = {
    platform,
    browser: item('pass'),
    permission: skipped,
    camera: skipped,
    microphone: skipped,
    preview: skipped,
    microphoneLevel: skipped,
    network: skipped,
  };

  const networkCheck = options.network
    ? checkNetwork(options.network, env, options.networkTimeoutMs ?? 5_000)
    : undefined;

  if (!env.isSecureContext) result.browser = item('fail', 'insecure-context');
  else if (!env.mediaDevices?.getUserMedia || !env.hasPeerConnection)
    result.browser = item('fail', 'unsupported-browser');

  if (result.browser.status === 'pass' && env.mediaDevices) {
    const media = await openCameraAndMicrophone(env.mediaDevices);
    result.stream = media.stream;
    result.permission =
      media.problem === 'permission-denied' ? item('fail', 'permission-denied') : item('pass');
    const video = media.stream?.getVideoTracks()[0];
    const audio = media.stream?.getAudioTracks()[0];
    result.camera = video
      ? item('pass')
      : item('fail', media.problem === 'permission-denied' ? 'permission-denied' : media.cameraProblem);
    result.microphone = audio
      ? item('pass')
      : item('fail', media.problem === 'permission-denied' ? 'permission-denied' : media.microphoneProblem);
    if (video)
      result.preview =
        video.readyState === 'live' && !video.muted ? item('pass') : item('fail', 'no-preview');
    if (audio && media.stream) {
      const heard = await microphoneMoves(media.stream, env, options.levelWindowMs ?? 3_000, options.onLevel);
      result.microphoneLevel =
        heard === undefined ? skipped : heard ? item('pass') : item('warn', 'microphone-silent');
    }
  }

  if (networkCheck)
    result.network = (await networkCheck) ? item('pass') : item('fail', 'network-unreachable');

  const items = [
    result.browser,
    result.permission,
    result.camera,
    result.microphone,
    result.preview,
    result.microphoneLevel,
    result.network,
  ];
  return {
    ...result,
    ok: items.every((check) => check.status !== 'fail'),
    summary: {
      browserSupported: result.browser.status === 'pass',
      camera: result.camera.status === 'pass',
      microphone: result.microphone.status === 'pass',
      microphoneLevel: result.microphoneLevel.status === 'pass',
      network:
        result.network.status === 'pass'
          ? 'good'
          : result.network.status === 'fail'
            ? 'unreachable'
            : 'not-checked',
    },
  };
}

interface OpenedMedia {
  stream?: MediaStream;
  problem?: DeviceProblem;
  cameraProblem: DeviceProblem;
  microphoneProblem: DeviceProblem;
}

/** Both at once (one permission prompt); if that fails for want of a device, each alone, to say which is missing. */
async function openCameraAndMicrophone(
  devices: NonNullable<DeviceCheckEnvironment['mediaDevices']>,
): Promise<OpenedMedia> {
  try {
    const stream = await devices.getUserMedia({ audio: true, video: { facingMode: 'user' } });
    return { stream, cameraProblem: 'no-camera', microphoneProblem: 'no-microphone' };
  } catch (error) {
    const problem = problemOf(error);
    if (problem !== 'no-camera') return { problem, cameraProblem: problem, microphoneProblem: problem };
  }
  const tracks: MediaStreamTrack[] = [];
  let cameraProblem: DeviceProblem = 'no-camera';
  let microphoneProblem: DeviceProblem = 'no-microphone';
  try {
    tracks.push(...(await devices.getUserMedia({ video: { facingMode: 'user' } })).getVideoTracks());
  } catch (error) {
    cameraProblem = problemOf(error) === 'no-camera' ? 'no-camera' : problemOf(error);
  }
  try {
    tracks.push(...(await devices.getUserMedia({ audio: true })).getAudioTracks());
  } catch (error) {
    microphoneProblem = problemOf(error) === 'no-camera' ? 'no-microphone' : problemOf(error);
  }
  return {
    stream: tracks.length > 0 ? new MediaStream(tracks) : undefined,
    cameraProblem,
    microphoneProblem,
  };
}

/** Listens for up to `windowMs`; true as soon as the level passes the threshold. undefined: cannot measure. */
async function microphoneMoves(
  stream: MediaStream,
  env: DeviceCheckEnvironment,
  windowMs: number,
  onLevel?: (level: number) => void,
): Promise<boolean | undefined> {
  if (!env.createAudioContext) return undefined;
  const context = env.createAudioContext();
  try {
    if (context.state === 'suspended') await context.resume().catch(() => undefined);
    const analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    context.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const deadline = Date.now() + windowMs;
    while (Date.now() < deadline) {
      await new Promise<void>((resolve) => env.setTimeout(resolve, 100));
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const sample of samples) sum += sample * sample;
      const level = Math.sqrt(sum / samples.length);
      onLevel?.(Math.min(1, level * 10));
      if (level > LEVEL_THRESHOLD) return true;
    }
    return false;
  } finally {
    void context.close().catch(() => undefined);
  }
}

async function checkNetwork(
  target: NetworkTarget,
  env: DeviceCheckEnvironment,
  timeoutMs: number,
): Promise<boolean | undefined> {
  if (target.provider === 'local') return pingSignalling(target.signallingUrl, env, timeoutMs);
  if (!target.signalingUrl) return undefined;
  // Any answer at all from the meeting's signalling host means it is reachable; no-cors keeps it cheap.
  const host = new URL(target.signalingUrl).host;
  const controller = new AbortController();
  env.setTimeout(() => controller.abort(), timeoutMs);
  try {
    await env.fetch(`https://${host}/`, { mode: 'no-cors', cache: 'no-store', signal: controller.signal });
    return true;
  } catch {
    return false;
  }
}

function pingSignalling(url: string, env: DeviceCheckEnvironment, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (!env.createWebSocket) return resolve(false);
    let socket: WebSocket;
    try {
      socket = env.createWebSocket(url);
    } catch {
      return resolve(false);
    }
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      socket.close();
      resolve(ok);
    };
    env.setTimeout(() => finish(false), timeoutMs);
    socket.onopen = () => socket.send(JSON.stringify({ type: 'ping' }));
    socket.onmessage = (message) => finish(String(message.data).includes('"pong"'));
    socket.onerror = () => finish(false);
    socket.onclose = () => finish(false);
  });
}

/** Ends the check's stream (when the preview is not handed on to the session). */
export function stopDeviceCheck(result: DeviceCheckResult): void {
  for (const track of result.stream?.getTracks() ?? []) track.stop();
}
