import { describe, expect, it } from 'vitest';
import {
  buildInviteMessage,
  checkInviteMessage,
  fitsInTwoSegments,
  MAX_CLINICIAN_TEXT_CHARS,
  maxClinicianTextLength,
  normaliseClinicianText,
} from '../../../layers/universal/invite-message';
import { countSegments } from '../../../layers/universal/sms-segments';

const practiceName = 'Riverside Surgery (demo)';
// 22 characters: a 128-bit token in base64url, as invite-secrets makes it.
const link = 'https://clinic-connect.example.nhs.uk/j/AbCdEfGhIjKlMnOpQrStUv';
const code = '123456';

describe('the invite SMS', () => {
  it('is exactly the practice, the link and the code', () => {
    expect(buildInviteMessage({ practiceName, link, code })).toBe(
      'Riverside Surgery (demo) has invited you to a video consultation.\n' +
        `Join: ${link}\n` +
        'Your code: 123456',
    );
  });

  it("adds the clinician's text on its own line", () => {
    expect(
      buildInviteMessage({ practiceName, link, code, clinicianText: 'Dr Patel will call at 2pm.' }),
    ).toBe(
      `Riverside Surgery (demo) has invited you to a video consultation.\nJoin: ${link}\nYour code: 123456\nDr Patel will call at 2pm.`,
    );
  });

  it('has no place for anything about the patient: only these four inputs reach the text', () => {
    const input = { practiceName, link, code, nhsNumber: '9990000018', name: 'Sam Pretendson' };
    const text = buildInviteMessage(input);
    expect(text).not.toContain('999');
    expect(text).not.toContain('Sam');
  });

  it('fits in one GSM-7 segment without a note', () => {
    expect(countSegments(buildInviteMessage({ practiceName, link, code }))).toMatchObject({
      encoding: 'GSM-7',
      segments: 1,
    });
  });

  it('refuses a link that is not https (except on loopback), a code that is not six digits', () => {
    expect(() => buildInviteMessage({ practiceName, link: 'http://example.com/j/x', code })).toThrow(/https/);
    expect(() => buildInviteMessage({ practiceName, link: 'https://x.example/j/a b', code })).toThrow(
      /spaces/,
    );
    expect(() => buildInviteMessage({ practiceName, link: 'not a url', code })).toThrow();
    expect(() => buildInviteMessage({ practiceName, link, code: '12345' })).toThrow(/six digits/);
    expect(() => buildInviteMessage({ practiceName, link, code: '12345a' })).toThrow(/six digits/);
    expect(buildInviteMessage({ practiceName, link: 'http://127.0.0.1:3000/j/x', code })).toContain(
      'Join: http://127.0.0.1:3000/j/x\n',
    );
  });

  it('keeps the practice name on one line and refuses an empty one', () => {
    expect(buildInviteMessage({ practiceName: ' St Mary’s\nPractice ', link, code })).toMatch(
      /^St Mary's Practice has invited you/,
    );
    expect(() => buildInviteMessage({ practiceName: '  ', link, code })).toThrow(/practice name/);
  });
});

describe("normalising the clinician's text", () => {
  it('replaces curly quotes, dashes, ellipses and odd spaces with plain ones', () => {
    expect(normaliseClinicianText('Don’t worry — it’s “routine”…\u00a0See you\u2009soon')).toBe(
      'Don\'t worry - it\'s "routine"... See you soon',
    );
  });

  it('keeps letters as written, even outside GSM-7', () => {
    expect(normaliseClinicianText('Dr Siân Jones, Łódź')).toBe('Dr Siân Jones, Łódź');
  });

  it('trims, collapses spaces and blank lines, and drops control characters', () => {
    expect(normaliseClinicianText('  Hello   there \r\n\r\n\r\nBye\u0007 ')).toBe('Hello there\nBye');
    expect(normaliseClinicianText(undefined)).toBe('');
    expect(normaliseClinicianText('   ')).toBe('');
  });

  it('keeps a curly-quoted note in GSM-7, so it costs what a plain one does', () => {
    const check = checkInviteMessage({ practiceName, link, code, clinicianText: 'It’s at 2pm' });
    expect(check.segments.encoding).toBe('GSM-7');
    expect(check.clinicianText).toBe("It's at 2pm");
  });
});

describe('the 2-segment budget', () => {
  const max = maxClinicianTextLength({ practiceName, link });

  it('is what is left of 306 septets after the fixed text and a line break', () => {
    const base = countSegments(`${buildInviteMessage({ practiceName, link, code })}\n`).units;
    expect(max).toBe(306 - base);
    expect(max).toBeGreaterThan(100);
    expect(max).toBeLessThan(MAX_CLINICIAN_TEXT_CHARS);
  });

  it('lets exactly the maximum through, and not one character more', () => {
    const atMax = checkInviteMessage({ practiceName, link, code, clinicianText: 'a'.repeat(max) });
    expect(atMax).toMatchObject({ fits: true, problems: [], maxClinicianTextChars: max });
    expect(atMax.segments).toMatchObject({ segments: 2, unitsInLastSegment: 153 });

    const over = checkInviteMessage({ practiceName, link, code, clinicianText: 'a'.repeat(max + 1) });
    expect(over).toMatchObject({ fits: false, problems: ['too-many-segments'] });
    expect(fitsInTwoSegments(over.text)).toBe(false);
    expect(fitsInTwoSegments(atMax.text)).toBe(true);
  });

  it('shrinks when a note needs UCS-2 (an emoji): the check says so', () => {
    const check = checkInviteMessage({
      practiceName,
      link,
      code,
      clinicianText: `See you soon 😀 ${'a'.repeat(20)}`,
    });
    expect(check.segments.encoding).toBe('UCS-2');
    expect(check.segments.segments).toBeGreaterThan(2);
    expect(check.problems).toEqual(['too-many-segments']);
  });

  it('counts the euro and other extension characters as two septets', () => {
    const check = checkInviteMessage({
      practiceName,
      link,
      code,
      clinicianText: '€'.repeat(Math.ceil(max / 2) + 1),
    });
    expect(check.fits).toBe(false);
  });

  it('reports a note over 300 characters as such, beside the segment problem it also has', () => {
    // The fixed text is at least ~80 septets, so 2 segments bind before 300 does; the API's schema caps
    // the field at 300 all the same, and the check names both.
    const short = { practiceName: 'A', link: 'https://a.uk/j/x' };
    expect(maxClinicianTextLength(short)).toBeLessThan(MAX_CLINICIAN_TEXT_CHARS);
    const check = checkInviteMessage({ ...short, code, clinicianText: 'a'.repeat(301) });
    expect(check.problems).toEqual(['clinician-text-too-long', 'too-many-segments']);
  });

  it('counts in UCS-2 when the practice name itself needs it', () => {
    const welsh = { practiceName: 'Meddygfa Tŷ Gwyn', link };
    const base = countSegments(`${buildInviteMessage({ ...welsh, code })}\n`);
    expect(base.encoding).toBe('UCS-2');
    expect(maxClinicianTextLength(welsh)).toBe(Math.max(0, 134 - base.units));
  });
});
