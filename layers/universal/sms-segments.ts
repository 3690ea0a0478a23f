/**
 * How many SMS segments a text costs, as the network counts them (3GPP TS 23.038 / 23.040).
 *
 * - GSM-7 when every character is in the GSM 03.38 basic set or its extension table: 160 septets in one
 *   segment, 153 per segment once split (the user-data header takes 7). Extension characters (`^{}\[~]|€`
 *   and form feed) are an escape plus a character: 2 septets, and never split across two segments.
 * - Otherwise UCS-2 (UTF-16 in practice): 70 code units in one segment, 67 once split. Characters outside
 *   the BMP (emoji) are a surrogate pair, 2 units, and never split across two segments.
 *
 * National language shift tables are not used: SNS and UK networks send plain GSM-7 or UCS-2.
 */

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SegmentCount {
  encoding: SmsEncoding;
  /** Characters as a person counts them (Unicode code points). */
  characters: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) in the whole text. */
  units: number;
  segments: number;
  /** Units used in the last segment, out of `unitsPerSegment`; 0 for an empty text. */
  unitsInLastSegment: number;
  /** 160 / 153 (GSM-7) or 70 / 67 (UCS-2), depending on whether the text is split. */
  unitsPerSegment: number;
}

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENSION = '\f^{}\\[~]|€';

const BASIC = new Set(GSM_BASIC);
const EXTENSION = new Set(GSM_EXTENSION);

const LIMITS = {
  'GSM-7': { single: 160, multi: 153 },
  'UCS-2': { single: 70, multi: 67 },
} as const;

/** Septets for a character, or undefined when GSM-7 cannot carry it. */
function septets(char: string): 1 | 2 | undefined {
  if (BASIC.has(char)) return 1;
  if (EXTENSION.has(char)) return 2;
  return undefined;
}

export function isGsm7(text: string): boolean {
  for (const char of text) if (septets(char) === undefined) return false;
  return true;
}

/**
 * Packs unit sizes into segments of `capacity` without splitting any one character, and says how many
 * segments and how full the last one is.
 */
function pack(sizes: readonly number[], capacity: number): { segments: number; last: number } {
  let segments = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > capacity) {
      segments++;
      used = 0;
    }
    used += size;
  }
  return { segments, last: used };
}

export function countSegments(text: string): SegmentCount {
  const chars = Array.from(text);
  const gsm = chars.every((char) => septets(char) !== undefined);
  const encoding: SmsEncoding = gsm ? 'GSM-7' : 'UCS-2';
  const sizes = chars.map((char) => (gsm ? (septets(char) as number) : char.length));
  const units = sizes.reduce((sum, size) => sum + size, 0);
  const limits = LIMITS[encoding];

  if (units === 0) {
    return {
      encoding,
      characters: 0,
      units: 0,
      segments: 0,
      unitsInLastSegment: 0,
      unitsPerSegment: limits.single,
    };
  }
  if (units <= limits.single) {
    return {
      encoding,
      characters: chars.length,
      units,
      segments: 1,
      unitsInLastSegment: units,
      unitsPerSegment: limits.single,
    };
  }
  const packed = pack(sizes, limits.multi);
  return {
    encoding,
    characters: chars.length,
    units,
    segments: packed.segments,
    unitsInLastSegment: packed.last,
    unitsPerSegment: limits.multi,
  };
}

/** The characters that force UCS-2, each once, in order of appearance: what to show a sender. */
export function nonGsmCharacters(text: string): string[] {
  const found = new Set<string>();
  for (const char of text) if (septets(char) === undefined) found.add(char);
  return [...found];
}
