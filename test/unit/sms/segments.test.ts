import { describe, expect, it } from 'vitest';
import { countSegments, isGsm7, nonGsmCharacters } from '../../../layers/universal/sms-segments';

describe('GSM-7', () => {
  it('counts plain text as one septet a character', () => {
    expect(countSegments('Hello')).toEqual({
      encoding: 'GSM-7',
      characters: 5,
      units: 5,
      segments: 1,
      unitsInLastSegment: 5,
      unitsPerSegment: 160,
    });
  });

  it('fits exactly 160 in one segment; 161 makes two of 153', () => {
    expect(countSegments('a'.repeat(160))).toMatchObject({ segments: 1, unitsInLastSegment: 160 });
    expect(countSegments('a'.repeat(161))).toMatchObject({
      segments: 2,
      unitsInLastSegment: 8,
      unitsPerSegment: 153,
    });
  });

  it('fits 306 (153 × 2) in two segments; 307 makes three', () => {
    expect(countSegments('a'.repeat(306))).toMatchObject({ segments: 2, unitsInLastSegment: 153 });
    expect(countSegments('a'.repeat(307))).toMatchObject({ segments: 3, unitsInLastSegment: 1 });
    expect(countSegments('a'.repeat(459))).toMatchObject({ segments: 3 });
  });

  it('counts the euro sign and every extension character as two septets', () => {
    for (const char of ['€', '^', '{', '}', '\\', '[', '~', ']', '|', '\f']) {
      expect(countSegments(char), char).toMatchObject({ encoding: 'GSM-7', characters: 1, units: 2 });
    }
    expect(countSegments('€'.repeat(80))).toMatchObject({ units: 160, segments: 1 });
    expect(countSegments(`${'€'.repeat(80)}a`)).toMatchObject({ units: 161, segments: 2 });
  });

  it('never splits an escape from its character across segments', () => {
    // 152 septets, then a euro (2): it cannot start in the last septet of segment one.
    const text = `${'a'.repeat(152)}€${'a'.repeat(10)}`;
    expect(countSegments(text)).toMatchObject({ units: 164, segments: 2, unitsInLastSegment: 12 });
    // ... which can cost a whole extra segment at the boundary.
    const edge = `${'a'.repeat(152)}€${'a'.repeat(152)}`;
    expect(countSegments(edge)).toMatchObject({ units: 306, segments: 3, unitsInLastSegment: 1 });
  });

  it('carries £, accented letters the GSM set has, newlines and Greek capitals', () => {
    expect(isGsm7('£5 café Ünïon? no: Ünion Ñ ß ΔΦΓ\n\r')).toBe(false); // ï is not in the set
    expect(isGsm7('£5 café Ünion Ñ ß ΔΦΓ\n\r@_')).toBe(true);
  });

  it('knows the basic set has 127 printable characters plus the escape', () => {
    let count = 0;
    for (let code = 0; code <= 0x3ff; code++) if (isGsm7(String.fromCodePoint(code))) count++;
    count += ['€'].filter(isGsm7).length;
    // 127 basic (without ESC) + 9 extension characters in that range (form feed ^ { } \ [ ~ ] |) + the euro.
    expect(count).toBe(127 + 9 + 1);
    expect(isGsm7('\u001b')).toBe(false);
  });
});

describe('UCS-2', () => {
  it('is used when one character is outside GSM-7, e.g. curly quotes', () => {
    expect(countSegments('Don’t forget')).toMatchObject({
      encoding: 'UCS-2',
      characters: 12,
      units: 12,
      segments: 1,
      unitsPerSegment: 70,
    });
    expect(countSegments('“Hello”').encoding).toBe('UCS-2');
    expect(countSegments("Don't forget").encoding).toBe('GSM-7');
  });

  it('fits 70 in one segment; 71 makes two of 67; 134 two; 135 three', () => {
    const ucs = (n: number) => `’${'a'.repeat(n - 1)}`;
    expect(countSegments(ucs(70))).toMatchObject({ segments: 1, unitsInLastSegment: 70 });
    expect(countSegments(ucs(71))).toMatchObject({ segments: 2, unitsInLastSegment: 4, unitsPerSegment: 67 });
    expect(countSegments(ucs(134))).toMatchObject({ segments: 2, unitsInLastSegment: 67 });
    expect(countSegments(ucs(135))).toMatchObject({ segments: 3, unitsInLastSegment: 1 });
  });

  it('counts an emoji as two UTF-16 units but one character', () => {
    expect(countSegments('😀')).toMatchObject({ encoding: 'UCS-2', characters: 1, units: 2 });
    expect(countSegments('😀'.repeat(35))).toMatchObject({ units: 70, segments: 1 });
    expect(countSegments('😀'.repeat(36))).toMatchObject({ units: 72, segments: 2 });
  });

  it('never splits a surrogate pair across segments', () => {
    const text = `’${'a'.repeat(65)}😀`; // 66 units, then an emoji that would straddle 67
    expect(countSegments(`${text}${'a'.repeat(10)}`)).toMatchObject({
      units: 78,
      segments: 2,
      unitsInLastSegment: 12,
    });
  });

  it('treats the euro as GSM-7 but the cent sign as UCS-2', () => {
    expect(countSegments('€5').encoding).toBe('GSM-7');
    expect(countSegments('5¢').encoding).toBe('UCS-2');
  });
});

describe('edge cases', () => {
  it('counts an empty text as no segments', () => {
    expect(countSegments('')).toMatchObject({ characters: 0, units: 0, segments: 0, unitsInLastSegment: 0 });
  });

  it('lists the characters that force UCS-2, once each', () => {
    expect(nonGsmCharacters('It’s “fine” — isn’t it? 😀')).toEqual(['’', '“', '”', '—', '😀']);
    expect(nonGsmCharacters('plain')).toEqual([]);
  });
});
