import { isValidNhsNumber } from './nhs-number';

/**
 * The acceptable-use check (R3): texts to patients must not carry an NHS number, a date of birth or
 * clinical detail. Unlike abusive content this does not hold the message: the sender gets warnings they
 * must confirm before it is sent, because the judgement is theirs ("HIV clinic" may be the practice's own
 * room name; "cancer" may be in a screening programme's name).
 *
 * Warnings never quote an NHS number or a date back (they may be stored with the audit of the confirm);
 * clinical terms are quoted, since the word itself is the point.
 *
 * Dates: appointment dates are the everyday content of these texts, so a plain date warns only when it has
 * a year before the current one (a date of birth, or a past clinical event); words such as "DOB", "date of
 * birth", "born on" always warn.
 */

export type SensitiveKind = 'nhs-number' | 'date-of-birth' | 'clinical-detail';

export interface SensitiveWarning {
  kind: SensitiveKind;
  /** For the sender, e.g. "It looks like it contains an NHS number." */
  message: string;
}

export interface SensitiveContentOptions {
  /** For judging whether a date's year is in the past. Default: now. */
  today?: Date;
}

const NHS_NUMBER_CANDIDATE = /(?<![\d])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\d])/gu;

const MONTHS =
  'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';
const MONTH_INDEX: Readonly<Record<string, number>> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};

// 12/04/1980, 12-4-80, 12.04.1980
const NUMERIC_DATE = /(?<![\d/.-])(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?![\d/.-])/gu;
// 1980-04-12
const ISO_DATE = /(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])/gu;
// 12 April 1980, 12th Apr 1980
const DAY_MONTH_YEAR = new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+(${MONTHS})\\.?,?\\s+(\\d{4})\\b`, 'giu');
// April 12, 1980
const MONTH_DAY_YEAR = new RegExp(`\\b(${MONTHS})\\.?\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})\\b`, 'giu');
const BIRTH_WORDS = /\b(?:d\.?o\.?b\.?|date of birth|birth ?date|born on|birthday)\b/iu;

/**
 * Curated with the practice's clinical safety officer in mind: words that reveal a condition, a test or a
 * service someone would not want a family member reading over their shoulder. Matched as whole words,
 * case-insensitive; a trailing `*` matches any ending ("pregnan*": pregnant, pregnancy).
 */
export const CLINICAL_TERMS: readonly string[] = [
  'HIV',
  'AIDS',
  'cancer',
  'tumour',
  'tumor',
  'oncolog*',
  'chemo*',
  'radiotherapy',
  'biopsy',
  'test result*',
  'blood test*',
  'scan result*',
  'diagnos*',
  'pregnan*',
  'miscarriage',
  'abortion',
  'termination',
  'contracepti*',
  'STI',
  'STIs',
  'STD',
  'sexual health',
  'chlamydia',
  'gonorrh*',
  'syphilis',
  'herpes',
  'hepatitis',
  'HPV',
  'smear',
  'cervical screening',
  'mental health',
  'depression',
  'psychiatr*',
  'psychosis',
  'schizophreni*',
  'bipolar',
  'suicid*',
  'self-harm',
  'self harm',
  'overdose',
  'eating disorder',
  'anorexia',
  'bulimia',
  'dementia',
  'addiction',
  'alcoholi*',
  'methadone',
  'domestic abuse',
  'domestic violence',
  'safeguarding',
];

// Acronyms that are ordinary words in lower case ("aids", "sti" in "still" is not whole anyway) must be
// written in capitals to count.
const CASE_SENSITIVE = new Set(['HIV', 'AIDS', 'STI', 'STIs', 'STD', 'HPV']);

const CLINICAL_PATTERNS = CLINICAL_TERMS.map((term) => {
  const stem = term.endsWith('*') ? term.slice(0, -1) : term;
  const body = stem
    .split(/[\s-]/u)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&'))
    .join('[\\s-]+');
  const ending = term.endsWith('*') ? '\\p{L}*' : '';
  const flags = CASE_SENSITIVE.has(term) ? 'u' : 'iu';
  return { regex: new RegExp(`(?<![\\p{L}\\p{N}])${body}${ending}(?![\\p{L}\\p{N}])`, flags) };
});

function isRealDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function fullYear(text: string, today: Date): number {
  if (text.length === 4) return Number(text);
  const two = Number(text);
  const century = Math.floor(today.getUTCFullYear() / 100) * 100;
  // Two-digit years after this one are last century's: "80" is 1980.
  return century + two > today.getUTCFullYear() ? century - 100 + two : century + two;
}

function pastYearDates(text: string, today: Date): boolean {
  const thisYear = today.getUTCFullYear();
  const past = (year: number, month: number, day: number) =>
    isRealDate(year, month, day) && year < thisYear && year >= 1890;

  for (const [, d, m, y] of text.matchAll(NUMERIC_DATE)) {
    if (past(fullYear(y as string, today), Number(m), Number(d))) return true;
  }
  for (const [, y, m, d] of text.matchAll(ISO_DATE)) if (past(Number(y), Number(m), Number(d))) return true;
  for (const [, d, month, y] of text.matchAll(DAY_MONTH_YEAR)) {
    const m = MONTH_INDEX[(month as string).slice(0, 3).toLowerCase()] ?? 0;
    if (past(Number(y), m, Number(d))) return true;
  }
  for (const [, month, d, y] of text.matchAll(MONTH_DAY_YEAR)) {
    const m = MONTH_INDEX[(month as string).slice(0, 3).toLowerCase()] ?? 0;
    if (past(Number(y), m, Number(d))) return true;
  }
  return false;
}

function containsNhsNumber(text: string): boolean {
  for (const [, a, b, c] of text.matchAll(NHS_NUMBER_CANDIDATE)) {
    if (isValidNhsNumber(`${a}${b}${c}`)) return true;
  }
  return false;
}

export function sensitiveContent(text: string, options: SensitiveContentOptions = {}): SensitiveWarning[] {
  const today = options.today ?? new Date();
  const warnings: SensitiveWarning[] = [];
  if (containsNhsNumber(text)) {
    warnings.push({
      kind: 'nhs-number',
      message: 'It looks like it contains an NHS number. Texts to patients must not include one.',
    });
  }
  if (BIRTH_WORDS.test(text) || pastYearDates(text, today)) {
    warnings.push({
      kind: 'date-of-birth',
      message: 'It looks like it contains a date of birth. Texts to patients must not include one.',
    });
  }
  for (const { regex } of CLINICAL_PATTERNS) {
    const match = regex.exec(text);
    if (!match) continue;
    warnings.push({
      kind: 'clinical-detail',
      message: `It mentions "${match[0]}". Texts to patients must not include clinical details.`,
    });
  }
  return warnings;
}
