/**
 * An invitation's status as the console shows it, in one word: where the invitation itself is (held,
 * rejected, cancelled, replaced, expired), otherwise where its text is (GOV.UK Notify's statuses: created,
 * queued, sending, sent, delivered, failed, and unknown when no receipt came within 72 hours). Shared by the
 * API (which computes it) and the console (which labels it).
 */
export const INVITE_STATUSES = [
  'held',
  'rejected',
  'created',
  'queued',
  'sending',
  'sent',
  'delivered',
  'failed',
  'unknown',
  'cancelled',
  'replaced',
  'expired',
] as const;
export type InviteStatus = (typeof INVITE_STATUSES)[number];

export const INVITE_STATUS_LABELS: Readonly<Record<InviteStatus, string>> = {
  held: 'Held for review',
  rejected: 'Not approved',
  created: 'Preparing',
  queued: 'Queued',
  sending: 'Sending',
  sent: 'Sent',
  delivered: 'Delivered',
  failed: 'Not delivered',
  unknown: 'Delivery not confirmed',
  cancelled: 'Cancelled',
  replaced: 'Replaced',
  expired: 'Expired',
};

/** NHS.UK tag colours: green when it worked, red when it did not, grey when it is over, blue on its way. */
export const INVITE_STATUS_COLOURS: Readonly<
  Record<InviteStatus, 'green' | 'red' | 'grey' | 'blue' | 'yellow' | 'orange'>
> = {
  held: 'yellow',
  rejected: 'red',
  created: 'blue',
  queued: 'blue',
  sending: 'blue',
  sent: 'blue',
  delivered: 'green',
  failed: 'red',
  unknown: 'orange',
  cancelled: 'grey',
  replaced: 'grey',
  expired: 'grey',
};

/** The statuses after which nothing more will happen to the text: the console stops asking. */
export const SETTLED_STATUSES: ReadonlySet<InviteStatus> = new Set([
  'rejected',
  'delivered',
  'failed',
  'unknown',
  'cancelled',
  'replaced',
  'expired',
]);

/**
 * The steps of an invitation's journey the timeline can show: the text's, then what the patient does on the
 * join page and in the video (link opened, code accepted, device checked, waiting, let in, left, ended).
 */
export const TIMELINE_VIEW_EVENTS = [
  'created',
  'held',
  'released',
  'rejected',
  'queued',
  'sending',
  'retrying',
  'sent',
  'delivered',
  'failed',
  'unknown',
  'cancelled',
  'replaced',
  'expired',
  'link-opened',
  'code-accepted',
  'locked',
  'device-check',
  'waiting',
  'admitted',
  'dissent',
  'consultation-ended',
] as const;
export type TimelineViewEvent = (typeof TIMELINE_VIEW_EVENTS)[number];
