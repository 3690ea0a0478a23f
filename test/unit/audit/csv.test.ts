import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CSV_BOM, csvCell, csvLine } from '../../../functions/audit/csv';

/** An RFC 4180 reader, as a spreadsheet would read the file (enough for these tests). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += char;
  }
  return rows;
}

describe('CSV cells', () => {
  it('quotes commas, quotes and line breaks, doubling quotes', () => {
    expect(csvCell('Patel, Sam')).toBe('"Patel, Sam"');
    expect(csvCell('say "no"')).toBe('"say ""no"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(42)).toBe('42');
  });

  it.each([
    ['=HYPERLINK("http://example.com","click")', `"'=HYPERLINK(""http://example.com"",""click"")"`],
    ['+44 7700 900123', "'+44 7700 900123"],
    ['-1+1', "'-1+1"],
    ['@SUM(A1:A2)', "'@SUM(A1:A2)"],
    ['\tcmd', "'\tcmd"],
    ['\r=1', `"'\r=1"`],
  ])('neutralises a cell a spreadsheet would run as a formula: %j', (value, written) => {
    expect(csvCell(value)).toBe(written);
    const [[read]] = parseCsv(csvLine([value])) as [[string]];
    expect(read.startsWith("'")).toBe(true);
    expect(read.slice(1)).toBe(value);
  });

  it('leaves text that only contains formula characters later alone', () => {
    expect(csvCell('a=b')).toBe('a=b');
    expect(csvCell('2026-03-01')).toBe('2026-03-01');
  });

  it('reads back every row as written (apart from the apostrophe before a formula)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.string(), { minLength: 1, maxLength: 5 }), { maxLength: 5 }),
        (rows) => {
          const read = parseCsv(rows.map((cells) => csvLine(cells)).join(''));
          const expected = rows.map((cells) =>
            cells.map((cell) => (/^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell)),
          );
          expect(read).toEqual(expected);
        },
      ),
      { seed: 12, numRuns: 300 },
    );
  });

  it('starts the file with a byte order mark, so Excel reads it as UTF-8', () => {
    expect(CSV_BOM).toBe('\uFEFF');
  });
});
