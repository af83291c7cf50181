/**
 * A small RFC 4180 reader for the tests of the history export: records of cells, quotes undone,
 * CRLF between records.
 *
 * `CsvRecordReader` reads a body as it arrives, in chunks cut anywhere — between the CR and the
 * LF of a record's end, inside a quoted cell. Counting `'\r\n'` in each chunk on its own misses
 * every record end that a chunk boundary splits: that is how the 100,000-row export once "lost"
 * three lines that had all arrived (issue 14).
 */
export class CsvRecordReader {
  #record: string[] = [];
  #cell = '';
  #quoted = false;
  /** The previous chunk ended inside a quoted cell on a `"`: an escaped quote or the closing one. */
  #pendingQuote = false;
  /** The previous chunk ended on a CR outside quotes. */
  #pendingCr = false;
  #count = 0;
  #last: string[] | null = null;

  /** Records completed so far. */
  get count(): number {
    return this.#count;
  }

  /** The last complete record. */
  get last(): string[] | null {
    return this.#last;
  }

  /** Reads one chunk; `onRecord` gets every record it completes. */
  push(text: string, onRecord?: (record: string[]) => void): void {
    for (let i = 0; i < text.length; i++) {
      const ch = text[i] as string;
      if (this.#pendingQuote) {
        this.#pendingQuote = false;
        if (ch === '"') {
          this.#cell += '"';
          continue;
        }
        this.#quoted = false;
      }
      if (this.#pendingCr) {
        this.#pendingCr = false;
        if (ch === '\n') {
          this.#endRecord(onRecord);
          continue;
        }
        this.#cell += '\r';
      }
      if (this.#quoted) {
        if (ch === '"') this.#pendingQuote = true;
        else this.#cell += ch;
      } else if (ch === '"') this.#quoted = true;
      else if (ch === ',') {
        this.#record.push(this.#cell);
        this.#cell = '';
      } else if (ch === '\r') this.#pendingCr = true;
      else this.#cell += ch;
    }
  }

  /** Throws unless the text read so far ends with a complete record, so a cut-off export fails loudly. */
  end(): void {
    if (this.#pendingQuote) {
      this.#pendingQuote = false;
      this.#quoted = false;
    }
    if (this.#cell !== '' || this.#record.length > 0 || this.#quoted || this.#pendingCr) {
      throw new Error('the CSV text does not end with a complete record');
    }
  }

  #endRecord(onRecord?: (record: string[]) => void): void {
    this.#record.push(this.#cell);
    const record = this.#record;
    this.#record = [];
    this.#cell = '';
    this.#count += 1;
    this.#last = record;
    onRecord?.(record);
  }
}

/** Every record of a whole CSV text; throws on a text that does not end its last record. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  const reader = new CsvRecordReader();
  reader.push(text, (record) => records.push(record));
  reader.end();
  return records;
}
