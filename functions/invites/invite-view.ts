import type { InviteState, StoredInvite, TimelineEntry } from '../../layers/records/invite-records';
import { type DeliveryStatus, describeStatus, FAILURE_REASONS } from '../../layers/sms/delivery-status';
import { DISSENT_STEP_TEXT, END_REASON_TEXT } from '../../layers/universal/consultation-status';
import type { InviteStatus } from '../../layers/universal/invite-status';
import type * as z from '../../layers/validation/z';
import type { InviteDetail, InviteSummary } from './routes';

/**
 * What the console shows of an invitation: one status word, the status as a sentence, what to do when it
 * went wrong, and the timeline in words. Pure: the caller decrypts what it shows.
 */

export type InviteSummaryView = z.infer<typeof InviteSummary>;
export type InviteDetailView = z.infer<typeof InviteDetail>;

/** The link stops working at `linkExpiresAt`, whether or not the sweep has marked it yet. */
export function effectiveState(invite: StoredInvite, now: Date): InviteState {
  if (invite.state === 'open' && invite.linkExpiresAt && Date.parse(invite.linkExpiresAt) <= now.getTime()) {
    return 'expired';
  }
  return invite.state;
}

export function inviteStatus(invite: StoredInvite, now: Date): InviteStatus {
  const state = effectiveState(invite, now);
  if (state !== 'open') return state;
  return invite.delivery.state;
}

const STATE_TEXT: Record<Exclude<InviteState, 'open'>, string> = {
  held: 'The message was sent to your practice’s clinical lead for review. Nothing is texted until they release it.',
  rejected: 'Your clinical lead did not approve the message, so nothing was texted.',
  cancelled: 'The invitation was cancelled. Its link and code no longer work.',
  replaced: 'A newer invitation replaced this one. Its link and code no longer work.',
  expired: 'The invitation has expired. Its link and code no longer work.',
};

const WHAT_TO_DO: Partial<Record<InviteStatus, string>> = {
  rejected: 'Write a new invitation without the flagged words, or contact the patient another way.',
  expired: 'Re-send it if the patient still needs to join.',
  unknown: 'Phone the patient to check they have the text, or re-send it.',
};

function statusText(invite: StoredInvite, status: InviteStatus, now: Date): string {
  const state = effectiveState(invite, now);
  if (state !== 'open') return STATE_TEXT[state];
  if (status === 'failed') return 'The text was not delivered.';
  return describeStatus(invite.delivery);
}

function whatToDo(invite: StoredInvite, status: InviteStatus): string | null {
  if (status === 'failed' && invite.delivery.state === 'failed') {
    return FAILURE_REASONS[invite.delivery.reason].sentence;
  }
  return WHAT_TO_DO[status] ?? null;
}

function deliveryView(delivery: DeliveryStatus): InviteSummaryView['delivery'] {
  return {
    state: delivery.state,
    at: delivery.at,
    failure: delivery.state === 'failed' ? { kind: delivery.kind, reason: delivery.reason } : null,
  };
}

export function inviteSummary(
  invite: StoredInvite,
  patient: { name: string; mobileEnding: string },
  now: Date,
): InviteSummaryView {
  const status = inviteStatus(invite, now);
  const state = effectiveState(invite, now);
  return {
    inviteId: invite.inviteId,
    createdAt: invite.createdAt,
    createdBy: { name: invite.createdBy.name },
    patient,
    status,
    statusText: statusText(invite, status, now),
    whatToDo: whatToDo(invite, status),
    delivery: deliveryView(invite.delivery),
    expiresAt: invite.linkExpiresAt ?? null,
    actions: {
      cancel: state === 'held' || state === 'open',
      // A held message is decided by the clinical lead; a rejected, cancelled or replaced one is over.
      resend: state === 'open' || state === 'expired',
    },
    resendOf: invite.resendOf ?? null,
    replacedBy: invite.replacedBy ?? null,
  };
}

const TIMELINE_TEXT: Record<TimelineEntry['event'], (entry: TimelineEntry) => string> = {
  created: (e) => (e.by ? `Invitation written by ${e.by}.` : 'Invitation written.'),
  held: () => 'Held for the clinical lead: the scanner flagged the message.',
  released: (e) => `Released by ${e.by ?? 'the clinical lead'}.`,
  rejected: (e) => `Not approved by ${e.by ?? 'the clinical lead'}: nothing was texted.`,
  queued: () => 'Text queued to send.',
  sending: () => 'Sending the text.',
  retrying: () => 'The text service was busy or failed: trying again shortly.',
  sent: () => 'Text sent. Waiting for the mobile network to confirm delivery.',
  delivered: () => 'Text delivered to the patient’s phone.',
  failed: (e) =>
    e.detail && e.detail in FAILURE_REASONS
      ? `Not delivered: ${FAILURE_REASONS[e.detail as keyof typeof FAILURE_REASONS].sentence}`
      : 'Not delivered.',
  unknown: () => 'No delivery receipt after 72 hours.',
  cancelled: (e) => (e.by ? `Cancelled by ${e.by}.` : 'Cancelled.'),
  replaced: () => 'Replaced by a newer invitation.',
  expired: () => 'The link expired.',
  'link-opened': () => 'The patient opened the link.',
  'code-accepted': () => 'Code accepted: the patient consented to the video consultation.',
  locked: () => 'Locked: too many wrong codes. Re-send to give the patient a new link and code.',
  'device-check': (e) => `Device check: ${e.detail ?? 'done'}.`,
  waiting: () => 'The patient is in the waiting room.',
  admitted: () => 'Let in to the video consultation.',
  dissent: (e) => {
    const step = DISSENT_STEP_TEXT[(e.detail ?? '').split(':')[0] ?? ''];
    return step ? `The patient left ${step}: dissent.` : 'The patient left: dissent.';
  },
  'consultation-ended': (e) => `Consultation ended: ${END_REASON_TEXT[e.detail ?? ''] ?? 'ended'}.`,
};

const CATEGORY_WORDS: Record<string, string> = {
  profanity: 'swearing',
  threat: 'a threat',
  harassment: 'harassment',
  'self-harm': 'encouraging self-harm',
  toxicity: 'abusive language',
};

export function inviteDetail(
  invite: StoredInvite,
  patient: { name: string; mobileEnding: string },
  message: string | undefined,
  now: Date,
): InviteDetailView {
  return {
    ...inviteSummary(invite, patient, now),
    message: message ?? null,
    timeline: [...invite.timeline]
      .sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
      .map((entry) => ({
        event: entry.event,
        at: entry.at,
        text: TIMELINE_TEXT[entry.event](entry),
        by: entry.by ?? null,
      })),
    review: invite.review
      ? {
          reasons: invite.review.categories.map((category) => CATEGORY_WORDS[category] ?? category),
          decision: invite.review.decision ?? null,
          decidedBy: invite.review.decidedBy?.name ?? null,
          decidedAt: invite.review.decidedAt ?? null,
        }
      : null,
  };
}
