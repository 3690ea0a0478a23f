import '../shared/styles';
import './join.css';
import type { JoinInfo } from '../../layers/meetings/join-info';
import { loadRuntimeConfig, type VideoConfig } from '../shared/runtime-config';
import {
  type DeviceCheckResult,
  type NetworkTarget,
  runDeviceCheck,
  stopDeviceCheck,
} from '../shared/video/device-check';
import type { VideoSession } from '../shared/video/video-session';

/**
 * The patient join page: vanilla TypeScript, no framework, so the page stays far under its JavaScript budget
 * before the video code (the local WebRTC session, or the Chime SDK) is fetched, which happens only once the
 * clinician lets the patient in.
 *
 * Secrets stay out of URLs of our API: the link's token and the join session travel in POST bodies only.
 * What the browser keeps is the join session, in sessionStorage (gone when the tab closes), and only from the
 * right code until the consultation ends. Loading /j/<token> records nothing: "link opened" is reported by
 * this script, so a link-preview bot that fetches the page changes nothing.
 */

type Step = 'code-entry' | 'device-check' | 'waiting' | 'admitted' | 'in-call';
type View = 'loading' | 'gone' | 'code' | 'device' | 'waiting' | 'call' | 'ended';

interface JoinSession {
  token: string;
  session: string;
  hostName: string;
  /** The patient's own join info once let in: a reload rejoins the same seat. */
  joinInfo?: JoinInfo;
}

interface Problem {
  status: number;
  type?: string;
  detail?: string;
}

const STORE_KEY = 'clinic-connect.join';
const TITLES: Record<View, string> = {
  loading: 'Join your video consultation',
  gone: 'This link no longer works',
  code: 'Enter your code',
  device: 'Check your camera and microphone',
  waiting: 'Waiting room',
  call: 'Video consultation',
  ended: 'Consultation ended',
};

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

let apiBase = '/api';
let video: VideoConfig | undefined;
const token = decodeURIComponent(/^\/j\/([^/?#]+)/.exec(location.pathname)?.[1] ?? '');
let join: JoinSession | undefined;
let step: Step = 'code-entry';
let opened = false;
let finished = false;
let check: DeviceCheckResult | undefined;
let session: VideoSession | undefined;
let pollTimer: ReturnType<typeof setTimeout> | undefined;

function show(view: View, focus = true): void {
  for (const section of document.querySelectorAll<HTMLElement>('.cc-view')) {
    section.hidden = section.id !== `view-${view}`;
  }
  document.title = `${TITLES[view]} – NHS`;
  if (focus) $('maincontent').focus({ preventScroll: false });
}

function announce(text: string): void {
  $('announce').textContent = text;
}

function save(): void {
  if (join) sessionStorage.setItem(STORE_KEY, JSON.stringify(join));
}

function forget(): void {
  sessionStorage.removeItem(STORE_KEY);
}

function restore(): JoinSession | undefined {
  try {
    const stored = JSON.parse(sessionStorage.getItem(STORE_KEY) ?? 'null') as JoinSession | null;
    return stored && stored.token === token ? stored : undefined;
  } catch {
    return undefined;
  }
}

async function post<T>(path: string, body: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${apiBase}/join/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw {
      status: 0,
      detail: 'We could not reach the service. Check your internet connection and try again.',
    };
  }
  const text = await response.text();
  const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!response.ok) {
    throw {
      status: response.status,
      type: typeof json.type === 'string' ? json.type : undefined,
      detail: typeof json.detail === 'string' ? json.detail : 'Something went wrong. Try again.',
    } satisfies Problem;
  }
  return json as T;
}

const isProblem = (value: unknown): value is Problem =>
  typeof value === 'object' && value !== null && 'status' in value;

function gone(text?: string): void {
  finished = true;
  forget();
  if (text) $('gone-text').textContent = text;
  show('gone');
}

function ended(title: string, text: string): void {
  finished = true;
  clearTimeout(pollTimer);
  forget();
  if (check) stopDeviceCheck(check);
  $('ended-title').textContent = title;
  $('ended-text').textContent = text;
  show('ended');
}

/** Leaving on purpose: dissent, recorded with the step. The page close (pagehide) is the beacon below. */
async function leave(): Promise<void> {
  if (finished) return;
  finished = true;
  clearTimeout(pollTimer);
  const body = { token, session: join?.session, step, how: 'button' as const };
  await session?.leave().catch(() => undefined);
  await post('leave', body).catch(() => undefined);
  ended('You have left the consultation', 'Your practice has been told. You can close this page.');
}

/** The page is going away (closed, or reloaded: a reload comes back within the minute and is not dissent). */
function onPageHide(): void {
  if (!opened || finished) return;
  const body = JSON.stringify({
    token,
    ...(join ? { session: join.session } : {}),
    step,
    how: 'page-closed',
  });
  const url = `${apiBase}/join/leave`;
  const sent = navigator.sendBeacon?.(url, new Blob([body], { type: 'application/json' }));
  if (!sent) {
    void fetch(url, {
      method: 'POST',
      body,
      keepalive: true,
      headers: { 'content-type': 'application/json' },
    });
  }
}

// ---- the code ------------------------------------------------------------------------------------------

function codeError(message: string | undefined): void {
  const summary = $('code-error-summary');
  const group = $('code-group');
  const error = $('join-code-error');
  const input = $<HTMLInputElement>('join-code');
  if (!message) {
    summary.hidden = true;
    error.hidden = true;
    group.classList.remove('nhsuk-form-group--error');
    input.classList.remove('nhsuk-input--error');
    input.setAttribute('aria-describedby', 'join-code-hint');
    document.title = `${TITLES.code} – NHS`;
    return;
  }
  $('code-error-link').textContent = message;
  error.innerHTML = '';
  const hidden = document.createElement('span');
  hidden.className = 'nhsuk-u-visually-hidden';
  hidden.textContent = 'Error: ';
  error.append(hidden, message);
  error.hidden = false;
  summary.hidden = false;
  group.classList.add('nhsuk-form-group--error');
  input.classList.add('nhsuk-input--error');
  input.setAttribute('aria-describedby', 'join-code-hint join-code-error');
  document.title = `Error: ${TITLES.code} – NHS`;
  summary.focus();
}

let consentVersion = '';

async function submitCode(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const input = $<HTMLInputElement>('join-code');
  const code = input.value.replace(/\s/g, '');
  if (!/^\d{6}$/.test(code)) {
    codeError(
      code
        ? 'Enter the 6 digits of the code from your text message'
        : 'Enter the 6-digit code from your text message',
    );
    return;
  }
  const button = $<HTMLButtonElement>('code-submit');
  button.disabled = true;
  try {
    const accepted = await post<{ session: string; hostName: string }>('code', {
      token,
      code,
      wordingVersion: consentVersion,
    });
    join = { token, session: accepted.session, hostName: accepted.hostName };
    save();
    codeError(undefined);
    input.value = '';
    await startDeviceCheck();
  } catch (error) {
    if (!isProblem(error)) throw error;
    if (error.status === 404) return gone();
    if (error.status === 403 || error.status === 409) return gone(error.detail);
    codeError(error.detail);
  } finally {
    button.disabled = false;
  }
}

async function stopTexts(): Promise<void> {
  const button = $<HTMLButtonElement>('stop-texts');
  button.disabled = true;
  try {
    const { message } = await post<{ message: string }>('stop-texts', { token });
    button.hidden = true;
    const done = $('stop-texts-done');
    done.textContent = message;
    done.hidden = false;
    announce(message);
  } catch (error) {
    button.disabled = false;
    if (isProblem(error) && error.status === 404) gone();
  }
}

// ---- the device check ------------------------------------------------------------------------------------

function networkTarget(): NetworkTarget | undefined {
  if (video?.provider === 'local-webrtc' && video.signallingUrl) {
    const url = /^wss?:/.test(video.signallingUrl)
      ? video.signallingUrl
      : `${location.origin.replace(/^http/, 'ws')}${video.signallingUrl}`;
    return { provider: 'local', signallingUrl: url };
  }
  // Chime: the meeting (and so its media host) exists only once the clinician lets the patient in.
  return undefined;
}

const CHECK_LABELS: [keyof DeviceCheckResult & string, string][] = [
  ['browser', 'Your browser can make video calls'],
  ['permission', 'This page may use your camera and microphone'],
  ['camera', 'A camera was found'],
  ['microphone', 'A microphone was found'],
  ['preview', 'You can see yourself'],
  ['microphoneLevel', 'Your microphone can hear you'],
  ['network', 'Your internet connection reaches the video service'],
];

async function startDeviceCheck(): Promise<void> {
  step = 'device-check';
  show('device');
  $('device-continue').hidden = true;
  $('device-retry').hidden = true;
  $('device-help').hidden = true;
  const results = $('device-results');
  results.textContent = '';
  const checking = document.createElement('li');
  checking.textContent = 'Checking…';
  results.append(checking);
  if (check) stopDeviceCheck(check);
  const meter = $<HTMLMeterElement>('mic-level');
  const preview = $<HTMLVideoElement>('preview');
  const network = networkTarget();
  check = await runDeviceCheck({
    ...(network ? { network } : {}),
    onLevel: (level) => {
      meter.value = level;
    },
  });
  if (check.stream) {
    preview.srcObject = check.stream;
    void preview.play().catch(() => undefined);
  }
  results.textContent = '';
  let firstProblem: DeviceCheckResult['camera'] | undefined;
  for (const [key, label] of CHECK_LABELS) {
    const item = check[key] as DeviceCheckResult['camera'];
    if (item.status === 'skipped' && key !== 'network') continue;
    const li = document.createElement('li');
    const mark =
      item.status === 'pass' ? '✓' : item.status === 'fail' ? '✗' : item.status === 'warn' ? '!' : '–';
    const words =
      item.status === 'pass'
        ? 'yes'
        : item.status === 'fail'
          ? 'no'
          : item.status === 'warn'
            ? 'not sure'
            : 'checked when you join';
    li.innerHTML = '';
    const symbol = document.createElement('span');
    symbol.setAttribute('aria-hidden', 'true');
    symbol.textContent = `${mark} `;
    li.append(symbol, `${label}: ${words}`);
    li.className = `cc-check cc-check--${item.status}`;
    results.append(li);
    if (!firstProblem && (item.status === 'fail' || item.status === 'warn') && item.help) firstProblem = item;
  }
  if (firstProblem?.help) {
    $('device-help-title').textContent = firstProblem.help.title;
    const steps = $('device-help-steps');
    steps.textContent = '';
    for (const text of firstProblem.help.steps) {
      const li = document.createElement('li');
      li.textContent = text;
      steps.append(li);
    }
    $('device-help').hidden = false;
  }
  $('device-continue').hidden = !check.ok;
  $('device-retry').hidden = check.ok && !firstProblem;
  announce(
    check.ok
      ? 'Your camera and microphone are working.'
      : 'There is a problem with your camera or microphone.',
  );
  if (join) {
    const connection = (navigator as Navigator & { connection?: { type?: string; effectiveType?: string } })
      .connection;
    const networkType = connection?.type ?? connection?.effectiveType;
    await post('device-check', {
      token,
      session: join.session,
      summary: check.summary,
      ...(networkType && /^[a-z0-9-]{1,20}$/.test(networkType) ? { networkType } : {}),
    }).catch((error: unknown) => {
      if (isProblem(error) && error.status === 404) gone();
    });
  }
}

// ---- the waiting room and the call -------------------------------------------------------------------------

interface JoinStatus {
  state: 'device-check' | 'waiting' | 'admitted' | 'in-call' | 'ended';
  hostName: string;
  joinInfo: JoinInfo | null;
  endedText: string | null;
  pollAfterMs: number;
}

async function enterWaitingRoom(): Promise<void> {
  if (!join) return;
  if (check) stopDeviceCheck(check);
  check = undefined;
  $<HTMLVideoElement>('preview').srcObject = null;
  step = 'waiting';
  $('waiting-text').textContent = `${join.hostName} will let you in soon.`;
  show('waiting');
  try {
    onStatus(await post<JoinStatus>('wait', { token, session: join.session }));
  } catch (error) {
    onStatusError(error);
  }
}

function onStatusError(error: unknown): void {
  if (!isProblem(error)) return;
  if (error.status === 404 || error.status === 403) {
    gone(error.detail);
    return;
  }
  // A passing network problem: ask again shortly.
  pollTimer = setTimeout(poll, 2_000);
}

async function poll(): Promise<void> {
  if (!join || finished) return;
  try {
    onStatus(await post<JoinStatus>('status', { token, session: join.session }));
  } catch (error) {
    onStatusError(error);
  }
}

function onStatus(status: JoinStatus): void {
  if (!join || finished) return;
  if (status.state === 'ended') {
    ended('The consultation has ended', status.endedText ?? 'You can close this page.');
    return;
  }
  if (status.joinInfo) {
    join.joinInfo = status.joinInfo;
    save();
  }
  if (status.state === 'admitted' || status.state === 'in-call') {
    if (join.joinInfo) void startCall(join.joinInfo);
    // Handed out once, to a page that has lost it: only a new link can help now.
    else ended('We could not connect the video', 'Contact the practice: they can send you a new link.');
    return;
  }
  pollTimer = setTimeout(poll, status.pollAfterMs || 1_000);
}

function setPressed(id: string, pressed: boolean, text: string): void {
  const button = $(id);
  button.setAttribute('aria-pressed', String(pressed));
  button.textContent = text;
}

async function startCall(joinInfo: JoinInfo): Promise<void> {
  if (session || !join) return;
  step = 'admitted';
  show('call');
  announce(`${join.hostName} has let you in.`);
  $('call-waiting-text').hidden = false;
  $('remote').setAttribute('aria-label', `${join.hostName}'s video`);
  // The video code is fetched only now: the Chime SDK is a chunk of its own.
  const { createVideoSession } = await import('../shared/video/create-video-session');
  const current = await createVideoSession(video);
  session = current;
  current.bind({
    local: $<HTMLVideoElement>('self'),
    remote: $<HTMLVideoElement>('remote'),
    audio: $<HTMLAudioElement>('remote-audio'),
  });
  const status = $('call-status');
  current.on('reconnecting', () => {
    status.hidden = false;
    $('call-status-text').textContent = 'Your connection was lost. Trying to reconnect…';
    announce('Reconnecting');
  });
  current.on('reconnected', () => {
    status.hidden = true;
    announce('Reconnected');
  });
  current.on('remote-joined', () => {
    step = 'in-call';
    $('call-waiting-text').hidden = true;
    status.hidden = true;
  });
  current.on('remote-left', (event) => {
    if (event.reason === 'dropped') {
      status.hidden = false;
      $('call-status-text').textContent =
        `${join?.hostName ?? 'The clinician'} lost their connection. Waiting for them to come back…`;
    }
  });
  current.on('ended', (event) => {
    if (finished) return;
    if (event.reason === 'left') return;
    ended(
      'The consultation has ended',
      event.reason === 'replaced'
        ? 'This consultation was opened on another device.'
        : 'Thank you. You can close this page.',
    );
  });
  try {
    await current.join(joinInfo);
  } catch {
    if (!finished) {
      ended('We could not connect the video', 'Contact the practice: they can send you a new link.');
    }
  }
}

async function toggleMute(): Promise<void> {
  if (!session) return;
  if (session.muted) session.unmute();
  else session.mute();
  setPressed('call-mute', session.muted, session.muted ? 'Unmute microphone' : 'Mute microphone');
  announce(session.muted ? 'Microphone muted' : 'Microphone on');
}

async function toggleCamera(): Promise<void> {
  if (!session) return;
  if (session.cameraIsOn) await session.cameraOff();
  else await session.cameraOn();
  setPressed('call-camera', !session.cameraIsOn, session.cameraIsOn ? 'Turn camera off' : 'Turn camera on');
  announce(session.cameraIsOn ? 'Camera on' : 'Camera off');
}

// ---- start -------------------------------------------------------------------------------------------------

async function start(): Promise<void> {
  $<HTMLFormElement>('code-form').addEventListener('submit', (event) => void submitCode(event));
  $('stop-texts').addEventListener('click', () => void stopTexts());
  $('device-retry').addEventListener('click', () => void startDeviceCheck());
  $('device-continue').addEventListener('click', () => void enterWaitingRoom());
  for (const id of ['device-leave', 'waiting-leave', 'call-leave']) {
    $(id).addEventListener('click', () => void leave());
  }
  $('call-mute').addEventListener('click', () => void toggleMute());
  $('call-camera').addEventListener('click', () => void toggleCamera());
  addEventListener('pagehide', onPageHide);

  if (!/^[A-Za-z0-9_-]{16,64}$/.test(token)) return gone();
  try {
    const config = await loadRuntimeConfig();
    apiBase = config.apiBase;
    video = config.video;
  } catch {
    $('loading-text').textContent = 'The service is not available at the moment. Try again in a few minutes.';
    return;
  }
  // Only a page someone looks at reports "link opened" (a preview that renders in the background does not).
  if (document.visibilityState !== 'visible') {
    await new Promise<void>((resolve) =>
      document.addEventListener('visibilitychange', function visible() {
        if (document.visibilityState !== 'visible') return;
        document.removeEventListener('visibilitychange', visible);
        resolve();
      }),
    );
  }
  join = restore();
  let link: { practiceName: string; consentText: string; wordingVersion: string; resume: string | null };
  try {
    link = await post('open', { token, ...(join ? { session: join.session } : {}) });
  } catch (error) {
    if (isProblem(error) && (error.status === 404 || error.status === 403)) return gone(error.detail);
    $('loading-text').textContent = isProblem(error) ? (error.detail ?? '') : 'Something went wrong.';
    return;
  }
  opened = true;
  consentVersion = link.wordingVersion;
  $('practice-name').textContent = link.practiceName;
  $('consent-text').textContent = link.consentText;
  if (!join || !link.resume) {
    join = undefined;
    forget();
    show('code', false);
    return;
  }
  if (link.resume === 'device-check') return startDeviceCheck();
  if (link.resume === 'waiting') return enterWaitingRoom();
  if (join.joinInfo) return startCall(join.joinInfo);
  return enterWaitingRoom();
}

void start();
