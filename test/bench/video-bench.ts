import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { REPO_ROOT } from '../../infra/config';
import { launchChromium, signInThroughConsole } from '../support/browser';
import { invite, lookUp, patientsWithMobiles, phoneMessages, waitForStatus } from '../support/invites';
import { startTestStack } from '../support/local-stack';
import { signedInDemoMember } from '../support/lookups';
import { peerConnections, recordPeerConnections } from '../support/peer-connections';
import { percentile, round } from './stats';

/** The budget: the join page's JavaScript before the video SDK is fetched. */
export const JOIN_JS_BUDGET_GZIP_KB = 60;
/** Goal: from "Admit" to both sides showing the other's video, locally, p50. */
export const ADMIT_TO_VIDEO_GOAL_MS = 2_000;

const DIST = join(REPO_ROOT, 'web', 'dist');

/**
 * What the join page loads before anything else happens: the scripts its HTML names (the entry and its
 * modulepreloads). The video session chunks (local WebRTC, Chime and the SDK) come by import() only, once the
 * patient is let in, and are listed beside it.
 */
export async function joinPageScripts() {
  const html = await readFile(join(DIST, 'join', 'index.html'), 'utf8');
  const files = [
    ...html.matchAll(/<script[^>]+src="([^"]+\.js)"/g),
    ...html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+\.js)"/g),
  ].map((match) => match[1] as string);
  const sizes = await Promise.all(
    files.map(async (file) => {
      const code = await readFile(join(DIST, file));
      return { file, bytes: code.length, gzipBytes: gzipSync(code).length };
    }),
  );
  const gzipKb = round(sizes.reduce((sum, s) => sum + s.gzipBytes, 0) / 1024, 1);
  const assets = await import('node:fs/promises').then((fs) => fs.readdir(join(DIST, 'assets')));
  const later = async (pattern: RegExp) => {
    const file = assets.find((name) => pattern.test(name));
    if (!file) return undefined;
    return round(gzipSync(await readFile(join(DIST, 'assets', file))).length / 1024, 1);
  };
  return {
    beforeVideoGzipKb: gzipKb,
    budgetGzipKb: JOIN_JS_BUDGET_GZIP_KB,
    files: sizes,
    onDemandGzipKb: {
      localWebRtcSession: await later(/^local-webrtc-session-.*\.js$/),
      chimeSession: await later(/^chime-session-.*\.js$/),
    },
  };
}

const VIDEO_FLAGS = [
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
];

/** A mid-range phone on a poor mobile connection (Lighthouse's "Slow 4G" and 4× CPU slowdown). */
const THROTTLED_MOBILE = {
  latencyMs: 150,
  downloadBytesPerSecond: (1.6 * 1024 * 1024) / 8,
  uploadBytesPerSecond: (750 * 1024) / 8,
  cpuSlowdown: 4,
};

async function throttled(browser: Browser): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    userAgent:
      'Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: THROTTLED_MOBILE.latencyMs,
    downloadThroughput: THROTTLED_MOBILE.downloadBytesPerSecond,
    uploadThroughput: THROTTLED_MOBILE.uploadBytesPerSecond,
  });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: THROTTLED_MOBILE.cpuSlowdown });
  return page;
}

type Stack = Awaited<ReturnType<typeof startTestStack>>;

async function invited(
  stack: Stack,
  token: string,
  patient: { nhsNumber: string; birthDate: string; mobile: string },
) {
  const { lookupId } = await lookUp(stack, token, patient.nhsNumber, patient.birthDate);
  const made = await invite(stack, token, { lookupId });
  const inviteId = String(made.body.inviteId);
  await waitForStatus(stack, token, inviteId, ['delivered']);
  const [message] = await phoneMessages(stack, patient.mobile);
  return {
    inviteId,
    code: /\b(\d{6})\b/.exec(message?.text ?? '')?.[1] ?? '',
    link: /https?:\/\/\S+\/j\/[A-Za-z0-9_-]+/.exec(message?.text ?? '')?.[0] ?? '',
  };
}

const decoded = (page: Page, selector: string) =>
  page.evaluate(
    (s) => document.querySelector<HTMLVideoElement>(s)?.getVideoPlaybackQuality().totalVideoFrames ?? 0,
    selector,
  );

async function until(
  probe: () => Promise<boolean>,
  what: string,
  explain?: () => Promise<unknown>,
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) {
      const seen = explain ? ` (${JSON.stringify(await explain().catch(String))})` : '';
      throw new Error(`timed out waiting for ${what}${seen}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * First render of the join page on a throttled phone, and "Admit" to video both ways, on the local stack in
 * headless Chromium with fake camera and microphone. `runs` of each, every run a fresh invitation and fresh
 * browser contexts (no cache).
 */
export async function benchVideo(runs: number) {
  const scripts = await joinPageScripts();
  const made = await patientsWithMobiles(
    Array.from({ length: runs * 2 }, (_, i) => `+4477009008${String(i).padStart(2, '0')}`),
  );
  const stack = await startTestStack({ pdsPatientsDir: made.dir });
  const browser = await launchChromium(VIDEO_FLAGS);
  try {
    const token = (await signedInDemoMember(stack, 'clinician')).token;
    const firstPaint: number[] = [];
    const codeReady: number[] = [];
    for (let run = 0; run < runs; run++) {
      const patient = made.patients[run];
      if (!patient) break;
      const sent = await invited(stack, token, patient);
      const page = await throttled(browser);
      const started = Date.now();
      await page.goto(sent.link);
      await page.waitForSelector('#view-code:not([hidden])', { timeout: 60_000 });
      codeReady.push(Date.now() - started);
      firstPaint.push(
        await page.evaluate(
          () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN,
        ),
      );
      await page.context().close();
    }

    const clinicianContext = await browser.newContext();
    const clinician = await clinicianContext.newPage();
    await recordPeerConnections(clinician);
    const member = stack.demo.staff.find((s) => s.role === 'clinician');
    if (!member) throw new Error('no demo clinician');
    await signInThroughConsole(clinician, stack.url, member);
    const admitToVideo: number[] = [];
    for (let run = 0; run < runs; run++) {
      const patientRecord = made.patients[runs + run];
      if (!patientRecord) break;
      const sent = await invited(stack, token, patientRecord);
      const patientContext = await browser.newContext();
      const patient = await patientContext.newPage();
      await recordPeerConnections(patient);
      await patient.goto(sent.link);
      await patient.waitForSelector('#view-code:not([hidden])');
      await patient.fill('#join-code', sent.code);
      await patient.click('#code-submit');
      await patient.waitForSelector('#device-continue:not([hidden])', { timeout: 30_000 });
      await patient.click('#device-continue');
      await patient.waitForSelector('#view-waiting:not([hidden])');
      await clinician.goto(`${stack.url}/consultations/${sent.inviteId}`);
      await clinician.waitForSelector('#admit');
      const admitAt = Date.now();
      await clinician.click('#admit');
      const explain = async () => ({
        run,
        clinician: await peerConnections(clinician),
        patient: await peerConnections(patient),
      });
      await Promise.all([
        until(
          async () => (await decoded(clinician, '#remote-video')) > 0,
          'the clinician seeing the patient',
          explain,
        ),
        until(
          async () => (await decoded(patient, '#remote')) > 0,
          'the patient seeing the clinician',
          explain,
        ),
      ]);
      admitToVideo.push(Date.now() - admitAt);
      await clinician.click('#end');
      await patient.waitForSelector('#view-ended:not([hidden])');
      await patientContext.close();
    }
    await clinicianContext.close();
    const stats = (values: number[]) => ({
      p50: round(
        percentile(
          [...values].sort((a, b) => a - b),
          50,
        ),
        0,
      ),
      max: round(Math.max(...values), 0),
      runs: values.length,
    });
    return {
      joinPageJs: scripts,
      throttledMobile: {
        profile: THROTTLED_MOBILE,
        firstContentfulPaintMs: stats(firstPaint),
        codeFieldReadyMs: stats(codeReady),
      },
      admitToBothVideosMs: { ...stats(admitToVideo), goalP50Ms: ADMIT_TO_VIDEO_GOAL_MS },
    };
  } finally {
    await browser.close();
    await stack.stop();
  }
}
