import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { PracticeBlindIndex } from '../../layers/crypto/blind-index';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  HttpError,
  NotFoundError,
  PROBLEM_TYPES,
  TooManyRequestsError,
} from '../../layers/http/errors';
import type { JoinInfo } from '../../layers/meetings/join-info';
import type { PracticeStores } from '../../layers/practice/practice-stores';
import {
  CONSENT_WORDING,
  type DeviceCheckSummary,
  type StoredConsultation,
} from '../../layers/records/consultation-records';
import { deviceCheckText, END_REASON_TEXT } from '../../layers/universal/consultation-status';
import { summariseUserAgent, userAgentText } from '../../layers/universal/user-agent';
import type { PatientStep } from '../consultations/consultation-state';
import {
  addJourney,
  type ConsultationDeps,
  currentStep,
  keepUntil,
  openJoin,
  PAGE_RETURN_MS,
  patientLeft,
  stateOf,
} from '../consultations/consultations';
import type { JoinableInvite } from '../consultations/joinable-invites';
import {
  ALREADY_USED,
  CLIENT_CODE_TRIES,
  type CodeOutcome,
  decideCodeAttempt,
  isLocked,
  LINK_GONE,
  LOCKED,
  SESSION_GONE,
  wrongCodeMessage,
} from './join-rules';

/**
 * The patient's path through the join page, over the invite port and the practice's stores. The link's token
 * finds the invite (and so the practice); the practice's stores are then opened with credentials scoped to
 * that practice, as for staff. After the right code, the join session (held in the page's sessionStorage,
 * sent in POST bodies) is what proves it is the same browser: it is stored only as a SHA-256.
 */

export interface JoinDeps extends ConsultationDeps {
  blindIndex: PracticeBlindIndex;
}

/** How often the waiting page asks whether it has been let in. */
export const WAITING_POLL_MS = 1_000;

class LinkGoneError extends HttpError {
  constructor() {
    super(404, 'Not found', LINK_GONE, { type: PROBLEM_TYPES.linkGone });
  }
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

function sameHash(a: string | undefined, b: string): boolean {
  if (!a || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

interface Found {
  invite: JoinableInvite;
  stores: PracticeStores;
  consultation: StoredConsultation;
  pointer: { practiceId: string; consultationId: string };
}

const nowOf = (deps: JoinDeps) => deps.now?.() ?? new Date();

/** The invite and its consultation, or the one answer for every link that does not work. */
async function find(deps: JoinDeps, token: string): Promise<Found> {
  const invite = await deps.invites.findByToken(token);
  if (!invite?.usable) throw new LinkGoneError();
  const stores = deps.storesOf(invite.practiceId);
  const now = nowOf(deps);
  const consultation = await stores.consultations.getOrCreate(invite.inviteId, now, keepUntil(now));
  if (consultation.closedAt) throw new LinkGoneError();
  return {
    invite,
    stores,
    consultation,
    pointer: { practiceId: invite.practiceId, consultationId: invite.inviteId },
  };
}

/** As `find`, and this browser's join session must be the one the right code made. */
async function withSession(deps: JoinDeps, token: string, session: string): Promise<Found> {
  const found = await find(deps, token);
  if (!sameHash(found.consultation.sessionHash, sha256(session))) {
    throw new ForbiddenError(SESSION_GONE, PROBLEM_TYPES.joinSessionGone);
  }
  return found;
}

async function practiceName(stores: PracticeStores): Promise<string> {
  const practice = await stores.directory.getPracticeCached();
  if (!practice) throw new LinkGoneError();
  return practice.name;
}

/** The waiting patient is told who will let them in: the sender when they host, else "Your clinician". */
function hostNameOf(found: Found): string {
  if (found.consultation.host?.name) return found.consultation.host.name;
  const { createdBy } = found.invite;
  return createdBy.role === 'receptionist' || !createdBy.name ? 'Your clinician' : createdBy.name;
}

async function auditAttempt(
  found: Found,
  outcome: string,
  requestId: string,
  extra: Record<string, string | number | boolean> = {},
) {
  await found.stores.audit.record({
    type: 'consultation.code_attempt',
    actor: { sub: 'patient' },
    requestId,
    details: { consultationId: found.invite.inviteId, outcome, ...extra },
  });
}

function resumeOf(consultation: StoredConsultation): 'device-check' | 'waiting' | 'call' {
  if (consultation.meeting) return 'call';
  return consultation.step === 'waiting' ? 'waiting' : 'device-check';
}

export async function openLink(
  deps: JoinDeps,
  body: { token: string; session?: string },
): Promise<{
  practiceName: string;
  consentText: string;
  wordingVersion: string;
  resume: 'device-check' | 'waiting' | 'call' | null;
}> {
  const found = await find(deps, body.token);
  const name = await practiceName(found.stores);
  const returning = body.session && sameHash(found.consultation.sessionHash, sha256(body.session));
  if (!returning && isLocked(found.consultation)) {
    throw new ForbiddenError(LOCKED, PROBLEM_TYPES.linkLocked);
  }
  if (!found.consultation.linkOpenedAt) {
    const at = nowOf(deps).toISOString();
    const outcome = await found.stores.consultations.mutate(found.invite.inviteId, (current) =>
      current.linkOpenedAt
        ? { result: undefined }
        : { change: { linkOpenedAt: at, add: [{ event: 'link-opened', at }] }, result: undefined },
    );
    if (outcome?.changed) await addJourney(deps, found.pointer, [{ event: 'link-opened', at }], found.invite);
  }
  if (returning) await cameBack(found);
  return {
    practiceName: name,
    consentText: CONSENT_WORDING.text(name),
    wordingVersion: CONSENT_WORDING.version,
    resume: returning ? resumeOf(found.consultation) : null,
  };
}

/** The same join session is back (a reload): a page closed moments ago is not dissent after all. */
async function cameBack(found: Found) {
  if (!found.consultation.pageLeft) return;
  await found.stores.consultations.mutate(found.invite.inviteId, (current) =>
    current.pageLeft && !current.closedAt
      ? { change: { pageLeft: undefined }, result: undefined }
      : { result: undefined },
  );
}

export async function enterCode(
  deps: JoinDeps,
  body: { token: string; code: string; wordingVersion: string },
  client: { address: string; userAgent?: string; requestId: string },
): Promise<{ session: string; hostName: string }> {
  const found = await find(deps, body.token);
  const now = nowOf(deps);

  // Per client, under the practice's own key: the address is kept only as a keyed hash, for one window.
  const clientKey = await deps.blindIndex.of(found.invite.practiceId, 'join-client', client.address);
  const allowed = await found.stores.rateLimits.take(
    { counter: `join#client#${clientKey}`, ...CLIENT_CODE_TRIES },
    now,
  );
  if (!allowed.allowed) {
    await auditAttempt(found, 'throttled', client.requestId);
    throw new TooManyRequestsError(
      'Too many tries from this phone or computer. Wait a few minutes and try again.',
      allowed.retryAfterSeconds,
    );
  }
  if (body.wordingVersion !== CONSENT_WORDING.version) {
    // The page showed other words than the ones on record: have it reload, change nothing.
    throw new BadRequestError('This page is out of date. Reload it and enter the code again.');
  }

  const codeIsRight = await deps.invites.verifyCode(found.invite, body.code);
  const session = randomBytes(32).toString('base64url');
  const at = now.toISOString();
  const outcome = await found.stores.consultations.mutate<CodeOutcome>(found.invite.inviteId, (current) => {
    const decision = decideCodeAttempt(current, codeIsRight);
    if (decision.outcome === 'accepted') {
      return {
        change: {
          consentedAt: at,
          sessionHash: sha256(session),
          step: 'device-check',
          add: [{ event: 'code-accepted', at }],
        },
        result: decision,
      };
    }
    if (decision.outcome === 'wrong') {
      return {
        change: {
          code: { wrong: current.code.wrong + 1, ...(decision.lockedNow ? { lockedAt: at } : {}) },
          add: [
            { event: 'code-wrong', at, detail: String(current.code.wrong + 1) },
            ...(decision.lockedNow ? [{ event: 'locked' as const, at }] : []),
          ],
        },
        result: decision,
      };
    }
    return { result: decision };
  });
  if (!outcome) throw new LinkGoneError();
  const decision = outcome.result;

  switch (decision.outcome) {
    case 'closed':
      await auditAttempt(found, 'link-closed', client.requestId);
      throw new LinkGoneError();
    case 'already-used':
      await auditAttempt(found, 'already-used', client.requestId);
      throw new ConflictError(ALREADY_USED);
    case 'locked':
      await auditAttempt(found, 'locked', client.requestId, { codeWasRight: codeIsRight });
      throw new ForbiddenError(LOCKED, PROBLEM_TYPES.linkLocked);
    case 'wrong':
      await auditAttempt(found, 'wrong', client.requestId, { triesLeft: decision.triesLeft });
      if (decision.lockedNow) {
        await addJourney(deps, found.pointer, [{ event: 'locked', at }], found.invite);
        throw new ForbiddenError(LOCKED, PROBLEM_TYPES.linkLocked);
      }
      throw new HttpError(400, 'Bad request', wrongCodeMessage(decision.triesLeft), {
        type: PROBLEM_TYPES.wrongCode,
        issues: [{ field: 'body.code', message: wrongCodeMessage(decision.triesLeft) }],
      });
    case 'accepted': {
      const agent = summariseUserAgent(client.userAgent);
      // Write-once: the first acceptance is the record; a second (which the consultation already refuses)
      // could not change it.
      await found.stores.consents.record({
        inviteId: found.invite.inviteId,
        at,
        wordingVersion: CONSENT_WORDING.version,
        userAgent: userAgentText(agent),
      });
      await Promise.all([
        auditAttempt(found, 'accepted', client.requestId),
        found.stores.audit.record({
          type: 'consultation.consent',
          actor: { sub: 'patient' },
          requestId: client.requestId,
          details: {
            consultationId: found.invite.inviteId,
            wordingVersion: CONSENT_WORDING.version,
            userAgent: userAgentText(agent),
          },
        }),
        addJourney(deps, found.pointer, [{ event: 'code-accepted', at }], found.invite),
      ]);
      return { session, hostName: hostNameOf({ ...found, consultation: outcome.consultation }) };
    }
  }
  throw new Error('unreachable');
}

export async function reportDeviceCheck(
  deps: JoinDeps,
  body: { token: string; session: string; summary: DeviceCheckSummary; networkType?: string },
  client: { userAgent?: string },
): Promise<{ recorded: true }> {
  const found = await withSession(deps, body.token, body.session);
  const at = nowOf(deps).toISOString();
  const agent = summariseUserAgent(client.userAgent);
  const text = deviceCheckText(body.summary);
  await found.stores.consultations.mutate(found.invite.inviteId, () => ({
    change: {
      deviceCheck: { at, summary: body.summary },
      usage: { ...agent, ...(body.networkType ? { networkType: body.networkType } : {}) },
      add: [{ event: 'device-check', at, detail: text }],
    },
    result: undefined,
  }));
  await addJourney(deps, found.pointer, [{ event: 'device-check', at, detail: text }], found.invite);
  return { recorded: true };
}

type JoinStatus = {
  state: 'device-check' | 'waiting' | 'admitted' | 'in-call' | 'ended';
  hostName: string;
  joinInfo: JoinInfo | null;
  endedText: string | null;
  pollAfterMs: number;
};

export async function enterWaitingRoom(
  deps: JoinDeps,
  body: { token: string; session: string },
): Promise<JoinStatus> {
  const found = await withSession(deps, body.token, body.session);
  if (found.consultation.step !== 'waiting') {
    const at = nowOf(deps).toISOString();
    const outcome = await found.stores.consultations.mutate(found.invite.inviteId, (current) =>
      current.step === 'waiting' || current.closedAt
        ? { result: undefined }
        : {
            change: { step: 'waiting', waitingSince: at, add: [{ event: 'waiting', at }] },
            result: undefined,
          },
    );
    if (outcome?.changed) await addJourney(deps, found.pointer, [{ event: 'waiting', at }], found.invite);
  }
  return status(deps, body);
}

export async function status(deps: JoinDeps, body: { token: string; session: string }): Promise<JoinStatus> {
  let found: Found;
  try {
    found = await withSession(deps, body.token, body.session);
  } catch (error) {
    // The consultation ended while the patient was on the page: say so, not "this link no longer works".
    const ended = error instanceof LinkGoneError ? await endedFor(deps, body) : undefined;
    if (ended) return ended;
    throw error;
  }
  await cameBack(found);
  const hostName = hostNameOf(found);
  let consultation = found.consultation;
  let joinInfo: JoinInfo | null = null;
  if (consultation.meeting?.patientJoin) {
    // Handed over once: the sealed copy is removed in the same conditional write that hands it out.
    const sealed = consultation.meeting.patientJoin;
    const at = nowOf(deps).toISOString();
    const outcome = await found.stores.consultations.mutate(found.invite.inviteId, (current) =>
      current.meeting?.patientJoin === sealed
        ? {
            change: { meeting: { ...current.meeting, patientJoin: undefined, patientJoinIssuedAt: at } },
            result: true,
          }
        : { result: false },
    );
    if (outcome?.result) joinInfo = await openJoin(deps, found.invite.practiceId, sealed);
    if (outcome) consultation = outcome.consultation;
  }
  const state = stateOf(consultation);
  return {
    state: state
      ? state.phase === 'waiting'
        ? 'admitted'
        : state.phase === 'ended'
          ? 'ended'
          : state.phase
      : consultation.step === 'waiting'
        ? 'waiting'
        : 'device-check',
    hostName,
    joinInfo,
    endedText: null,
    pollAfterMs: WAITING_POLL_MS,
  };
}

/** For a session whose consultation has ended: how it ended, in words. */
async function endedFor(
  deps: JoinDeps,
  body: { token: string; session: string },
): Promise<JoinStatus | undefined> {
  const invite = await deps.invites.findByToken(body.token);
  if (!invite) return undefined;
  const consultation = await deps.storesOf(invite.practiceId).consultations.get(invite.inviteId);
  if (!consultation?.closedAt || !sameHash(consultation.sessionHash, sha256(body.session))) return undefined;
  const reason = consultation.closedReason ?? '';
  return {
    state: 'ended',
    hostName: consultation.host?.name ?? 'Your clinician',
    joinInfo: null,
    endedText:
      reason === 'clinician-ended'
        ? 'The consultation has ended.'
        : reason === 'patient-left'
          ? 'You have left the consultation.'
          : `The consultation has ended (${END_REASON_TEXT[reason] ?? 'ended'}).`,
    pollAfterMs: 0,
  };
}

export async function leave(
  deps: JoinDeps,
  body: { token: string; session?: string; step: PatientStep; how: 'button' | 'page-closed' },
): Promise<{ recorded: boolean }> {
  let found: Found;
  try {
    found = await find(deps, body.token);
  } catch (error) {
    if (error instanceof LinkGoneError) return { recorded: false };
    throw error;
  }
  const now = nowOf(deps);
  const consented =
    body.session !== undefined && sameHash(found.consultation.sessionHash, sha256(body.session));
  if (!consented) {
    // Before the code: nothing was agreed, so nothing is withdrawn; the clinician sees that the patient left
    // the page (only a page that reported "link opened" can say so), and the link still works.
    if (!found.consultation.linkOpenedAt || found.consultation.consentedAt) return { recorded: false };
    const at = now.toISOString();
    await found.stores.consultations.mutate(found.invite.inviteId, () => ({
      change: { add: [{ event: 'dissent', at, detail: 'code-entry:left-page' }] },
      result: undefined,
    }));
    await addJourney(
      deps,
      found.pointer,
      [{ event: 'dissent', at, detail: 'code-entry:left-page' }],
      found.invite,
    );
    return { recorded: true };
  }
  const step = body.step === 'code-entry' ? currentStep(found.consultation) : body.step;
  if (body.how === 'button') {
    await patientLeft(deps, found.pointer, now, step);
    return { recorded: true };
  }
  // A closed page: dissent unless the same session is back within the minute (a reload).
  const at = now.toISOString();
  await found.stores.consultations.mutate(found.invite.inviteId, (current) =>
    current.closedAt || current.pageLeft
      ? { result: undefined }
      : { change: { pageLeft: { at, step } }, result: undefined },
  );
  await deps.pointers.putGraceDue(new Date(now.getTime() + PAGE_RETURN_MS), found.pointer);
  return { recorded: true };
}

export async function stopTexts(deps: JoinDeps, body: { token: string }): Promise<{ message: string }> {
  const invite = await deps.invites.findByToken(body.token);
  if (!invite) throw new LinkGoneError();
  const stores = deps.storesOf(invite.practiceId);
  const now = nowOf(deps);
  const name = await practiceName(stores);
  await deps.invites.recordOptOut(invite, now);
  const at = now.toISOString();
  const consultation = await stores.consultations.getOrCreate(invite.inviteId, now, keepUntil(now));
  if (!consultation.optedOutAt) {
    await stores.consultations.mutate(invite.inviteId, (current) =>
      current.optedOutAt
        ? { result: undefined }
        : { change: { optedOutAt: at, add: [{ event: 'opted-out', at }] }, result: undefined },
    );
    await stores.audit.record({
      type: 'consultation.opt_out',
      actor: { sub: 'patient' },
      details: { consultationId: invite.inviteId },
    });
  }
  return { message: `${name} will not send you any more text messages.` };
}

export { NotFoundError };
