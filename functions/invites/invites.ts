import { createHash, randomUUID } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { NewAuditEvent } from '../../layers/audit/audit-log';
import type { ContentScanner, ScanResult } from '../../layers/content-scan/content-scanner';
import type { PracticeBlindIndex } from '../../layers/crypto/blind-index';
import type { FieldCrypto } from '../../layers/crypto/field-crypto';
import type { InviteLinkKey } from '../../layers/crypto/invite-link-key';
import type { PracticeKeys } from '../../layers/crypto/practice-keys';
import {
  BadRequestError,
  ConflictError,
  NotFoundError,
  PROBLEM_TYPES,
  TooManyRequestsError,
  UnprocessableContentError,
} from '../../layers/http/errors';
import type { StaffCaller } from '../../layers/http/staff-gate';
import { metrics } from '../../layers/observability/powertools';
import type { PracticeStores } from '../../layers/practice/practice-stores';
import type { InviteQueue } from '../../layers/queue/invite-queue';
import type { InvitePointers } from '../../layers/records/invite-pointers';
import type { InviteChange, StoredInvite, TimelineEntry } from '../../layers/records/invite-records';
import type { RateLimit } from '../../layers/records/rate-limits';
import { AUDIT_NHS_NUMBER_FIELD, QUEUED_SMS_FIELD } from '../../layers/records/record-kinds';
import { uuidv7 } from '../../layers/records/time-ids';
import { applyDeliveryEvent, type DeliveryEvent } from '../../layers/sms/delivery-status';
import { hashInviteCode, newInviteCode, newInviteToken } from '../../layers/sms/invite-secrets';
import type { PhoneNumberVerdict } from '../../layers/sms/phone-number';
import { isCalendarDate, todayInLondon } from '../../layers/universal/birth-date';
import {
  buildInviteMessage,
  checkInviteMessage,
  INVITE_MESSAGE_PROBLEMS,
  normaliseClinicianText,
} from '../../layers/universal/invite-message';
import { sensitiveContent } from '../../layers/universal/sensitive-content';
import { waitInWords } from '../../layers/universal/wait-words';
import { type InviteDetailView, type InviteSummaryView, inviteDetail, inviteSummary } from './invite-view';
import { type SmsStatusView, smsStatusOf } from './sms-status';

/**
 * The invitation rules, over ports: the practice's stores (bound to the caller's practice), field crypto and
 * blind indexes under its key, the platform-wide link key, the send queue and the abuse scanner. The API
 * writes the invitation and queues its text; the sender function sends it (send-invites.ts).
 */

export interface InvitePolicy {
  perNumberPerDay: number;
  perUserPerHour: number;
  perPracticePerDay: number;
  retentionDays: number;
}

export interface InviteDeps {
  fields: FieldCrypto;
  blindIndex: PracticeBlindIndex;
  settings: InvitePolicy;
  now?: () => Date;
}

/**
 * This deployment's rule for which numbers may be texted: only for the routes that read a patient's number
 * (create, opt-out and opt-in). The others work from what those stored, and go without the parser's metadata.
 */
export interface PhoneParsing {
  parsePhone: (written: string | null | undefined) => PhoneNumberVerdict;
}

/** What the functions that make links and queue texts need besides. */
export interface SendingDeps extends InviteDeps {
  keys: PracticeKeys;
  linkKey: InviteLinkKey;
  queue: InviteQueue;
  scanner: ContentScanner;
  pointers: InvitePointers;
  link: { origin: string; expiryHours: number };
}

/** Who acts, for the audit trail and the timeline. */
interface Actor {
  sub: string;
  role?: string;
  name?: string;
}

function actorOf(caller: StaffCaller): Actor {
  return { sub: caller.subject, role: caller.staff.role, name: caller.staff.name };
}

const now = (deps: { now?: () => Date }) => deps.now?.() ?? new Date();

async function audit(
  stores: PracticeStores,
  actor: Actor,
  requestId: string | undefined,
  type: NewAuditEvent['type'],
  details: NewAuditEvent['details'],
  at?: string,
): Promise<void> {
  await stores.audit.record({
    type,
    actor: { sub: actor.sub, ...(actor.role ? { role: actor.role } : {}) },
    ...(requestId ? { requestId } : {}),
    ...(at ? { at } : {}),
    details,
  });
}

/** The ids an invite's audit events carry: which invitation, which lookup, which patient (blind index). */
function reference(invite: StoredInvite): Record<string, string> {
  return { inviteId: invite.inviteId, lookupId: invite.lookupId, nhsNumberIndex: invite.nhsNumberIndex };
}

/** The timeline event that goes with a delivery status. */
export function deliveryChange(invite: StoredInvite, event: DeliveryEvent): InviteChange | undefined {
  const next = applyDeliveryEvent(invite.delivery, event);
  if (JSON.stringify(next) === JSON.stringify(invite.delivery)) return undefined;
  const entry: TimelineEntry = {
    event: next.state,
    at: next.at,
    ...(next.state === 'failed' ? { detail: next.reason } : {}),
  };
  return { set: { delivery: next }, timeline: [entry] };
}

// ---------------------------------------------------------------------------------------------------------
// Reading.

export async function viewOf(
  stores: PracticeStores,
  invite: StoredInvite,
  at: Date,
): Promise<InviteDetailView> {
  const [patient, message] = await Promise.all([
    stores.invites.decryptPatient(invite),
    stores.invites.decryptMessage(invite),
  ]);
  return inviteDetail(invite, patient, message, at);
}

/** Midnight to midnight of a UK day, as instants. */
export function londonDay(day: string): { from: Date; to: Date } {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(year, month - 1, date);
  // The offset of London from UTC that day (0 or 1 hour), read from the zone database.
  const offsetAt = (utc: number) => {
    const parts = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/London',
      hour: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(new Date(utc));
    const hour = Number(parts.find((part) => part.type === 'hour')?.value ?? 0);
    return ((hour - new Date(utc).getUTCHours() + 24) % 24) * 3_600_000;
  };
  const from = guess - offsetAt(guess);
  const next = Date.UTC(year, month - 1, date + 1);
  return { from: new Date(from), to: new Date(next - offsetAt(next)) };
}

export async function listInvites(
  deps: InviteDeps,
  caller: StaffCaller,
  day: string | undefined,
): Promise<{ day: string; invites: InviteSummaryView[] }> {
  const at = now(deps);
  const chosen = day ?? todayInLondon(at);
  if (!isCalendarDate(chosen))
    throw new BadRequestError('query.day: must be a real date, written YYYY-MM-DD');
  const { from, to } = londonDay(chosen);
  const stored = await caller.stores.invites.listCreatedBetween(from, to);
  const invites = await Promise.all(
    stored.map(async (invite) =>
      inviteSummary(invite, await caller.stores.invites.decryptPatient(invite), at),
    ),
  );
  return { day: chosen, invites };
}

async function findInvite(caller: StaffCaller, inviteId: string): Promise<StoredInvite> {
  const invite = await caller.stores.invites.get(inviteId);
  if (!invite) throw new NotFoundError('There is no such invitation in your practice.');
  return invite;
}

export async function getInvite(deps: InviteDeps, caller: StaffCaller, inviteId: string) {
  return viewOf(caller.stores, await findInvite(caller, inviteId), now(deps));
}

// ---------------------------------------------------------------------------------------------------------
// Idempotency: the first request with a key does the work; concurrent duplicates wait for it.

/** Within the function's 15 s timeout; the first request normally finishes in well under a second. */
const WAIT_FOR_FIRST_MS = 10_000;
/** A pending key older than this belongs to a request that died: the next one finishes its work. */
const STALE_PENDING_MS = 15_000;

function requestHash(route: string, body: unknown): string {
  return createHash('sha256').update(route).update('\u0000').update(JSON.stringify(body)).digest('base64url');
}

async function idempotently(
  caller: StaffCaller,
  key: string,
  hash: string,
  at: Date,
  work: {
    /** Does the request's work, making the invite `inviteId`. */
    run: (inviteId: string) => Promise<StoredInvite>;
    /** Finishes the work of a first request that died after making its invite (undefined: nothing to do). */
    resume: (invite: StoredInvite) => Promise<StoredInvite | undefined>;
  },
): Promise<StoredInvite> {
  const keys = caller.stores.idempotencyKeys;
  const inviteId = uuidv7(at.getTime());
  const claim = await keys.claim({ sub: caller.subject, key, requestHash: hash, inviteId, now: at });
  if (claim.status === 'claimed') {
    try {
      const invite = await work.run(inviteId);
      await keys.complete(caller.subject, key);
      return invite;
    } catch (error) {
      // Refused before any invite was made: the key is free again for the corrected request. Once the invite
      // exists, the key stays with it and a retry finishes the work.
      if (!(await caller.stores.invites.get(inviteId))) {
        await keys.release(caller.subject, key, inviteId).catch(() => undefined);
      }
      throw error;
    }
  }
  const { record } = claim;
  if (record.requestHash !== hash) {
    throw new UnprocessableContentError(
      'This Idempotency-Key was already used for a different request. Send a new key with each invitation.',
      { type: PROBLEM_TYPES.idempotencyKeyReused },
    );
  }
  const deadline = Date.now() + WAIT_FOR_FIRST_MS;
  let current = record;
  // Backing off, so that a crowd of duplicates does not slow the one doing the work.
  for (
    let wait = 50;
    current.state === 'pending' && Date.now() < deadline;
    wait = Math.min(1_000, wait * 2)
  ) {
    await new Promise((resolve) => setTimeout(resolve, wait * (0.75 + Math.random() / 2)));
    const again = await keys.get(caller.subject, key);
    if (!again) break;
    current = again;
  }
  const invite = await caller.stores.invites.get(current.inviteId);
  if (current.state === 'done' && invite) return invite;
  if (invite && Date.now() - Date.parse(current.createdAt) > STALE_PENDING_MS) {
    const finished = (await work.resume(invite)) ?? invite;
    await keys.complete(caller.subject, key);
    return finished;
  }
  throw new ConflictError(
    'This invitation is still being sent. Wait a moment and check the invitations list.',
    {
      retryAfterSeconds: 2,
    },
  );
}

// ---------------------------------------------------------------------------------------------------------
// Limits.

function limitsFor(caller: StaffCaller, mobileIndex: string, settings: InvitePolicy) {
  return [
    {
      which: 'user-hourly-limit',
      limit: {
        counter: `invite#user#${caller.subject}`,
        limit: settings.perUserPerHour,
        windowSeconds: 3_600,
      },
      message: (n: number, wait: string) =>
        `You have sent ${n} invitations in the last hour, the most allowed. Try again in ${wait}.`,
    },
    {
      which: 'number-daily-limit',
      limit: {
        counter: `invite#number#${mobileIndex}`,
        limit: settings.perNumberPerDay,
        windowSeconds: 86_400,
      },
      message: (n: number, wait: string) =>
        `This patient has been sent ${n} invitations today, the most allowed. Phone them instead, or try again in ${wait}.`,
    },
    {
      which: 'practice-daily-limit',
      limit: { counter: 'invite#practice', limit: settings.perPracticePerDay, windowSeconds: 86_400 },
      message: (n: number, wait: string) =>
        `Your practice has sent ${n} invitations today, the most allowed. Try again in ${wait}, or ask your practice admin.`,
    },
  ] satisfies { which: string; limit: RateLimit; message: (n: number, wait: string) => string }[];
}

/** Takes one from each limit in turn (the member's first, so one member cannot use up the practice's day). */
async function takeLimits(
  caller: StaffCaller,
  mobileIndex: string,
  settings: InvitePolicy,
  at: Date,
  onRefused: (which: string) => Promise<void>,
): Promise<void> {
  for (const { which, limit, message } of limitsFor(caller, mobileIndex, settings)) {
    const decision = await caller.stores.rateLimits.take(limit, at);
    if (decision.allowed) continue;
    await onRefused(which);
    metrics.addMetric('InviteRateLimited', MetricUnit.Count, 1);
    throw new TooManyRequestsError(
      message(limit.limit, waitInWords(decision.retryAfterSeconds)),
      decision.retryAfterSeconds,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------
// Queueing a text: new secrets, the link pointer, the queue message.

const PLACEHOLDER_TOKEN = 'x'.repeat(22);

/** The link as long as a real one: what a preview and the length check measure. */
export function exampleLink(origin: string): string {
  return `${origin.replace(/\/$/u, '')}/j/${PLACEHOLDER_TOKEN}`;
}

async function codeHashFor(deps: SendingDeps, practiceId: string, inviteId: string, code: string) {
  const key = (await deps.keys.dataKey(practiceId)).inviteCodeKey();
  try {
    return hashInviteCode(code, inviteId, key);
  } finally {
    key.fill(0);
  }
}

/**
 * Gives an open invite a fresh link and code and puts its text on the send queue. The token and the code
 * exist only in the encrypted queue message and, once sent, on the patient's phone: the invite keeps their
 * keyed hashes, and a new call makes the old link and code stop working. The previous invitation the new
 * one replaces is replaced once this one is on its way.
 */
async function queueText(
  deps: SendingDeps,
  stores: PracticeStores,
  actor: Actor,
  requestId: string | undefined,
  inviteId: string,
): Promise<StoredInvite> {
  const at = now(deps);
  const practiceId = stores.invites.practiceId;
  const token = newInviteToken();
  const code = newInviteCode();
  const [practice, tokenHash, codeHash] = await Promise.all([
    stores.directory.getPracticeCached(),
    deps.linkKey.tokenHash(token),
    codeHashFor(deps, practiceId, inviteId, code),
  ]);
  if (!practice) throw new Error('the practice has no record');
  const sendId = randomUUID();
  const linkExpiresAt = new Date(at.getTime() + deps.link.expiryHours * 3_600_000);

  type Prepared = { ok: false } | { ok: true; previousTokenHash: string | undefined };
  const prepared = await stores.invites.mutate<Prepared>(inviteId, (current) => {
    if (current.state !== 'open') return { result: { ok: false } };
    return {
      change: {
        set: { tokenHash, codeHash, sendId, linkExpiresAt: linkExpiresAt.toISOString() },
        remove: ['claim'],
      },
      result: { ok: true, previousTokenHash: current.tokenHash },
    };
  });
  const ready = prepared?.result;
  if (!prepared || ready?.ok !== true) throw new ConflictError('This invitation can no longer be sent.');
  const invite = prepared.invite;
  const previous = ready.previousTokenHash;
  await Promise.all([
    previous && previous !== tokenHash ? deps.pointers.deleteToken(previous) : undefined,
    deps.pointers.putToken(tokenHash, { practiceId, inviteId }, linkExpiresAt),
    deps.pointers.putDue({ dueAt: linkExpiresAt.toISOString(), practiceId, inviteId, kind: 'link-expiry' }),
  ]);

  const text = buildInviteMessage({
    practiceName: practice.name,
    link: `${deps.link.origin.replace(/\/$/u, '')}/j/${token}`,
    code,
    clinicianText: await stores.invites.decryptMessage(invite),
  });
  const sms = await deps.fields.encrypt(practiceId, QUEUED_SMS_FIELD, text);
  await deps.queue.enqueue({ v: 1, practiceId, inviteId, sendId, sms });

  // The sender may already be at work on it: the rest goes side by side, each write conditional.
  const [queued] = await Promise.all([
    stores.invites.mutate(inviteId, (current) => ({
      change:
        current.sendId === sendId
          ? deliveryChange(current, { state: 'queued', at: at.toISOString() })
          : undefined,
      result: undefined,
    })),
    audit(
      stores,
      actor,
      requestId,
      'invite.queued',
      { ...reference(invite), expiresAt: linkExpiresAt.toISOString() },
      at.toISOString(),
    ),
    invite.replaces ? replaceInvite(deps, stores, actor, requestId, invite.replaces, inviteId) : undefined,
  ]);
  return queued?.invite ?? invite;
}

/** The link and code of an invitation stop working: its pointer goes, and its text, if not yet sent, is not. */
async function closeInvite(
  deps: Pick<SendingDeps, 'pointers'> & { now?: () => Date },
  stores: PracticeStores,
  inviteId: string,
  to: 'cancelled' | 'replaced' | 'expired',
  options: { by?: string; replacedBy?: string; allowHeld: boolean },
): Promise<{ invite: StoredInvite; changed: boolean; was?: StoredInvite['state'] } | undefined> {
  const at = now(deps).toISOString();
  const outcome = await stores.invites.mutate(inviteId, (current) => {
    const closable = current.state === 'open' || (options.allowHeld && current.state === 'held');
    if (!closable) return { result: undefined };
    const delivery = deliveryChange(current, { state: to === 'expired' ? 'expired' : 'cancelled', at });
    const entry: TimelineEntry = { event: to, at, ...(options.by ? { by: options.by } : {}) };
    return {
      change: {
        set: {
          state: to,
          ...(delivery?.set ?? {}),
          ...(options.replacedBy ? { replacedBy: options.replacedBy } : {}),
        },
        remove: ['claim'],
        // The delivery's own "cancelled before it was sent" is the same moment: one entry says it.
        timeline: [entry],
      },
      result: current.state,
    };
  });
  if (!outcome) return undefined;
  if (outcome.changed) {
    if (outcome.invite.tokenHash) await deps.pointers.deleteToken(outcome.invite.tokenHash);
    if (outcome.result === 'held') await stores.heldMessages.remove(inviteId);
  }
  return {
    invite: outcome.invite,
    changed: outcome.changed,
    ...(outcome.result ? { was: outcome.result } : {}),
  };
}

async function replaceInvite(
  deps: SendingDeps,
  stores: PracticeStores,
  actor: Actor,
  requestId: string | undefined,
  oldId: string,
  newId: string,
): Promise<void> {
  const closed = await closeInvite(deps, stores, oldId, 'replaced', { replacedBy: newId, allowHeld: true });
  if (closed?.changed) {
    await audit(stores, actor, requestId, 'invite.cancelled', {
      ...reference(closed.invite),
      reason: 'replaced',
      replacedBy: newId,
    });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Creating an invitation.

export interface CreateInviteInput {
  lookupId: string;
  message?: string | undefined;
  confirmSensitiveContent?: boolean | undefined;
}

function scanCategories(scan: ScanResult): string[] {
  return scan.verdict === 'abusive' ? [...new Set(scan.reasons.map((reason) => reason.category))] : [];
}

export async function createInvite(
  deps: SendingDeps & PhoneParsing,
  caller: StaffCaller,
  input: CreateInviteInput,
  idempotencyKey: string,
  requestId: string,
): Promise<InviteDetailView> {
  const at = now(deps);
  const { stores } = caller;
  const actor = actorOf(caller);
  const refuse = (reason: string, extra: Record<string, string | number | boolean> = {}) =>
    audit(stores, actor, requestId, 'invite.refused', { lookupId: input.lookupId, reason, ...extra });

  const invite = await idempotently(
    caller,
    idempotencyKey,
    requestHash('createInvite', {
      lookupId: input.lookupId,
      message: input.message ?? '',
      confirm: input.confirmSensitiveContent === true,
    }),
    at,
    {
      resume: (stuck) => resumeQueueing(deps, stores, actor, requestId, stuck),
      run: async (inviteId) => {
        const lookup = await stores.lookups.get(input.lookupId, at);
        if (!lookup) {
          await refuse('lookup-not-found');
          throw new NotFoundError(
            'This patient lookup has expired or was not made in your practice. Look the patient up again.',
            PROBLEM_TYPES.lookupExpired,
          );
        }
        const patientRef = { lookupId: lookup.lookupId, nhsNumberIndex: lookup.nhsNumberIndex };
        const sms = await smsStatusOf(deps, stores.smsOptOuts, lookup.patient.mobile);
        if (!sms.number) {
          await refuse('not-textable', patientRef);
          throw new UnprocessableContentError(`This patient cannot be texted: ${sms.status.reason}.`, {
            type: PROBLEM_TYPES.notTextable,
          });
        }

        const practice = await stores.directory.getPracticeCached();
        if (!practice) throw new Error('the practice has no record');
        const clinicianText = normaliseClinicianText(input.message);
        const check = checkInviteMessage({
          practiceName: practice.name,
          link: exampleLink(deps.link.origin),
          code: '000000',
          clinicianText,
        });
        if (!check.fits) {
          await refuse('message-too-long', { ...patientRef, segments: check.segments.segments });
          const issues = check.problems.map((problem) => ({
            field: 'body.message',
            message: INVITE_MESSAGE_PROBLEMS[problem],
          }));
          throw new BadRequestError(issues[0]?.message ?? 'The message is too long.', issues);
        }
        const warnings = sensitiveContent(clinicianText, { today: at });
        if (warnings.length > 0 && input.confirmSensitiveContent !== true) {
          await refuse('sensitive-content-unconfirmed', {
            ...patientRef,
            kinds: [...new Set(warnings.map((w) => w.kind))].join(','),
          });
          throw new UnprocessableContentError(
            'Check your message: it may include something that must not be texted to a patient. Change it, or confirm that it is right to send.',
            {
              type: PROBLEM_TYPES.confirmSensitiveContent,
              issues: warnings.map((warning) => ({ field: 'body.message', message: warning.message })),
            },
          );
        }
        if (sms.status.optedOut) {
          await refuse('opted-out', patientRef);
          throw new UnprocessableContentError(`This patient cannot be texted: ${sms.status.reason}.`, {
            type: PROBLEM_TYPES.smsOptedOut,
          });
        }
        await takeLimits(caller, sms.number.mobileIndex, deps.settings, at, (which) =>
          refuse('rate-limited', { ...patientRef, limit: which }),
        );

        const scan: ScanResult = clinicianText
          ? await deps.scanner.scan(clinicianText)
          : { verdict: 'clean' };
        const held = scan.verdict === 'abusive';
        const previous = await stores.lookups.setCurrentInvite(lookup.lookupId, inviteId);
        const by = caller.staff.name;
        const created = await stores.invites.create({
          inviteId,
          lookupId: lookup.lookupId,
          createdAt: at.toISOString(),
          createdBy: { sub: caller.subject, name: by, role: caller.staff.role },
          nhsNumberIndex: lookup.nhsNumberIndex,
          mobileIndex: sms.number.mobileIndex,
          patient: {
            name: lookup.patient.displayName,
            mobileEnding: sms.number.e164.slice(-3),
          },
          mobile: sms.number.e164,
          ...(clinicianText ? { message: clinicianText } : {}),
          segments: check.segments.segments,
          state: held ? 'held' : 'open',
          delivery: { state: 'created', at: at.toISOString() },
          attempts: 0,
          timeline: [
            { event: 'created', at: at.toISOString(), by },
            ...(held ? [{ event: 'held' as const, at: at.toISOString() }] : []),
          ],
          ...(previous && previous !== inviteId ? { replaces: previous } : {}),
          ...(held ? { review: { categories: scanCategories(scan) } } : {}),
          deleteAt: new Date(at.getTime() + deps.settings.retentionDays * 86_400_000),
        });
        const audited = (async () =>
          audit(
            stores,
            actor,
            requestId,
            'invite.created',
            {
              ...reference(created),
              nhsNumberCiphertext: await deps.fields.encrypt(
                caller.practiceId,
                AUDIT_NHS_NUMBER_FIELD,
                lookup.patient.nhsNumber,
              ),
              segments: created.segments,
              withMessage: Boolean(clinicianText),
              ...(warnings.length > 0
                ? { sensitiveContentConfirmed: warnings.map((w) => w.kind).join(',') }
                : {}),
            },
            at.toISOString(),
          ))();
        if (held && scan.verdict === 'abusive') {
          await Promise.all([
            audited,
            stores.heldMessages.put({
              inviteId,
              // Gone with its invitation: a message nobody reviewed within the retention is not sent.
              expiresAt: created.expiresAt,
              heldAt: at.toISOString(),
              createdBy: { sub: caller.subject, name: by, role: caller.staff.role },
              reasons: scan.reasons.map((reason) => ({
                category: reason.category,
                description: reason.description,
              })),
              message: clinicianText,
            }),
            audit(
              stores,
              actor,
              requestId,
              'invite.held',
              { ...reference(created), categories: scanCategories(scan).join(',') },
              new Date(at.getTime() + 1).toISOString(),
            ),
          ]);
          return created;
        }
        // Both before the answer; the audit need not wait for the queue, nor the queue for the audit.
        const [, queued] = await Promise.all([audited, queueText(deps, stores, actor, requestId, inviteId)]);
        return queued;
      },
    },
  );
  return viewOf(stores, invite, now(deps));
}

/** A first request that died after writing its invite: queue its text now (new secrets, as always). */
async function resumeQueueing(
  deps: SendingDeps,
  stores: PracticeStores,
  actor: Actor,
  requestId: string | undefined,
  invite: StoredInvite,
): Promise<StoredInvite | undefined> {
  if (invite.state !== 'open' || invite.delivery.state !== 'created') return undefined;
  return queueText(deps, stores, actor, requestId, invite.inviteId);
}

// ---------------------------------------------------------------------------------------------------------
// Re-sending, cancelling.

export async function resendInvite(
  deps: SendingDeps,
  caller: StaffCaller,
  inviteId: string,
  idempotencyKey: string,
  requestId: string,
): Promise<InviteDetailView> {
  const at = now(deps);
  const { stores } = caller;
  const actor = actorOf(caller);
  const invite = await idempotently(caller, idempotencyKey, requestHash('resendInvite', { inviteId }), at, {
    resume: (stuck) => resumeQueueing(deps, stores, actor, requestId, stuck),
    run: async (newId) => {
      const source = await findInvite(caller, inviteId);
      const state =
        source.state === 'open' && source.linkExpiresAt && Date.parse(source.linkExpiresAt) <= at.getTime()
          ? 'expired'
          : source.state;
      if (state !== 'open' && state !== 'expired') {
        throw new ConflictError(
          state === 'held'
            ? 'This message is waiting for your clinical lead’s review: it cannot be re-sent.'
            : 'This invitation can no longer be re-sent. Look the patient up and invite them again.',
        );
      }
      if (await stores.smsOptOuts.get(source.mobileIndex)) {
        await audit(stores, actor, requestId, 'invite.refused', {
          ...reference(source),
          reason: 'opted-out',
        });
        throw new UnprocessableContentError(
          'This patient cannot be texted: this patient has asked not to receive texts from the practice.',
          { type: PROBLEM_TYPES.smsOptedOut },
        );
      }
      await takeLimits(caller, source.mobileIndex, deps.settings, at, (which) =>
        audit(stores, actor, requestId, 'invite.refused', {
          ...reference(source),
          reason: 'rate-limited',
          limit: which,
        }),
      );
      const by = caller.staff.name;
      const created = await stores.invites.createFrom(source, {
        inviteId: newId,
        lookupId: source.lookupId,
        createdAt: at.toISOString(),
        createdBy: { sub: caller.subject, name: by, role: caller.staff.role },
        nhsNumberIndex: source.nhsNumberIndex,
        mobileIndex: source.mobileIndex,
        segments: source.segments,
        state: 'open',
        delivery: { state: 'created', at: at.toISOString() },
        attempts: 0,
        timeline: [{ event: 'created', at: at.toISOString(), by }],
        resendOf: source.inviteId,
        replaces: source.inviteId,
        expiresAt: Math.floor(at.getTime() / 1000) + deps.settings.retentionDays * 86_400,
      });
      await stores.lookups.setCurrentInvite(source.lookupId, newId).catch(() => undefined);
      await audit(stores, actor, requestId, 'invite.resent', {
        ...reference(created),
        resendOf: source.inviteId,
      });
      // The expired original is replaced too: it says what became of it.
      if (state === 'expired') {
        await stores.invites.mutate(source.inviteId, (current) => ({
          change:
            current.state === 'open'
              ? { set: { state: 'expired' }, timeline: [{ event: 'expired', at: at.toISOString() }] }
              : undefined,
          result: undefined,
        }));
      }
      return queueText(deps, stores, actor, requestId, newId);
    },
  });
  return viewOf(stores, invite, now(deps));
}

export async function cancelInvite(
  deps: Pick<SendingDeps, 'pointers'> & InviteDeps,
  caller: StaffCaller,
  inviteId: string,
  requestId: string,
): Promise<InviteDetailView> {
  await findInvite(caller, inviteId);
  const closed = await closeInvite(deps, caller.stores, inviteId, 'cancelled', {
    by: caller.staff.name,
    allowHeld: true,
  });
  if (!closed) throw new NotFoundError('There is no such invitation in your practice.');
  if (!closed.changed) {
    if (closed.invite.state === 'cancelled') return viewOf(caller.stores, closed.invite, now(deps));
    throw new ConflictError('This invitation is no longer open, so there is nothing to cancel.');
  }
  await audit(caller.stores, actorOf(caller), requestId, 'invite.cancelled', {
    ...reference(closed.invite),
    reason: 'staff',
    ...(closed.was === 'held' ? { wasHeld: true } : {}),
  });
  return viewOf(caller.stores, closed.invite, now(deps));
}

// ---------------------------------------------------------------------------------------------------------
// The clinical lead's review queue.

export async function listHeldMessages(caller: StaffCaller) {
  const held = await caller.stores.heldMessages.list();
  return {
    messages: held.map((entry) => ({
      inviteId: entry.inviteId,
      heldAt: entry.heldAt,
      createdBy: { name: entry.createdBy.name, role: entry.createdBy.role ?? null },
      text: entry.text,
      reasons: entry.reasons.map((reason) => reason.description),
      ownMessage: entry.createdBy.sub === caller.subject,
    })),
  };
}

async function decideHeld(
  deps: InviteDeps & { now?: () => Date },
  caller: StaffCaller,
  inviteId: string,
  decision: 'released' | 'rejected',
): Promise<StoredInvite> {
  const at = now(deps).toISOString();
  const by = caller.staff.name;
  const outcome = await caller.stores.invites.mutate(inviteId, (current) => {
    if (current.state !== 'held') return { result: 'not-held' as const };
    if (current.createdBy.sub === caller.subject) return { result: 'own' as const };
    return {
      change: {
        set: {
          state: decision === 'released' ? 'open' : 'rejected',
          review: {
            categories: current.review?.categories ?? [],
            decision,
            decidedBy: { sub: caller.subject, name: by, role: caller.staff.role },
            decidedAt: at,
          },
          ...(decision === 'rejected' ? { delivery: { state: 'cancelled', at } } : {}),
        },
        timeline: [{ event: decision, at, by }],
      },
      result: 'decided' as const,
    };
  });
  if (!outcome) throw new NotFoundError('There is no such message in your practice’s review queue.');
  if (outcome.result === 'own') {
    throw new ConflictError('You wrote this message: another clinical lead must review it.');
  }
  if (outcome.result === 'not-held') {
    throw new ConflictError('This message has already been reviewed, or was cancelled.');
  }
  await caller.stores.heldMessages.remove(inviteId);
  return outcome.invite;
}

export async function releaseHeldMessage(
  deps: SendingDeps,
  caller: StaffCaller,
  inviteId: string,
  requestId: string,
): Promise<InviteDetailView> {
  const actor = actorOf(caller);
  const held = await caller.stores.invites.get(inviteId);
  if (held && held.state === 'held' && (await caller.stores.smsOptOuts.get(held.mobileIndex))) {
    throw new UnprocessableContentError(
      'This patient has since asked not to receive texts from the practice: reject the message instead.',
      { type: PROBLEM_TYPES.smsOptedOut },
    );
  }
  const released = await decideHeld(deps, caller, inviteId, 'released');
  await audit(caller.stores, actor, requestId, 'invite.released', {
    ...reference(released),
    author: released.createdBy.sub,
  });
  const queued = await queueText(deps, caller.stores, actor, requestId, inviteId);
  return viewOf(caller.stores, queued, now(deps));
}

export async function rejectHeldMessage(
  deps: InviteDeps,
  caller: StaffCaller,
  inviteId: string,
  requestId: string,
): Promise<InviteDetailView> {
  const rejected = await decideHeld(deps, caller, inviteId, 'rejected');
  await audit(caller.stores, actorOf(caller), requestId, 'invite.rejected', {
    ...reference(rejected),
    author: rejected.createdBy.sub,
  });
  return viewOf(caller.stores, rejected, now(deps));
}

// ---------------------------------------------------------------------------------------------------------
// Opt-out and opt-in, recorded by staff on the patient's request.

export async function recordOptChange(
  deps: InviteDeps & PhoneParsing,
  caller: StaffCaller,
  lookupId: string,
  change: 'opt-out' | 'opt-in',
  requestId: string,
): Promise<SmsStatusView> {
  const at = now(deps);
  const { stores } = caller;
  const lookup = await stores.lookups.get(lookupId, at);
  if (!lookup) {
    throw new NotFoundError(
      'This patient lookup has expired or was not made in your practice. Look the patient up again.',
    );
  }
  const sms = await smsStatusOf(deps, stores.smsOptOuts, lookup.patient.mobile);
  if (!sms.number) {
    throw new UnprocessableContentError(
      `This patient’s number cannot be texted anyway: ${sms.status.reason}.`,
      {
        type: PROBLEM_TYPES.notTextable,
      },
    );
  }
  const details = { lookupId, nhsNumberIndex: lookup.nhsNumberIndex, mobileIndex: sms.number.mobileIndex };
  if (change === 'opt-out') {
    const recorded = await stores.smsOptOuts.record({
      mobileIndex: sms.number.mobileIndex,
      mobile: sms.number.e164,
      optedOutAt: at.toISOString(),
      source: 'staff',
      recordedBy: { sub: caller.subject, name: caller.staff.name },
    });
    if (recorded)
      await audit(stores, actorOf(caller), requestId, 'sms.opted_out', { ...details, source: 'staff' });
  } else {
    const removed = await stores.smsOptOuts.remove(sms.number.mobileIndex);
    if (removed)
      await audit(stores, actorOf(caller), requestId, 'sms.opted_in', { ...details, source: 'staff' });
  }
  return (await smsStatusOf(deps, stores.smsOptOuts, lookup.patient.mobile)).status;
}
