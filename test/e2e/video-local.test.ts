import { mkdtempSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { build, type Manifest } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newConsultationState, transition } from '../../functions/consultations/consultation-state';
import { LocalMeetings } from '../../infra/local/meetings/local-meetings';
import { createSignallingServer, type SignallingServer } from '../../infra/local/meetings/signalling-server';
import type { JoinInfo } from '../../layers/meetings/join-info';
import type { MeetingEvent } from '../../layers/meetings/meeting-events';
import { launchChromium, watchForErrors } from '../support/browser';
import { peerConnections, recordPeerConnections } from '../support/peer-connections';

/**
 * Two people on video through the local media path, in headless Chromium with fake camera and microphone:
 * the clinician creates and joins, the patient checks their device, joins and waits (no video reaches them,
 * none leaves them), is admitted (both sides decode frames), loses their connection (Dropped, then Joined
 * again with the same token) and leaves (Left: dissent). The harness page is built with Vite from
 * test/e2e/video-harness and uses the product's own `createVideoSession` and `runDeviceCheck`.
 */

const HARNESS = fileURLToPath(new URL('./video-harness/', import.meta.url));
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

interface RemoteVideo {
  tracks: number;
  decoded: number;
  callbacks: number;
  firstFrameAt: number;
  lastFrameAt: number;
  width: number;
}

type Harness = {
  events: { type: string; at: number; reason?: string }[];
  deviceCheck(
    url: string,
  ): Promise<{ ok: boolean; summary: Record<string, unknown>; statuses: Record<string, string> }>;
  join(joinInfo: JoinInfo): Promise<void>;
  remoteVideo(): RemoteVideo;
  localPreview(): { width: number; playing: boolean };
  leave(): Promise<void>;
  storage(): { local: number; session: number };
  chimeSdkCheck(joinInfo: JoinInfo): Promise<Record<string, unknown>>;
  camera(on: boolean): Promise<{ cameraIsOn: boolean; liveVideoTracks: number }>;
};

declare global {
  interface Window {
    harness: Harness;
  }
}

let outDir: string;
let manifest: Manifest;
let http: Server;
let origin: string;
let signalling: SignallingServer;
let meetings: LocalMeetings;
const events: MeetingEvent[] = [];
let browser: Browser;

async function until<T>(
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
  what: string,
  options: { timeoutMs?: number; explain?: () => Promise<unknown> } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) {
      const why = options.explain ? ` (${JSON.stringify(await options.explain().catch(String))})` : '';
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const remoteVideo = (page: Page) => page.evaluate(() => window.harness.remoteVideo());
const pageEvents = (page: Page) => page.evaluate(() => window.harness.events.map((e) => e.type));

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'cc-video-harness-'));
  await build({
    root: HARNESS,
    configFile: false,
    logLevel: 'warn',
    base: '/',
    // The Chime SDK chunk is big by nature; it is checked below to be fetched only on demand.
    build: {
      outDir,
      emptyOutDir: true,
      manifest: true,
      target: 'es2022',
      minify: true,
      chunkSizeWarningLimit: 5_000,
    },
  });
  manifest = JSON.parse(await readFile(join(outDir, '.vite', 'manifest.json'), 'utf8')) as Manifest;

  http = createServer(async (req, res) => {
    const path = normalize(new URL(req.url ?? '/', 'http://x').pathname).replace(/^(\.\.[/\\])+/, '');
    const file = join(outDir, path === '/' ? 'index.html' : path);
    const body = await readFile(file).catch(() => undefined);
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address();
  origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  meetings = new LocalMeetings({ signallingUrl: `${origin.replace('http', 'ws')}/meetings/signalling` });
  meetings.onMeetingEvent((event) => events.push(event));
  signalling = createSignallingServer({ meetings, allowedOrigins: [origin] });
  http.on('upgrade', (req, socket, head) => {
    if (!signalling.handleUpgrade(req, socket, head)) socket.destroy();
  });

  browser = await launchChromium([
    '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream',
    '--allow-loopback-in-peer-connection',
    '--autoplay-policy=no-user-gesture-required',
  ]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await signalling?.close();
  http?.closeAllConnections();
  await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
});

describe('a video consultation on the local media path', () => {
  it('keeps the Chime SDK out of the page: a chunk of its own, fetched only by import()', () => {
    const entry = Object.values(manifest).find((chunk) => chunk.isEntry);
    const chime = Object.entries(manifest).find(([key]) => key.includes('chime-session'));
    expect(entry).toBeDefined();
    expect(chime, 'chime-session chunk').toBeDefined();
    const staticallyLoaded = new Set<string>();
    const visit = (key: string) => {
      if (staticallyLoaded.has(key)) return;
      staticallyLoaded.add(key);
      for (const imported of manifest[key]?.imports ?? []) visit(imported);
    };
    const entryKey = Object.keys(manifest).find((key) => manifest[key]?.isEntry) ?? '';
    visit(entryKey);
    expect(staticallyLoaded.has(chime?.[0] ?? '')).toBe(false);
    expect(entry?.dynamicImports).toEqual(expect.arrayContaining([chime?.[0]]));
    const gzipKb = (file: string) => (gzipSync(readFileSync(join(outDir, file))).length / 1024).toFixed(1);
    const chunk = (part: string) => Object.entries(manifest).find(([key]) => key.includes(part))?.[1];
    const sdk = chunk('amazon-chime-sdk-js');
    expect(sdk, 'the Chime SDK chunk').toBeDefined();
    expect([...staticallyLoaded].some((key) => key.includes('amazon-chime-sdk-js'))).toBe(false);
    console.log(
      `video chunks (gzipped): page entry ${gzipKb(entry?.file ?? '')} KB, local WebRTC session ${gzipKb(chunk('local-webrtc-session')?.file ?? '')} KB, Chime session ${gzipKb(chime?.[1].file ?? '')} KB + Chime SDK ${gzipKb(sdk?.file ?? '')} KB`,
    );
  });

  it('the Chime SDK loads in the browser from that chunk and accepts our join info as it is', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchForErrors(page);

    await page.goto(`${origin}/`);
    await page.waitForSelector('body[data-ready]');
    const joinInfo: JoinInfo = {
      provider: 'chime',
      meeting: {
        meetingId: '11111111-2222-4333-8444-555555555555',
        externalMeetingId: 'cons_e2e_chime',
        mediaRegion: 'eu-west-2',
        mediaPlacement: {
          signalingUrl: 'wss://signal.m1.ew2.app.chime.aws/control/11111111-2222-4333-8444-555555555555',
          audioHostUrl: 'abc.k.m1.ew2.app.chime.aws:3478',
          audioFallbackUrl: 'wss://haxrp.m1.ew2.app.chime.aws:443/calls/11111111-2222-4333-8444-555555555555',
        },
        meetingFeatures: { videoMaxResolution: 'HD', contentMaxResolution: 'None', attendeeMaxCount: 2 },
      },
      attendee: {
        attendeeId: 'aaaaaaaa-0000-4000-8000-000000000002',
        externalUserId: 'inv_e2e',
        joinToken: 'fake-join-token',
        capabilities: { audio: 'None', video: 'None', content: 'None' },
      },
    };
    expect(await page.evaluate((info) => window.harness.chimeSdkCheck(info), joinInfo)).toMatchObject({
      meetingId: joinInfo.meeting.meetingId,
      attendeeId: joinInfo.attendee.attendeeId,
      joinTokenMatches: true,
      signalingURL: joinInfo.meeting.mediaPlacement.signalingUrl,
      audioHostURL: joinInfo.meeting.mediaPlacement.audioHostUrl,
      cameras: 1,
    });
    expect(await page.evaluate((info) => window.harness.chimeSdkCheck(info), joinInfo)).toHaveProperty(
      'microphones',
      expect.any(Number),
    );
    expect(errors).toEqual([]);
    await context.close();
  });

  it('connects, waits without media, admits, survives a drop and records the patient leaving', async () => {
    const clinicianContext = await browser.newContext();
    const patientContext = await browser.newContext();
    const clinician = await clinicianContext.newPage();
    const patient = await patientContext.newPage();
    await Promise.all([clinician, patient].map((page) => recordPeerConnections(page)));
    const errors = [...watchForErrors(clinician), ...watchForErrors(patient)];
    await clinician.goto(`${origin}/`);
    await patient.goto(`${origin}/`);
    await clinician.waitForSelector('body[data-ready]');
    await patient.waitForSelector('body[data-ready]');

    const created = await meetings.createMeeting({
      consultationId: `cons_e2e_${Date.now()}`,
      mediaRegion: 'eu-west-2',
      clinicianExternalId: 'stf_e2e',
      patientExternalId: 'inv_e2e',
      tags: { practice: 'demo', stage: 'local' },
    });
    const ids = {
      clinician: created.clinician.attendee.attendeeId,
      patient: created.patient.attendee.attendeeId,
    };
    let consultation = newConsultationState({
      meetingId: created.meeting.meetingId,
      clinicianAttendeeId: ids.clinician,
      patientAttendeeId: ids.patient,
    });
    meetings.onMeetingEvent((event) => {
      consultation = transition(consultation, { kind: 'meeting-event', event }).state;
    });
    const seen = (type: string, who: string) =>
      events.filter((e) => e.type === type && 'attendeeId' in e && e.attendeeId === who).length;

    await clinician.evaluate((joinInfo) => window.harness.join(joinInfo), created.clinician);

    // The patient's device check: fake camera and microphone, and the signalling server answers a ping.
    const check = await patient.evaluate(
      (url) => window.harness.deviceCheck(url),
      created.meeting.mediaPlacement.signalingUrl,
    );
    expect(check.statuses).toEqual({
      browser: 'pass',
      permission: 'pass',
      camera: 'pass',
      microphone: 'pass',
      preview: 'pass',
      microphoneLevel: 'pass',
      network: 'pass',
    });
    expect(check.summary).toEqual({
      browserSupported: true,
      camera: true,
      microphone: true,
      microphoneLevel: true,
      network: 'good',
    });

    await patient.evaluate((joinInfo) => window.harness.join(joinInfo), created.patient);
    await until(
      () => patient.evaluate(() => window.harness.localPreview()),
      (p) => p.width > 0,
      'the patient seeing themself',
    );

    // Waiting room: a second and a half in, neither side has a video track of the other, nor any frame.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    for (const page of [clinician, patient]) {
      expect(await remoteVideo(page)).toMatchObject({ tracks: 0, decoded: 0, callbacks: 0 });
    }
    expect(signalling.stats()).toEqual({ relayed: 0, refused: 0 });
    expect(await pageEvents(patient)).toEqual(['connected', 'remote-joined']);
    expect(consultation.phase).toBe('waiting');

    const admitAt = Date.now();
    consultation = transition(consultation, { kind: 'admit', at: admitAt }).state;
    await meetings.admit(created.meeting.meetingId, ids.patient);
    const [atClinician, atPatient] = await Promise.all(
      [clinician, patient].map((page) =>
        until(
          () => remoteVideo(page),
          (v) => v.firstFrameAt > 0,
          'first remote frame',
        ),
      ),
    );
    const bothShowing = Math.max(atClinician?.firstFrameAt ?? 0, atPatient?.firstFrameAt ?? 0) - admitAt;
    console.log(
      `admit → both sides showing the other's video: ${bothShowing} ms (clinician ${(atClinician?.firstFrameAt ?? 0) - admitAt} ms, patient ${(atPatient?.firstFrameAt ?? 0) - admitAt} ms)`,
    );
    expect(consultation.phase).toBe('in-call');
    for (const page of [clinician, patient]) {
      const first = await remoteVideo(page);
      const later = await until(
        () => remoteVideo(page),
        (v) => v.decoded > first.decoded + 5,
        'frames decoding',
      );
      expect(later.tracks).toBe(1);
      expect(later.width).toBeGreaterThan(0);
    }
    expect(await pageEvents(patient)).toContain('admitted');
    // One side offered and the other answered: no glare, so no offer was rolled back (when both offered, the
    // side that rolled back sometimes never gathered ICE candidates again, and neither side got media).
    const [clinicianSide, patientSide] = await Promise.all(
      [clinician, patient].map(async (page) => (await peerConnections(page))[0]?.history),
    );
    const firstSignalling = (history: string[] | undefined) =>
      history?.find((state) => !state.startsWith('gathering:'));
    expect([clinicianSide, patientSide].map(firstSignalling).sort()).toEqual([
      'have-local-offer',
      'have-remote-offer',
    ]);

    // Camera off means off: the device is released (its light goes out) and the other side gets no frames.
    expect(await clinician.evaluate(() => window.harness.camera(false))).toEqual({
      cameraIsOn: false,
      liveVideoTracks: 0,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const paused = await remoteVideo(patient);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect((await remoteVideo(patient)).callbacks - paused.callbacks).toBeLessThanOrEqual(1);
    expect(await clinician.evaluate(() => window.harness.camera(true))).toEqual({
      cameraIsOn: true,
      liveVideoTracks: 1,
    });
    await until(
      () => remoteVideo(patient),
      (v) => v.callbacks > paused.callbacks + 10,
      'video again after camera on',
    );

    // The patient's connection is lost: Dropped, not Left; they come back with the same join token.
    const framesBeforeDrop = (await remoteVideo(clinician)).callbacks;
    expect(signalling.dropConnection(ids.patient)).toBe(true);
    await until(
      async () => seen('AttendeeDropped', ids.patient),
      (n) => n === 1,
      'AttendeeDropped',
    );
    await until(
      async () => seen('AttendeeJoined', ids.patient),
      (n) => n === 2,
      'AttendeeJoined again',
    );
    expect(seen('AttendeeLeft', ids.patient)).toBe(0);
    expect(consultation.dissent).toBeUndefined();
    await until(
      () => pageEvents(patient),
      (e) => e.includes('reconnected'),
      'the patient page reconnected',
    );
    expect(await pageEvents(patient)).toEqual(expect.arrayContaining(['reconnecting', 'reconnected']));
    expect(
      await clinician.evaluate(() =>
        window.harness.events.filter((e) => e.type === 'remote-left').map((e) => e.reason),
      ),
    ).toEqual(['dropped']);
    await until(
      () => remoteVideo(clinician),
      (v) => v.callbacks > framesBeforeDrop + 10 && v.tracks === 1,
      'video after the rejoin',
      { explain: () => peerConnections(clinician) },
    );
    await until(
      () => remoteVideo(patient),
      (v) => v.tracks === 1 && v.lastFrameAt > Date.now() - 1_000,
      'patient video after the rejoin',
      { explain: () => peerConnections(patient) },
    );
    expect(consultation.patient.presence).toBe('joined');

    // Leaving on purpose is Left: dissent, recorded once, and the clinician hears of it.
    await patient.evaluate(() => window.harness.leave());
    await until(
      async () => seen('AttendeeLeft', ids.patient),
      (n) => n === 1,
      'AttendeeLeft',
    );
    await until(
      () =>
        clinician.evaluate(() =>
          window.harness.events.filter((e) => e.type === 'remote-left').map((e) => e.reason),
        ),
      (reasons) => reasons.includes('left'),
      'the clinician told the patient left',
    );
    expect(consultation.dissent).toMatchObject({ step: 'in-call', reason: 'left-meeting' });
    expect(consultation.ended?.reason).toBe('patient-left');
    expect(seen('AttendeeDropped', ids.patient)).toBe(1);

    // Nothing of the call is kept in either browser.
    for (const page of [clinician, patient])
      expect(await page.evaluate(() => window.harness.storage())).toEqual({ local: 0, session: 0 });
    expect(errors).toEqual([]);
    await clinicianContext.close();
    await patientContext.close();
  });
});
