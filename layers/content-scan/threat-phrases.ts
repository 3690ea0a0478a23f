import type { ScanCategory } from './content-scanner';

/**
 * Threats, harassment and encouragement of self-harm that contain no swear word, so a profanity list
 * misses them. Curated, short, and meant to be reviewed with the clinical safety officer; a match only holds
 * the message for the clinical lead, so a rare false positive costs a short delay, not a lost message.
 *
 * Each pattern is written over normalised text (see `normaliseForPhrases`): lower case, letters and single
 * spaces only, contractions expanded ("I'll" is "i will"), light leetspeak undone. Patterns use only
 * letters, spaces, `(`, `)`, `|` and `?`; every letter may repeat ("hurrrt"), and a match must start and
 * end at word boundaries.
 */

export interface ThreatPhrase {
  category: Extract<ScanCategory, 'threat' | 'harassment' | 'self-harm'>;
  /** Shown to the clinical lead. */
  example: string;
  pattern: string;
}

const WE = '(i|we|someone|somebody|they)';
const WILL = '(will|shall|am going to|are going to|is going to|gonna|want to|am gonna|are gonna)';
// Not "get" or "find": "we will get you an appointment", "we will find you a slot".
const HARM = '(hurt|harm|kill|stab|shoot|beat|batter|smash|punch|attack|burn|destroy|ruin|murder|strangle)';
// Not "your": "your lazy eye", "your fat intake".
const YOU_ARE = '(you are|you)';

export const THREAT_PHRASES: readonly ThreatPhrase[] = [
  {
    category: 'threat',
    example: 'I will hurt you',
    pattern: `${WE} ${WILL} ${HARM} (you|your|ya|u)`,
  },
  {
    category: 'threat',
    example: 'we know where you live',
    pattern: `${WE} know where (you|u) (live|work|are)`,
  },
  { category: 'threat', example: 'you will regret', pattern: '(you|u) (will|are going to|gonna) regret' },
  { category: 'threat', example: 'you will be sorry', pattern: '(you|u) (will|are going to|gonna) be sorry' },
  { category: 'threat', example: 'watch your back', pattern: 'watch (your|ur) back' },
  { category: 'threat', example: 'you are dead', pattern: `${YOU_ARE} (dead|going to die|gonna die)` },
  {
    category: 'threat',
    example: 'I will come to your house',
    pattern: `${WE} ${WILL} (come|be coming|turn up) (round |over )?(to |at )?(your|ur) (house|home|door|work)`,
  },
  { category: 'threat', example: 'I will make you pay', pattern: `${WE} ${WILL} make (you|u) pay` },
  {
    category: 'self-harm',
    example: 'kill yourself',
    pattern: '(kill|hurt|hang|end) (yourself|urself|your self)|kys|go die|(you|u) (should|deserve to) die',
  },
  {
    category: 'harassment',
    example: 'you are worthless',
    pattern: `${YOU_ARE} (a |an )?(worthless|pathetic|useless|disgusting|stupid|an idiot|a idiot|idiot|a moron|moron|a waste of space|vile|scum|a freak|freak|ugly|fat|a liar|liar|lazy)`,
  },
  {
    category: 'harassment',
    example: 'you stupid …',
    pattern: '(you|u) (stupid|pathetic|useless|disgusting|fat|ugly|lazy)',
  },
  {
    category: 'harassment',
    example: 'nobody cares about you',
    pattern: '(nobody|no one|noone) (cares|likes|wants|loves) (about )?(you|u)',
  },
  { category: 'harassment', example: 'shut up', pattern: 'shut (up|your mouth)' },
  { category: 'harassment', example: 'you disgust me', pattern: '(you|u) (disgust|sicken) me' },
  { category: 'harassment', example: 'time waster', pattern: 'time waster|timewaster|wasting our time' },
];

const CONTRACTIONS: ReadonlyArray<[RegExp, string]> = [
  [/\bwon't\b/gu, 'will not'],
  [/\bcan't\b/gu, 'can not'],
  [/\b(i|you|we|they|he|she|it|someone|somebody)'ll\b/gu, '$1 will'],
  [/\b(you|we|they)'re\b/gu, '$1 are'],
  [/\bi'm\b/gu, 'i am'],
  [/\b(he|she|it|someone|somebody)'s\b/gu, '$1 is'],
  [/\b(i|you|we|they)'ve\b/gu, '$1 have'],
  [/\bur\b/gu, 'your'],
  [/\by'?all\b/gu, 'you'],
];

/** Light leetspeak, undone only in words that have a letter (so "at 10:30" stays as it is). */
const LEET: Readonly<Record<string, string>> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
  '!': 'i',
};

function undoLeet(word: string): string {
  // Trailing "!!" or "1!" is punctuation, not a letter: "you!!" must stay "you".
  const core = word.replace(/[!?.,;:]+$/u, '');
  if (!/[a-z]/u.test(core)) return word;
  return Array.from(core, (char) => LEET[char] ?? char).join('');
}

export function normaliseForPhrases(text: string): string {
  let out = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc`]/gu, "'")
    .split(/\s+/u)
    .map(undoLeet)
    .join(' ');
  for (const [pattern, replacement] of CONTRACTIONS) out = out.replace(pattern, replacement);
  return out
    .replace(/[^a-z]+/gu, ' ')
    .replace(/ {2,}/gu, ' ')
    .trim();
}

const PATTERN_SOURCE = /^[a-z ()|?]+$/u;

/** Compiles a phrase pattern: each letter may repeat, words are whole. */
export function compilePhrase(pattern: string): RegExp {
  if (!PATTERN_SOURCE.test(pattern))
    throw new TypeError(`Unsupported characters in the phrase "${pattern}".`);
  const source = pattern.replace(/[a-z]/gu, (letter) => `${letter}+`);
  return new RegExp(`(?<![a-z])(?:${source})(?![a-z])`, 'u');
}
