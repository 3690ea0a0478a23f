import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaRegionField } from '../../../functions/consultations/routes';
import { enterCode, openLink, reportDeviceCheck, status, stopTexts } from '../../../functions/join/join';
import { decideCodeAttempt, MAX_WRONG_CODES } from '../../../functions/join/join-rules';
import { HttpError } from '../../../layers/http/errors';
import { parseMediaRegion } from '../../../layers/meetings/regions';
import type { StoredConsultation } from '../../../layers/records/consultation-records';
import { summariseUserAgent } from '../../../layers/universal/user-agent';
import * as z from '../../../layers/validation/z';
import { type ConsultationWorld, consultationWorld, PRACTICE } from './support/consultation-world';

let world: ConsultationWorld;
beforeAll(async () => {
  world = await consultationWorld();
});
afterAll(async () => {
  await world?.close();
});

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';
let clients = 0;
const client = () => ({ address: `198.51.100.${++clients}`, userAgent: IPHONE, requestId: `req-${clients}` });
const WORDING = 'video-consent-v1';

async function refusal(promise: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HttpError) return { status: error.status, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('the code (consent)', () => {
  it('five wrong codes lock the link, and the sixth try is refused even when it is right', async () => {
    const { token, invite } = world.invites.add({ code: '424242' });
    const who = client();
    for (let attempt = 1; attempt <= 4; attempt++) {
      const refused = await refusal(
        enterCode(world.deps, { token, code: '000000', wordingVersion: WORDING }, who),
      );
      expect(refused.status).toBe(400);
      expect(refused.message).toContain(`${MAX_WRONG_CODES - attempt} more time`);
    }
    const fifth = await refusal(
      enterCode(world.deps, { token, code: '111111', wordingVersion: WORDING }, who),
    );
    expect(fifth).toMatchObject({ status: 403, message: expect.stringContaining('locked') });
    const sixth = await refusal(
      enterCode(world.deps, { token, code: '424242', wordingVersion: WORDING }, client()),
    );
    expect(sixth.status).toBe(403);
    const consultation = await world.stores.consultations.get(invite.inviteId);
    expect(consultation?.consentedAt).toBeUndefined();
    expect(await world.stores.consents.get(invite.inviteId)).toBeUndefined();
    // Every attempt audited, never the code.
    const attempts = (await world.auditTypes()).filter(
      (e) => e.type === 'consultation.code_attempt' && e.details.consultationId === invite.inviteId,
    );
    expect(attempts.map((e) => e.details.outcome)).toEqual([
      'wrong',
      'wrong',
      'wrong',
      'wrong',
      'wrong',
      'locked',
    ]);
    expect(JSON.stringify(attempts)).not.toMatch(/424242|000000|111111/);
    expect(
      world.invites.timeline.filter((e) => e.inviteId === invite.inviteId).map((e) => e.event),
    ).toContain('locked');
  });

  it('the right code records consent once, with the wording version and a user-agent summary', async () => {
    const { token, invite } = world.invites.add({ code: '135790' });
    const first = await enterCode(world.deps, { token, code: '135 790', wordingVersion: WORDING }, client());
    expect(first.session).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.hostName).toBe('Dr Asha Patel');
    const consent = await world.stores.consents.get(invite.inviteId);
    expect(consent).toEqual({
      inviteId: invite.inviteId,
      at: expect.any(String),
      wordingVersion: WORDING,
      userAgent: 'Safari 18.1 on iOS 18',
    });
    // Written once: a second record of the same invite changes nothing.
    expect(
      await world.stores.consents.record({
        inviteId: invite.inviteId,
        at: new Date().toISOString(),
        wordingVersion: 'other',
        userAgent: 'x',
      }),
    ).toBe(false);
    expect(await world.stores.consents.get(invite.inviteId)).toEqual(consent);
    // A second browser with the same link (and the right code) cannot join.
    const second = await refusal(
      enterCode(world.deps, { token, code: '135790', wordingVersion: WORDING }, client()),
    );
    expect(second.status).toBe(409);
    expect(await world.stores.consents.get(invite.inviteId)).toEqual(consent);
    // Nor without the session: the first browser's session is the only key.
    const other = await refusal(status(world.deps, { token, session: 'x'.repeat(43) }));
    expect(other.status).toBe(403);
  });

  it('throttles one client trying many codes, whatever the link', async () => {
    const who = client();
    let refusedWith = 0;
    for (let attempt = 0; attempt < 12; attempt++) {
      const { token } = world.invites.add();
      const refused = await refusal(
        enterCode(world.deps, { token, code: '999999', wordingVersion: WORDING }, who),
      );
      refusedWith = refused.status;
    }
    expect(refusedWith).toBe(429);
  });

  it('answers unknown, cancelled and ended links with the same words', async () => {
    const gone = world.invites.add({ usable: false });
    const unknown = await refusal(openLink(world.deps, { token: 'Q'.repeat(22) }));
    const cancelled = await refusal(openLink(world.deps, { token: gone.token }));
    expect(unknown).toEqual(cancelled);
    expect(unknown).toEqual({
      status: 404,
      message: 'This link no longer works. Contact the practice for a new one.',
    });
  });

  it('keeps device names out: the device check is yes/no answers, with the browser summary', async () => {
    const { token, invite } = world.invites.add();
    const { session } = await enterCode(
      world.deps,
      { token, code: '123456', wordingVersion: WORDING },
      client(),
    );
    await reportDeviceCheck(
      world.deps,
      {
        token,
        session,
        summary: {
          browserSupported: true,
          camera: true,
          microphone: true,
          microphoneLevel: true,
          network: 'good',
        },
        networkType: 'wifi',
      },
      { userAgent: IPHONE },
    );
    const consultation = (await world.stores.consultations.get(invite.inviteId)) as StoredConsultation;
    expect(consultation.usage).toEqual({
      browser: 'Safari',
      browserVersion: '18.1',
      os: 'iOS 18',
      networkType: 'wifi',
    });
    expect(consultation.events.at(-1)).toMatchObject({
      event: 'device-check',
      detail: 'camera ✓, microphone ✓, network good',
    });
  });

  it('records the opt-out', async () => {
    const { token, invite } = world.invites.add();
    expect((await stopTexts(world.deps, { token })).message).toBe(
      'Riverside Surgery will not send you any more text messages.',
    );
    expect(world.invites.optOuts).toContain(invite.inviteId);
    expect((await world.stores.consultations.get(invite.inviteId))?.optedOutAt).toBeDefined();
    expect(PRACTICE).toBe(invite.practiceId);
  });
});

describe('code rules', () => {
  const fresh = (wrong: number): StoredConsultation => ({
    inviteId: 'x'.repeat(10),
    createdAt: '',
    version: 1,
    expiresAt: 0,
    step: 'code-entry',
    code: { wrong },
    events: [],
  });
  it('count wrong codes and lock at five; nothing is decided after consent or the end', () => {
    expect(decideCodeAttempt(fresh(0), false)).toEqual({ outcome: 'wrong', triesLeft: 4, lockedNow: false });
    expect(decideCodeAttempt(fresh(4), false)).toEqual({ outcome: 'wrong', triesLeft: 0, lockedNow: true });
    expect(decideCodeAttempt(fresh(5), true)).toEqual({ outcome: 'locked' });
    expect(decideCodeAttempt({ ...fresh(0), consentedAt: 'x' }, true)).toEqual({ outcome: 'already-used' });
    expect(decideCodeAttempt({ ...fresh(0), closedAt: 'x' }, true)).toEqual({ outcome: 'closed' });
  });
});

describe('media regions', () => {
  it('refuses anything outside the EU list with the list, never a silent default', () => {
    for (const bad of ['us-east-1', 'EU-WEST-2', '', 'eu-west-9', 'ap-south-1']) {
      const parsed = z.safeParse(MediaRegionField, bad);
      expect(parsed.success, bad).toBe(false);
      expect(parsed.error?.issues[0]?.message).toContain('Allowed: eu-west-2 (London)');
      expect(() => parseMediaRegion(bad)).toThrow(/not an allowed media region/);
    }
    expect(z.safeParse(MediaRegionField, 'eu-north-1').success).toBe(true);
  });
});

describe('user agents', () => {
  it('are reduced to browser, version and system', () => {
    expect(summariseUserAgent(IPHONE)).toEqual({ browser: 'Safari', browserVersion: '18.1', os: 'iOS 18' });
    expect(
      summariseUserAgent(
        'Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
      ),
    ).toEqual({ browser: 'Chrome', browserVersion: '131', os: 'Android 15' });
  });
});
