import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeQrCodes, svgToPng } from '../../../../test-support/qrDecode';
import { pairingCodeFromQr } from '../../../web/src/pairing/qrContent';
import {
  pairingUrl,
  renderStickerPdf,
  renderStickerSheetPdf,
  renderStickerSheetSvg,
  renderStickerSvg,
  type StickerLocker,
  stickerSizeMm,
  winAnsi,
} from '../../src/provisioning/stickers';

/**
 * Issue 11's printable stickers: the QR code must scan back to the pairing URL of docs/pairing.md,
 * the code must be there in clear (as text, in the SVG and in the PDF), and the PDF must be one a
 * print shop opens. The PDF is read by poppler (pdfinfo, pdftotext, pdffonts, pdftoppm); under CI
 * poppler-utils is installed by .ci/run and its absence is a failure.
 */
const inCi = process.env.CI === 'true' || process.env.CI === '1';
const popplerInstalled = ['pdfinfo', 'pdftotext', 'pdffonts', 'pdftoppm'].every(
  (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0,
);
if (!popplerInstalled && inCi)
  throw new Error('poppler-utils (pdfinfo, pdftotext, pdffonts, pdftoppm) must be installed when CI=true');

const PUBLIC_URL = 'https://lockers.example.org';
const lockers: StickerLocker[] = Array.from({ length: 10 }, (_, i) => ({
  pairingCode: `SL-ECOLE-${String(i + 1).padStart(2, '0')}`,
  name: `Casier ${i + 1}`,
  siteName: 'École du Centre',
}));
const first = lockers[0] as StickerLocker;

/** Rasterising an A4 page and decoding its codes takes a few seconds on a busy machine. */
const DECODE = { timeout: 30_000 };

const work = mkdtempSync(join(tmpdir(), 'smartlocker-stickers-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(tool: string, args: string[]): string {
  const result = spawnSync(tool, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/** The bounding box and module size of the QR path (`M x y h w v m h -w z` runs, as qrPathData writes them). */
function qrGeometry(svg: string) {
  const d = /<path d="([^"]+)" fill="#000000"/.exec(svg)?.[1];
  if (!d) throw new Error('no QR path');
  const runs = [...d.matchAll(/M([\d.]+) ([\d.]+)h([\d.]+)v([\d.]+)/g)].map((m) => m.slice(1).map(Number));
  const module = Math.min(...runs.map(([, , , v]) => v as number));
  return {
    module,
    left: Math.min(...runs.map(([x]) => x as number)),
    top: Math.min(...runs.map(([, y]) => y as number)),
    right: Math.max(...runs.map(([x, , w]) => (x as number) + (w as number))),
    bottom: Math.max(...runs.map(([, y, , v]) => (y as number) + (v as number))),
  };
}

/** Structure of a classic (non-stream) cross-reference table: every offset lands on its object. */
function checkXref(pdf: Buffer): number {
  const text = pdf.toString('latin1');
  expect(text.startsWith('%PDF-1.7')).toBe(true);
  expect(text.trimEnd().endsWith('%%EOF')).toBe(true);
  const startxref = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(text)?.[1]);
  expect(text.slice(startxref, startxref + 4)).toBe('xref');
  const header = /^xref\s+0 (\d+)\s+/.exec(text.slice(startxref));
  if (!header) throw new Error('no xref subsection');
  const count = Number(header[1]);
  const entries = text
    .slice(startxref + header[0].length)
    .split(/\r?\n/)
    .slice(0, count);
  entries.forEach((entry, id) => {
    const [offset, , kind] = entry.trim().split(' ');
    if (kind !== 'n') return;
    expect(text.slice(Number(offset)).startsWith(`${id} 0 obj`)).toBe(true);
  });
  expect(/trailer\s*<<[\s\S]*\/Root \d+ 0 R/.test(text.slice(startxref))).toBe(true);
  return count;
}

describe('pairing URL', () => {
  it('is docs/pairing.md’s, and the web app reads the code back out of it', () => {
    expect(pairingUrl(PUBLIC_URL, 'SL-ECOLE-01')).toBe('https://lockers.example.org/p/SL-ECOLE-01');
    expect(pairingUrl('https://lockers.example.org/', 'SL-ECOLE-01')).toBe('https://lockers.example.org/p/SL-ECOLE-01');
    expect(pairingCodeFromQr(pairingUrl('http://localhost:3000', 'SL-SPORT_01'))).toBe('SL-SPORT_01');
  });
});

describe('one sticker as SVG', () => {
  const svg = renderStickerSvg(first, { publicUrl: PUBLIC_URL });

  it('is well-formed XML sized in millimetres', async () => {
    const { width, height } = stickerSizeMm('2x4');
    expect(svg).toContain(`width="${width}mm" height="${height}mm" viewBox="0 0 ${width} ${height}"`);
    // librsvg (through sharp) refuses a document that is not well-formed XML.
    const png = await svgToPng(svg, 200);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  });

  it(
    'scans back to the pairing URL at error correction Q, and prints the code, name, site and brand as text',
    DECODE,
    async () => {
      const found = await decodeQrCodes(await svgToPng(svg, 200));
      expect(found).toHaveLength(1);
      expect(found[0]?.text).toBe('https://lockers.example.org/p/SL-ECOLE-01');
      expect(found[0]?.ecLevel).toBe('Q');
      expect(pairingCodeFromQr(found[0]?.text ?? '')).toBe('SL-ECOLE-01');
      const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
      expect(texts).toEqual(expect.arrayContaining(['SL-ECOLE-01', 'Casier 1', 'École du Centre', 'SMART', 'LOCKER']));
    },
  );

  it('draws the QR code as vector shapes with a quiet zone of 4 modules', () => {
    expect(svg).not.toMatch(/<image/);
    const qr = qrGeometry(svg);
    const { height } = stickerSizeMm('2x4');
    // Version 4 (33 modules) for this URL at level Q; 41.9 mm wide with its quiet zone: ~1 mm modules.
    expect((qr.right - qr.left) / qr.module).toBeCloseTo(33, 2);
    expect(qr.module).toBeGreaterThan(0.9);
    expect(qr.left).toBeGreaterThanOrEqual(4 * qr.module);
    expect(qr.top).toBeGreaterThanOrEqual(4 * qr.module);
    expect(height - qr.bottom).toBeGreaterThanOrEqual(4 * qr.module);
    const textX = [...svg.matchAll(/<text x="([\d.]+)"/g)].map((m) => Number(m[1]));
    for (const x of textX) expect(x).toBeGreaterThanOrEqual(qr.right + 4 * qr.module);
  });

  it('escapes what it prints, shortens a long name and never shortens the code', () => {
    const long = renderStickerSvg(
      {
        pairingCode: 'SL-GYMNASE-NORD-ETAGE-2-CASIER-117',
        name: 'Casier <du couloir> & de la cantine, près du grand gymnase',
        siteName: 'Site "A"',
      },
      { publicUrl: PUBLIC_URL, layout: '3x7' },
    );
    expect(long).toContain('>SL-GYMNASE-NORD-ETAGE-2-CASIER-117</text>');
    expect(long).toMatch(/>Casier &#60;du [^<]*…<\/text>/);
    expect(long).toContain('Site &#34;A&#34;');
    expect(long).not.toMatch(/<du couloir>/);
  });

  it('refuses what it cannot print with a stable code', () => {
    expect(() => renderStickerSvg(first, { publicUrl: 'lockers.example.org' })).toThrow(
      expect.objectContaining({ code: 'invalid_public_url' }),
    );
    expect(() => renderStickerSheetSvg([], { publicUrl: PUBLIC_URL })).toThrow(
      expect.objectContaining({ code: 'no_lockers' }),
    );
    expect(() => renderStickerSheetSvg(lockers, { publicUrl: PUBLIC_URL, layout: '4x4' as '2x4' })).toThrow(
      expect.objectContaining({ code: 'invalid_layout' }),
    );
  });
});

describe('A4 sheets as SVG', () => {
  it(
    'puts 8 stickers on a 2x4 page and the rest on the next, each QR code scanning to its own locker',
    DECODE,
    async () => {
      const pages = renderStickerSheetSvg(lockers, { publicUrl: PUBLIC_URL, layout: '2x4' });
      expect(pages).toHaveLength(2);
      for (const page of pages) expect(page).toContain('width="210mm" height="297mm" viewBox="0 0 210 297"');
      const read = async (page: string) => (await decodeQrCodes(await svgToPng(page, 150))).map((qr) => qr.text).sort();
      expect(await read(pages[0] as string)).toEqual(
        lockers.slice(0, 8).map((l) => pairingUrl(PUBLIC_URL, l.pairingCode)),
      );
      expect(await read(pages[1] as string)).toEqual(
        lockers.slice(8).map((l) => pairingUrl(PUBLIC_URL, l.pairingCode)),
      );
    },
  );

  it('fits 21 smaller stickers on a 3x7 page', DECODE, async () => {
    const many = Array.from({ length: 21 }, (_, i) => ({ ...first, pairingCode: `SL-SPORT-${i + 1}` }));
    const pages = renderStickerSheetSvg(many, { publicUrl: PUBLIC_URL, layout: '3x7' });
    expect(pages).toHaveLength(1);
    const found = await decodeQrCodes(await svgToPng(pages[0] as string, 150));
    expect(new Set(found.map((qr) => qr.text))).toEqual(
      new Set(many.map((l) => pairingUrl(PUBLIC_URL, l.pairingCode))),
    );
  });
});

describe.skipIf(!popplerInstalled)('PDF', () => {
  it('is a valid PDF with one A4 page per sheet, the codes as text and the standard fonts only', DECODE, async () => {
    const pdf = await renderStickerSheetPdf(lockers, { publicUrl: PUBLIC_URL, layout: '2x4' });
    expect(checkXref(pdf)).toBeGreaterThan(5);
    const file = join(work, 'sheet.pdf');
    writeFileSync(file, pdf);
    const info = run('pdfinfo', [file]);
    expect(info).toMatch(/^Pages:\s+2$/m);
    expect(info).toMatch(/^Page size:\s+595\.27\d? x 841\.89 pts \(A4\)$/m);
    expect(info).toMatch(/^PDF version:\s+1\.7$/m);
    const text = run('pdftotext', ['-layout', file, '-']);
    for (const locker of lockers) expect(text).toContain(locker.pairingCode);
    expect(text).toContain('École du Centre');
    // The standard 14 fonts: nothing embedded, WinAnsi encoding.
    const fonts = run('pdffonts', [file]).trim().split('\n').slice(2);
    expect(fonts.length).toBeGreaterThan(0);
    for (const line of fonts) expect(line).toMatch(/^Helvetica(-Bold)?\s+Type 1\s+WinAnsi\s+no\s+no\s+no/);
  });

  it('prints QR codes that scan back from the rendered page', DECODE, async () => {
    const file = join(work, 'scan.pdf');
    writeFileSync(file, await renderStickerSheetPdf(lockers, { publicUrl: PUBLIC_URL, layout: '3x7' }));
    run('pdftoppm', ['-r', '150', '-png', file, join(work, 'scan')]);
    const images = readdirSync(work).filter((f) => f.startsWith('scan') && f.endsWith('.png'));
    expect(images).toHaveLength(1);
    const found = await decodeQrCodes(readFileSync(join(work, images[0] as string)));
    expect(found.map((qr) => qr.text).sort()).toEqual(lockers.map((l) => pairingUrl(PUBLIC_URL, l.pairingCode)));
    for (const qr of found) expect(qr.ecLevel).toBe('Q');
  });

  it('prints one sticker on a page of its own size, accents outside WinAnsi dropped rather than garbled', async () => {
    const file = join(work, 'one.pdf');
    const pdf = await renderStickerPdf(
      { pairingCode: 'SL-LODZ-01', name: 'Szafka Łódź', siteName: 'Kraków' },
      { publicUrl: PUBLIC_URL },
    );
    checkXref(pdf);
    writeFileSync(file, pdf);
    const { width, height } = stickerSizeMm('2x4');
    const info = run('pdfinfo', [file]);
    expect(info).toMatch(/^Pages:\s+1$/m);
    const size = /^Page size:\s+([\d.]+) x ([\d.]+) pts/m.exec(info);
    expect(Number(size?.[1])).toBeCloseTo((width * 72) / 25.4, 1);
    expect(Number(size?.[2])).toBeCloseTo((height * 72) / 25.4, 1);
    const text = run('pdftotext', [file, '-']);
    expect(text).toContain('SL-LODZ-01');
    expect(text).toContain('Szafka Lódz');
    expect(text).toContain('Kraków');
  });
});

describe('winAnsi', () => {
  it('keeps Latin-1 and WinAnsi’s extras, drops accents it lacks, and marks the rest', () => {
    expect(winAnsi('École – 5 €')).toBe('École – 5 €');
    expect(winAnsi('Łódź Đakovo')).toBe('Lódz Dakovo');
    expect(winAnsi('東京')).toBe('??');
  });
});

describe('the test tools', () => {
  it('finds no QR code where there is none', async () => {
    const blank = await svgToPng(
      '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><rect width="100" height="100" fill="#fff"/></svg>',
    );
    expect(await decodeQrCodes(blank)).toEqual([]);
    expect(existsSync(work)).toBe(true);
  });
});
