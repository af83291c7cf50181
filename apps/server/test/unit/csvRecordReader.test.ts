import { describe, expect, it } from 'vitest';
import { CsvRecordReader, parseCsv } from '../../../../test-support/csv';

/**
 * The reader the export tests count records with. Issue 14: counting CRLFs chunk by chunk missed
 * every record end a read boundary fell inside of, so an export that arrived whole looked short.
 */
describe('CsvRecordReader', () => {
  const text = 'a,"b ""q"", c",d\r\n"multi\r\nline",x,\r\nlast,"",z\r\n';
  const whole = parseCsv(text);

  it('reads a whole text', () => {
    expect(whole).toEqual([
      ['a', 'b "q", c', 'd'],
      ['multi\r\nline', 'x', ''],
      ['last', '', 'z'],
    ]);
  });

  it('reads the same records however the text is cut into chunks', () => {
    for (let size = 1; size <= text.length; size++) {
      const reader = new CsvRecordReader();
      const records: string[][] = [];
      for (let at = 0; at < text.length; at += size) reader.push(text.slice(at, at + size), (r) => records.push(r));
      reader.end();
      expect(records, `chunks of ${size}`).toEqual(whole);
      expect(reader.count).toBe(3);
      expect(reader.last).toEqual(['last', '', 'z']);
    }
  });

  it('counts a record end split between two chunks, which a per-chunk CRLF count misses', () => {
    const chunks = ['x,1\r', '\ny,2\r\n'];
    const naive = chunks.reduce((n, chunk) => n + chunk.split('\r\n').length - 1, 0);
    const reader = new CsvRecordReader();
    for (const chunk of chunks) reader.push(chunk);
    expect(naive).toBe(1);
    expect(reader.count).toBe(2);
  });

  it('refuses a text cut off inside a record', () => {
    for (const cut of ['a,b', 'a,"b\r\n', 'a,b\r']) {
      const reader = new CsvRecordReader();
      reader.push(cut);
      expect(() => reader.end(), JSON.stringify(cut)).toThrow(/complete record/);
    }
  });
});
