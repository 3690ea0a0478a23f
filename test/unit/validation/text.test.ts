import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nameProblem, normaliseName, textProblem } from '../../../layers/universal/text';
import { nameText, TextRule, withTextRule } from '../../../layers/validation/text';
import * as z from '../../../layers/validation/z';

describe('the text rule', () => {
  it.each([
    ['a lone high surrogate', 'ab\ud800cd', 'malformed'],
    ['a lone low surrogate', '\udc00', 'malformed'],
    ['a reversed pair', '\udc00\ud800', 'malformed'],
    ['NUL', 'a\u0000b', 'control'],
    ['escape', '\u001b[31m', 'control'],
    ['DEL', 'a\u007f', 'control'],
    ['a C1 control', '\u0085', 'control'],
    ['a right-to-left override', 'abc\u202Edcb', 'bidi'],
    ['a left-to-right isolate', '\u2066x\u2069', 'bidi'],
    ['a line separator', 'a\u2028b', 'separator'],
    ['a byte order mark', '\ufeffabc', 'separator'],
    ['a noncharacter', 'a\uffff', 'separator'],
    ['an astral noncharacter', 'a\u{10FFFF}', 'separator'],
  ])('refuses %s', (_what, value, problem) => {
    expect(textProblem(value)).toBe(problem);
  });

  it.each([
    ['plain ASCII', 'Jo Bloggs'],
    ['accents, decomposed and composed', 'Zoë Ñúñez Zoe\u0308'],
    ['right-to-left script and direction marks', 'مريم\u200F خان'],
    ['astral characters in proper pairs', '𝒜 😀'],
    ['tabs and line breaks', 'line one\r\nline two\tend'],
    ['the empty string', ''],
  ])('accepts %s', (_what, value) => {
    expect(textProblem(value)).toBeUndefined();
  });

  it('accepts exactly the well-formed strings free of controls, for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (value) => {
        const wellFormed = value === Buffer.from(value, 'utf8').toString('utf8');
        if (!wellFormed) expect(textProblem(value)).toBe('malformed');
        else if (textProblem(value) === undefined) {
          // biome-ignore lint/suspicious/noControlCharactersInRegex: what must not be there.
          expect(value).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E]/u);
        }
      }),
      { seed: 13, numRuns: 2000 },
    );
  });

  it('names every string that breaks it by its path, keys included, and nothing else', () => {
    const result = z.safeParse(TextRule, {
      name: 'ok',
      nested: { list: ['fine', 'bad\ud800'] },
      'key\u0000': 'value',
      other: 'a\u202Eb',
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => ({ path: issue.path, message: issue.message }))).toEqual([
      { path: ['nested', 'list', 1], message: 'is not valid Unicode text (it holds a lone surrogate)' },
      { path: [], message: 'has a field name that must not contain control characters' },
      { path: ['other'], message: 'must not contain characters that reverse the direction of text' },
    ]);
  });

  it('stops a schema from seeing malformed text, and lets plain text through to it', () => {
    const schema = withTextRule(z.strictObject({ code: z.string().check(z.regex(/^[A-Z]+$/)) }));
    expect(z.safeParse(schema, { code: 'AB' }).success).toBe(true);
    const refused = z.safeParse(schema, { code: '\ud800' });
    expect(refused.error?.issues).toHaveLength(1);
    expect(refused.error?.issues[0]?.path).toEqual(['code']);
  });
});

describe('names', () => {
  it.each([
    'Jo Bloggs',
    "Siobhán O'Neill-Ó Briain",
    'Dr. J. Smith, MBBS',
    'Mary‐Jane (locum)',
    'Brookside & District Health Centre',
    'Riverside Surgery (demo)',
    '王小明',
    'علی‌رضا',
    'St Mary’s 2',
  ])('accepts %s', (name) => {
    expect(nameProblem(normaliseName(name))).toBeUndefined();
  });

  it.each([
    ['<script>alert(1)</script>', 'characters'],
    ['Jo <b>Bloggs</b>', 'characters'],
    ['=HYPERLINK("x")', 'characters'],
    ['-Jo', 'start'],
    ['Jo 😀', 'characters'],
    ['Jo\u200BBloggs', 'characters'],
    ['"quoted"', 'characters'],
    ['', 'missing'],
    ['   ', 'missing'],
    ['x'.repeat(121), 'too-long'],
  ])('refuses %j (%s)', (name, problem) => {
    expect(nameProblem(normaliseName(name))).toBe(problem);
  });

  it('is stored normalised: NFC, trimmed, one space between words', () => {
    const schema = nameText({ label: 'Full name' });
    expect(z.parse(schema, '  Zoe\u0308 \t  Smith ')).toBe('Zoë Smith');
    expect(z.safeParse(schema, 'Jo\nBloggs').success).toBe(true);
    expect(z.safeParse(schema, 'Jo<b>').error?.issues[0]?.message).toBe(
      "Full name can only contain letters, numbers, spaces and the punctuation . , ' - ( ) / &",
    );
    expect(z.safeParse(schema, 'Jo\ud800').error?.issues[0]?.message).toMatch(/not valid Unicode/);
  });
});
