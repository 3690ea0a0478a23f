import { countSegments, type SegmentCount } from './sms-segments';

/**
 * The invitation text, exactly as the patient's phone shows it:
 *
 *     Riverside Surgery (demo) has invited you to a video consultation.
 *     Join: https://clinic.example/j/<token>
 *     Your code: 123456
 *     <the clinician's text, if any>
 *
 * Built from the practice name, the link, the code and the clinician's optional text only: the type has no
 * place for the patient's name, NHS number, date of birth or the reason for the appointment, so none can
 * be put in by mistake (R3). Plain and short, as GOV.UK Notify's guidance asks: who it is from, what to do,
 * nothing else. The whole SMS must fit in 2 segments so its cost is known.
 *
 * Typographic punctuation in the clinician's and practice's text is replaced by its plain GSM-7 form
 * (curly quotes and apostrophes, dashes, ellipsis, unusual spaces), as GOV.UK Notify does: phones and word
 * processors insert them without the writer choosing them, and one of them would make the whole SMS UCS-2,
 * halving what fits in 2 segments (70 instead of 160 characters a segment). Letters are left alone: a name
 * written with a ŵ or an ł stays as written, and costs what it costs.
 */

export interface InviteMessageInput {
  practiceName: string;
  /** `https://<console origin>/j/<token>`; http only for a loopback origin (the local stack). */
  link: string;
  /** Six digits. */
  code: string;
  /** The clinician's optional note, e.g. "Dr Patel will call at 2pm." */
  clinicianText?: string;
}

export const MAX_CLINICIAN_TEXT_CHARS = 300;
export const MAX_SEGMENTS = 2;
const MAX_PRACTICE_NAME_CHARS = 80;

export type InviteMessageProblem = 'clinician-text-too-long' | 'too-many-segments';

export const INVITE_MESSAGE_PROBLEMS: Readonly<Record<InviteMessageProblem, string>> = {
  'clinician-text-too-long': `Your message must be ${MAX_CLINICIAN_TEXT_CHARS} characters or fewer.`,
  'too-many-segments': `The whole text message must fit in ${MAX_SEGMENTS} text messages: shorten your message.`,
};

export interface InviteMessageCheck {
  /** The SMS as it would be sent. */
  text: string;
  /** The clinician's text after normalisation, as it appears in `text`. */
  clinicianText: string;
  segments: SegmentCount;
  /** The most clinician characters that fit, for plain (GSM-7) text: what a preview counts down from. */
  maxClinicianTextChars: number;
  problems: InviteMessageProblem[];
  fits: boolean;
}

const TYPOGRAPHIC: ReadonlyArray<[RegExp, string]> = [
  [/[\u2018\u2019\u201a\u201b\u2032\u0060\u00b4]/gu, "'"],
  [/[\u201c\u201d\u201e\u201f\u2033]/gu, '"'],
  [/[\u2010\u2011\u2012\u2013\u2014\u2015\u2212]/gu, '-'],
  [/\u2026/gu, '...'],
  [/[\u00a0\u2000-\u200a\u202f\u205f\u3000\t]/gu, ' '],
  [/[\u200b-\u200d\u2060\ufeff]/gu, ''],
];

function plainPunctuation(text: string): string {
  let out = text.normalize('NFC');
  for (const [pattern, replacement] of TYPOGRAPHIC) out = out.replace(pattern, replacement);
  // Other control characters have no business in an SMS; newlines are handled by the callers.
  return out.replace(/[^\P{Cc}\n]/gu, '');
}

/** The clinician's text as it will be sent: plain punctuation, single spaces, single line breaks, trimmed. */
export function normaliseClinicianText(text: string | undefined): string {
  if (!text) return '';
  return plainPunctuation(text.replace(/\r\n?/gu, '\n'))
    .split('\n')
    .map((line) => line.replace(/ {2,}/gu, ' ').trim())
    .filter((line) => line !== '')
    .join('\n');
}

/** One line, plain punctuation, single spaces. */
export function normalisePracticeName(name: string): string {
  const clean = plainPunctuation(name.replace(/[\r\n]+/gu, ' '))
    .replace(/ {2,}/gu, ' ')
    .trim();
  if (clean === '') throw new TypeError('A practice name is needed.');
  if (clean.length > MAX_PRACTICE_NAME_CHARS)
    throw new TypeError('The practice name is too long for an SMS.');
  return clean;
}

function checkLink(link: string): string {
  if (/\s/u.test(link)) throw new TypeError('The invite link must not contain spaces.');
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    throw new TypeError('The invite link is not a URL.');
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new TypeError('The invite link must be https.');
  }
  return link;
}

function checkCode(code: string): string {
  if (!/^\d{6}$/u.test(code)) throw new TypeError('The invite code must be six digits.');
  return code;
}

function baseText(practiceName: string, link: string, code: string): string {
  return `${normalisePracticeName(practiceName)} has invited you to a video consultation.\nJoin: ${checkLink(link)}\nYour code: ${checkCode(code)}`;
}

function compose(base: string, clinicianText: string): string {
  return clinicianText === '' ? base : `${base}\n${clinicianText}`;
}

/** The exact SMS. Throws on a bad link, code or practice name (programming errors, not user input). */
export function buildInviteMessage(input: InviteMessageInput): string {
  return compose(
    baseText(input.practiceName, input.link, input.code),
    normaliseClinicianText(input.clinicianText),
  );
}

/**
 * The most characters of plain clinician text that keep the whole SMS within 2 segments (and within 300).
 * When the practice name itself is not GSM-7 the message is UCS-2 whatever the clinician writes, and the
 * budget is counted in UCS-2.
 */
export function maxClinicianTextLength(input: Pick<InviteMessageInput, 'practiceName' | 'link'>): number {
  // Every code is six digits, so any six digits measure the same.
  const base = countSegments(`${baseText(input.practiceName, input.link, '000000')}\n`);
  const capacity = (base.encoding === 'GSM-7' ? 153 : 67) * MAX_SEGMENTS;
  return Math.max(0, Math.min(MAX_CLINICIAN_TEXT_CHARS, capacity - base.units));
}

/** What a preview shows: the exact SMS, its segments, and whether it may be sent. */
export function checkInviteMessage(input: InviteMessageInput): InviteMessageCheck {
  const clinicianText = normaliseClinicianText(input.clinicianText);
  const text = compose(baseText(input.practiceName, input.link, input.code), clinicianText);
  const segments = countSegments(text);
  const problems: InviteMessageProblem[] = [];
  if (Array.from(clinicianText).length > MAX_CLINICIAN_TEXT_CHARS) problems.push('clinician-text-too-long');
  if (segments.segments > MAX_SEGMENTS) problems.push('too-many-segments');
  return {
    text,
    clinicianText,
    segments,
    maxClinicianTextChars: maxClinicianTextLength(input),
    problems,
    fits: problems.length === 0,
  };
}

/** Whether a whole SMS fits within the 2-segment budget. */
export function fitsInTwoSegments(text: string): boolean {
  return countSegments(text).segments <= MAX_SEGMENTS;
}
