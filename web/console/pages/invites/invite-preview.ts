import { checkInviteMessage, MAX_CLINICIAN_TEXT_CHARS } from '../../../../layers/universal/invite-message';
import { sensitiveContent } from '../../../../layers/universal/sensitive-content';
import { nonGsmCharacters } from '../../../../layers/universal/sms-segments';

/**
 * The SMS as the patient will get it, before it is sent: the same composition the API uses
 * (layers/universal/invite-message.ts), with stand-ins of the same length for the link's token and the code,
 * which the API makes when it sends. Pure: nothing typed is kept.
 */
const TOKEN_LENGTH = 22;
const SAMPLE_TOKEN = 'x'.repeat(TOKEN_LENGTH);
const SAMPLE_CODE = '000000';
/** How the stand-ins show in the preview: clearly not a real link or code. */
const HIDDEN = '•';

export interface InvitePreview {
  /** The exact text, the link's token and the code shown as dots. */
  text: string;
  characters: number;
  segments: number;
  encoding: 'GSM-7' | 'UCS-2';
  /** Characters that make the text UCS-2 (fewer characters per text). */
  specialCharacters: string[];
  /** Problems the API would refuse it for. */
  problems: string[];
  /** What looks like an NHS number, a date of birth or clinical detail. */
  warnings: string[];
}

export function invitePreview(
  practiceName: string,
  origin: string,
  message: string,
  now = new Date(),
): InvitePreview {
  const check = checkInviteMessage({
    practiceName,
    link: `${origin.replace(/\/$/u, '')}/j/${SAMPLE_TOKEN}`,
    code: SAMPLE_CODE,
    clinicianText: message,
  });
  const problems: string[] = [];
  if (check.problems.includes('clinician-text-too-long')) {
    problems.push(`Your message must be ${MAX_CLINICIAN_TEXT_CHARS} characters or fewer.`);
  }
  if (check.problems.includes('too-many-segments')) {
    problems.push('The whole text message must fit in 2 text messages: shorten your message.');
  }
  return {
    text: check.text
      .replace(`/j/${SAMPLE_TOKEN}`, `/j/${HIDDEN.repeat(TOKEN_LENGTH)}`)
      .replace(`Your code: ${SAMPLE_CODE}`, `Your code: ${HIDDEN.repeat(6)}`),
    characters: check.segments.characters,
    segments: check.segments.segments,
    encoding: check.segments.encoding,
    specialCharacters: nonGsmCharacters(check.clinicianText),
    problems,
    warnings: sensitiveContent(check.clinicianText, { today: now }).map((warning) => warning.message),
  };
}

/** "1 text message" / "2 text messages". */
export function textMessages(count: number): string {
  return count === 1 ? '1 text message' : `${count} text messages`;
}
