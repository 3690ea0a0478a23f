/**
 * What text the API accepts, decided once, shared by the API's validation (layers/validation/text.ts) and the
 * console's checks. Plain TypeScript: the browser imports it too.
 *
 * Every string of every request (body, query and path, field names included) must be plain text:
 *
 * - well-formed Unicode: no lone UTF-16 surrogate (`"\ud800"` in JSON), which cannot be encoded as UTF-8,
 *   stored, encrypted or compared reliably;
 * - no control characters other than tab, line feed and carriage return (C0 controls, DEL and the C1
 *   controls are refused): they corrupt logs, exports and terminals, and nobody types them;
 * - no bidirectional embedding, override or isolate controls (U+202A–U+202E, U+2066–U+2069): they make a
 *   name display as something other than what it is ("Trojan Source" spoofing). Right-to-left text itself is
 *   fine, and so are the invisible direction marks (U+200E, U+200F, U+061C) that right-to-left keyboards add;
 * - no line or paragraph separators (U+2028, U+2029), byte order marks (U+FEFF), interlinear annotation
 *   controls (U+FFF9–U+FFFB) or noncharacters (U+FDD0–U+FDEF, U+xFFFE, U+xFFFF).
 *
 * Fields then apply their own rules: names (`nameProblem`) are an allow-list of what names are made of.
 */
export type TextProblem = 'malformed' | 'control' | 'bidi' | 'separator';

export const TEXT_PROBLEMS: Readonly<Record<TextProblem, string>> = {
  malformed: 'is not valid Unicode text (it holds a lone surrogate)',
  control: 'must not contain control characters',
  bidi: 'must not contain characters that reverse the direction of text',
  separator: 'must not contain invisible separators, byte order marks or noncharacters',
};

// With the `u` flag a surrogate pair is one code point outside this range: only a lone surrogate matches.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/u;
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/u;
const SEPARATOR_OR_NONCHARACTER =
  /[\u2028\u2029\uFEFF\uFFF9-\uFFFB\uFDD0-\uFDEF\uFFFE\uFFFF]|[\u{1FFFE}\u{1FFFF}\u{2FFFE}\u{2FFFF}\u{3FFFE}\u{3FFFF}\u{4FFFE}\u{4FFFF}\u{5FFFE}\u{5FFFF}\u{6FFFE}\u{6FFFF}\u{7FFFE}\u{7FFFF}\u{8FFFE}\u{8FFFF}\u{9FFFE}\u{9FFFF}\u{AFFFE}\u{AFFFF}\u{BFFFE}\u{BFFFF}\u{CFFFE}\u{CFFFF}\u{DFFFE}\u{DFFFF}\u{EFFFE}\u{EFFFF}\u{FFFFE}\u{FFFFF}\u{10FFFE}\u{10FFFF}]/u;

/** Why `value` is not plain text, or undefined when it is. */
export function textProblem(value: string): TextProblem | undefined {
  if (LONE_SURROGATE.test(value)) return 'malformed';
  if (CONTROL.test(value)) return 'control';
  if (BIDI_CONTROL.test(value)) return 'bidi';
  if (SEPARATOR_OR_NONCHARACTER.test(value)) return 'separator';
  return undefined;
}

export const NAME_MAX_LENGTH = 120;

/**
 * Names of people and practices, as they are shown to staff, in exports and in audit reports: letters of any
 * script with their combining marks, digits, spaces, and the punctuation names are written with
 * (`' ’ ‘ - ‐ – . , ( ) / &`), plus the zero-width joiners some scripts need. Nothing else: no markup (`<`,
 * `>`, `"`), no emoji, no symbols. Every screen escapes what it shows anyway; this keeps names from carrying
 * markup, spreadsheet formulas (`=`, `+`, `@` first) or look-alike tricks into places that might not.
 */
const NAME_CHARACTERS = /^[\p{L}\p{M}\p{N} '’‘\-‐–.,()/&\u200C\u200D]*$/u;
/** Names start with a letter or a digit: never with punctuation a spreadsheet would read as a formula. */
const NAME_START = /^[\p{L}\p{N}]/u;

export type NameProblem = 'missing' | 'too-long' | 'characters' | 'start';

/** What is wrong, as a sentence about the field (`label`: "Full name", "Practice name"). */
export function nameMessage(problem: NameProblem, label: string): string {
  switch (problem) {
    case 'missing':
      return `Enter the ${label.toLowerCase()}`;
    case 'too-long':
      return `${label} must be ${NAME_MAX_LENGTH} characters or fewer`;
    case 'characters':
      return `${label} can only contain letters, numbers, spaces and the punctuation . , ' - ( ) / &`;
    case 'start':
      return `${label} must start with a letter or a number`;
  }
}

/** As a name is stored: Unicode NFC, trimmed, each run of white space one space. */
export function normaliseName(typed: string): string {
  return typed.normalize('NFC').trim().replace(/\s+/gu, ' ');
}

/** Why a (normalised) name is not acceptable, or undefined when it is. */
export function nameProblem(name: string): NameProblem | undefined {
  if (name.length === 0) return 'missing';
  if ([...name].length > NAME_MAX_LENGTH) return 'too-long';
  if (!NAME_CHARACTERS.test(name)) return 'characters';
  if (!NAME_START.test(name)) return 'start';
  return undefined;
}
