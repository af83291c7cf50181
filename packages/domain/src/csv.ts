/**
 * CSV as spreadsheets read it (RFC 4180, UTF-8 with a BOM so accents survive, formula injection
 * neutralised), written as a stream of chunks so any number of rows takes constant memory. The
 * history export and the audit export are both made of it.
 */

/** U+FEFF, which becomes EF BB BF once the chunk is encoded as UTF-8. */
export const UTF8_BOM = '\uFEFF';

const CRLF = '\r\n';
/** Rows are gathered into chunks of about this many characters, to keep per-chunk overhead low. */
const CHUNK_CHARS = 16_384;

/** The BOM and the header, then the rows, in chunks of about 16 k characters. */
export async function* csvChunks(
  columns: readonly string[],
  rows: AsyncIterable<readonly string[]> | Iterable<readonly string[]>,
): AsyncGenerator<string, void, undefined> {
  let chunk = UTF8_BOM + csvLine(columns);
  for await (const cells of rows) {
    chunk += csvLine(cells);
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  yield chunk;
}

/** One record, CRLF-terminated (RFC 4180 §2.1–2.2). */
export function csvLine(cells: readonly string[]): string {
  return cells.map(csvCell).join(',') + CRLF;
}

/** A plain number, the only cell shape allowed to start with `-` untouched: it cannot be a formula. */
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;
/** OWASP "CSV Injection": a spreadsheet evaluates a cell starting with these as a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;
/** RFC 4180 §2.6: fields containing a comma, a double quote, CR or LF are enclosed in double quotes. */
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: string): string {
  if (FORMULA_START.test(value) && !PLAIN_NUMBER.test(value)) {
    // Neutralised with a leading single quote, and always quoted so the cell reads as text.
    return `"'${value.replaceAll('"', '""')}"`;
  }
  // RFC 4180 §2.7: a double quote inside a quoted field is escaped by doubling it.
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
