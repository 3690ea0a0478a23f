import type { StoredConsultation } from '../../layers/records/consultation-records';

/**
 * The patient's code, as rules (issue 11): at most 5 wrong codes per invite, then the invite is locked and
 * even the right code is refused (the 6th try); the clinician sees "locked: too many wrong codes" and can
 * send the link again (a new invite, a new code). The code itself is never stored or logged here.
 */
export const MAX_WRONG_CODES = 5;

/** Per client (its address, as a keyed hash under the practice's key) per practice: code tries per window. */
export const CLIENT_CODE_TRIES = { limit: 10, windowSeconds: 600 } as const;

export type CodeOutcome =
  | { outcome: 'accepted' }
  | { outcome: 'wrong'; triesLeft: number; lockedNow: boolean }
  | { outcome: 'locked' }
  /** Consent is already on record from another browser: this link cannot be used again. */
  | { outcome: 'already-used' }
  | { outcome: 'closed' };

/** What an attempt does to the consultation, given whether the code was right. Pure. */
export function decideCodeAttempt(consultation: StoredConsultation, codeIsRight: boolean): CodeOutcome {
  if (consultation.closedAt) return { outcome: 'closed' };
  if (consultation.consentedAt) return { outcome: 'already-used' };
  if (consultation.code.wrong >= MAX_WRONG_CODES) return { outcome: 'locked' };
  if (codeIsRight) return { outcome: 'accepted' };
  const wrong = consultation.code.wrong + 1;
  return { outcome: 'wrong', triesLeft: MAX_WRONG_CODES - wrong, lockedNow: wrong >= MAX_WRONG_CODES };
}

export function isLocked(consultation: StoredConsultation): boolean {
  return consultation.code.wrong >= MAX_WRONG_CODES;
}

export const LINK_GONE = 'This link no longer works. Contact the practice for a new one.';
export const LOCKED =
  'The wrong code has been entered too many times, so this link is now locked. Contact the practice and ask them to send you a new link.';
export const ALREADY_USED =
  'This link has already been used to join on another phone or browser. If that was not you, contact the practice.';
export const SESSION_GONE = 'Enter the code from your text message again to continue.';

export function wrongCodeMessage(triesLeft: number): string {
  if (triesLeft <= 0) return LOCKED;
  return `That code is not right. Check the 6-digit code in your text message and try again. You can try ${
    triesLeft === 1 ? '1 more time' : `${triesLeft} more times`
  }.`;
}
