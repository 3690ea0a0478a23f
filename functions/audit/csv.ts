/**
 * CSV as RFC 4180 writes it (comma separated, CRLF line ends, a field quoted when it holds a comma, a quote or
 * a line break, quotes doubled), with the cells a spreadsheet would run as a formula neutralised: a cell that
 * starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading apostrophe (OWASP's advice on CSV
 * injection), so "=HYPERLINK(...)" typed into a name field is shown as text, never evaluated.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: string | number | boolean | null | undefined): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: readonly (string | number | boolean | null | undefined)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** The first line of every export: Excel reads a UTF-8 file as such only with a byte order mark. */
export const CSV_BOM = '\uFEFF';
