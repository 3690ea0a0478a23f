import {
  DataSet,
  englishDataset,
  englishRecommendedTransformers,
  type MatchPayload,
  pattern,
  RegExpMatcher,
} from 'obscenity';
import { type ContentScanner, combineScans, type ScanReason, type ScanResult } from './content-scanner';
import { compilePhrase, normaliseForPhrases, THREAT_PHRASES } from './threat-phrases';

/**
 * The default scanner: `obscenity`'s English dataset with its recommended transformers (confusable
 * characters, leetspeak, repeated letters: "f*ck", "fuuuck", "sh1t" are caught, "Scunthorpe" and "class"
 * are not), plus:
 *
 * - UK place names, surnames and clinical words its patterns would otherwise flag (Penistone, Cumnock,
 *   Shitterton, Dickinson, analgesic...), whitelisted;
 * - a few spellings it misses ("fcuk", "phuck", "bellend");
 * - masked swearing, a word whose hidden letters (`*`, `#`) fit a strong swear word ("f**k",
 *   "motherf***er", "c***"), which no word list spells out;
 * - letters spaced out to dodge a filter ("f u c k", "s.h.i.t");
 * - the curated threat and harassment phrases (`threat-phrases.ts`), which contain no swear word at all.
 *
 * Pure and synchronous underneath; `scan` is async only to fit the port.
 */

const WHITELIST = [
  'penistone',
  'cumnock',
  'cummings',
  'cumin',
  'cumbernauld',
  'shitterton',
  'bitchfield',
  'twatt',
  'dickinson',
  'dickson',
  'analgesic',
  'analgesia',
  'rapeseed',
  'pussycat',
  'pussy willow',
  'scunthorpe',
  'arsenal',
  'sussex',
  'middlesex',
  'essex',
  'wessex',
];

const EXTRA = new DataSet<{ originalWord: string }>()
  .addPhrase((phrase) => phrase.setMetadata({ originalWord: 'fuck' }).addPattern(pattern`|fcuk`))
  .addPhrase((phrase) => phrase.setMetadata({ originalWord: 'fuck' }).addPattern(pattern`|phuck`))
  .addPhrase((phrase) => phrase.setMetadata({ originalWord: 'bellend' }).addPattern(pattern`|bellend`));

const dataset = new DataSet<{ originalWord: string }>().addAll(englishDataset).addAll(EXTRA);
const built = dataset.build();
const matcher = new RegExpMatcher({
  ...built,
  whitelistedTerms: [...(built.whitelistedTerms ?? []), ...WHITELIST],
  ...englishRecommendedTransformers,
});

/** Strong words people write masked; a masked word of the same length and first letter is one of them. */
const MASKABLE = [
  'fuck',
  'fucking',
  'fucker',
  'motherfucker',
  'cunt',
  'shit',
  'twat',
  'wanker',
  'bitch',
  'bastard',
];
const MASKED_WORD = /(?<![\p{L}\p{N}*#])[\p{L}][\p{L}*#]*[*#][\p{L}*#]*(?![\p{L}\p{N}*#])/gu;

function maskedSwearing(text: string): string[] {
  const found: string[] = [];
  for (const [word] of text.matchAll(MASKED_WORD)) {
    const lower = word.toLowerCase();
    const fits = MASKABLE.some(
      (swear) =>
        swear.length === lower.length &&
        swear[0] === lower[0] &&
        Array.from(lower).every((char, i) => char === '*' || char === '#' || char === swear[i]),
    );
    if (fits) found.push(word);
  }
  return found;
}

/** "f u c k", "s.h.i.t", "f-u-c-k": three or more single letters with one separator between each. */
const SPACED_LETTERS = /(?<![\p{L}\p{N}])\p{L}(?:[ ._-]\p{L}){2,}(?![\p{L}\p{N}])/gu;

function spacedOutText(text: string): string {
  return text.replace(SPACED_LETTERS, (run) => run.replace(/[ ._-]/gu, ''));
}

/** obscenity's indices are UTF-16 code units, the end inclusive (at the low surrogate of a pair). */
function quote(text: string, start: number, end: number): string {
  return text.slice(start, end + 1);
}

function profanityIn(text: string): ScanReason[] {
  const reasons: ScanReason[] = [];
  const seen = new Set<string>();
  const add = (word: string) => {
    const key = word.toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    reasons.push({ category: 'profanity', description: `swearing ("${word}")` });
  };
  const inText = (source: string) =>
    matcher
      .getAllMatches(source, true)
      .map((match: MatchPayload) => quote(source, match.startIndex, match.endIndex));

  for (const word of inText(text)) add(word);
  const spaced = spacedOutText(text);
  if (spaced !== text) for (const word of inText(spaced)) add(word);
  for (const word of maskedSwearing(text)) add(word);
  return reasons;
}

const COMPILED = THREAT_PHRASES.map((phrase) => ({ ...phrase, regex: compilePhrase(phrase.pattern) }));

const CATEGORY_WORDS = {
  threat: 'a threat',
  harassment: 'harassment',
  'self-harm': 'encouraging self-harm',
} as const;

function phrasesIn(text: string): ScanReason[] {
  const normalised = normaliseForPhrases(text);
  return COMPILED.filter((phrase) => phrase.regex.test(normalised)).map((phrase) => ({
    category: phrase.category,
    description: `${CATEGORY_WORDS[phrase.category]} (like "${phrase.example}")`,
  }));
}

export function scanText(text: string): ScanResult {
  const reasons = [...profanityIn(text), ...phrasesIn(text)];
  return combineScans([reasons.length === 0 ? { verdict: 'clean' } : { verdict: 'abusive', reasons }]);
}

export class WordListScanner implements ContentScanner {
  async scan(text: string): Promise<ScanResult> {
    return scanText(text);
  }
}
