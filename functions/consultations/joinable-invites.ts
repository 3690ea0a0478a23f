/**
 * What the join flow and the consultation routes need of an SMS invite (issue 10), and nothing more: find it
 * by its link's token, check its code, name its patient for the clinician, and add to its timeline.
 *
 * The consultation's own record (layers/records/consultation-records.ts, one per invite) keeps what is the
 * join flow's: code attempts and the lock, consent, the join session, the device check, the meeting.
 */
export interface JoinableInvite {
  practiceId: string;
  inviteId: string;
  /** Open, with a link that has not expired: neither cancelled, replaced, rejected nor expired. */
  usable: boolean;
  /** Who sent it: their name is what the waiting patient is told ("Dr Patel will let you in soon"). */
  createdBy: { sub: string; name: string; role?: string };
}

/** What the consultation adds to the invite's timeline, for the clinician's view of the patient's journey. */
export const INVITE_JOURNEY_EVENTS = [
  'link-opened',
  'code-accepted',
  'locked',
  'device-check',
  'waiting',
  'admitted',
  'dissent',
  'consultation-ended',
] as const;
export type InviteJourneyEvent = (typeof INVITE_JOURNEY_EVENTS)[number];

export interface InviteJourneyEntry {
  event: InviteJourneyEvent;
  at: string;
  /** A code: the device check's summary ("camera,microphone,network-good"), a dissent's step, an end reason. */
  detail?: string;
}

export interface JoinableInvites {
  /** The invite a link's token names (through the keyed hash's PLATFORM pointer), or undefined. */
  findByToken(token: string): Promise<JoinableInvite | undefined>;
  get(practiceId: string, inviteId: string): Promise<JoinableInvite | undefined>;
  /** Whether the entered code is this invite's (constant time; never throws on what was typed). */
  verifyCode(invite: JoinableInvite, code: string): Promise<boolean>;
  /** The patient's name as the practice knows it, for staff screens only. */
  patientName(invite: JoinableInvite): Promise<string | undefined>;
  addToTimeline(invite: JoinableInvite, entries: readonly InviteJourneyEntry[]): Promise<void>;
  /** The patient asked the practice to stop texting them (R8), from the join page. */
  recordOptOut(invite: JoinableInvite, at: Date): Promise<void>;
}
