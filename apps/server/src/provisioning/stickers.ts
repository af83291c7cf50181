import PDFDocument from 'pdfkit';
import { AppError } from '../services/AppError';
import { escapeXml, QR_QUIET_ZONE_MODULES, type QrMatrix, qrMatrix, qrPathData } from './qrCode';

/**
 * The printable sticker of a locker (issue 11, SPEC §4): its pairing QR code, the code in clear
 * for typing, its name and site, and the brand. One sticker, or A4 sheets of several, as SVG and
 * as PDF. Both come from one layout in millimetres, so what the PDF prints is what the SVG shows.
 *
 * - The QR code carries `${PUBLIC_URL}/p/<PAIRING_CODE>` (docs/pairing.md), error correction Q
 *   (a sticker gets scratched) and a quiet zone of 4 modules, drawn as vector rectangles.
 * - The PDF uses only the standard Helvetica fonts (PDF 1.7 §9.6.2.2: every reader has them, so
 *   nothing is embedded), their text encoded in WinAnsi; letters outside it lose their accents.
 */
export interface StickerLocker {
  pairingCode: string;
  name: string;
  siteName: string;
}

export type StickerSheetLayout = '2x4' | '3x7';

export interface StickerOptions {
  /** The web app's public origin, e.g. `https://lockers.example.org` (PUBLIC_URL). */
  publicUrl: string;
  /** The sheet the stickers are cut from (a single sticker has that sheet's cell size). Default 2x4. */
  layout?: StickerSheetLayout;
}

interface SheetGeometry {
  columns: number;
  rows: number;
  /** Page margin, and the gap between two stickers where the cutting happens. */
  marginMm: number;
  gapMm: number;
}

export const A4_MM = { width: 210, height: 297 } as const;

const LAYOUTS: Record<StickerSheetLayout, SheetGeometry> = {
  // 8 stickers of 93 × 66.25 mm: a phone reads its 0.9 mm modules from arm's length.
  '2x4': { columns: 2, rows: 4, marginMm: 10, gapMm: 4 },
  // 21 stickers of 62.7 × 37.6 mm, for small doors: modules of about 0.7 mm.
  '3x7': { columns: 3, rows: 7, marginMm: 8, gapMm: 3 },
};

export const STICKER_SHEET_LAYOUTS = Object.keys(LAYOUTS) as StickerSheetLayout[];

/** The web app's identity (apps/web/src/styles/theme.css): near-black ground, neon-green accent. */
const BRAND_GROUND = '#040605';
const BRAND_ACCENT = '#39ff14';
const INK = '#111111';
const MUTED = '#555555';
const CUT_LINE = '#b0b0b0';
const HINT = ['Scannez pour associer', 'Scan to pair'];

/** The URL a locker's QR code carries (docs/pairing.md); the web app's `pairingUrl` builds the same. */
export function pairingUrl(publicUrl: string, code: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/p/${encodeURIComponent(code)}`;
}

/** The size of one sticker of this layout, in millimetres. */
export function stickerSizeMm(layout: StickerSheetLayout = '2x4'): { width: number; height: number } {
  const g = LAYOUTS[layout];
  return {
    width: (A4_MM.width - 2 * g.marginMm - (g.columns - 1) * g.gapMm) / g.columns,
    height: (A4_MM.height - 2 * g.marginMm - (g.rows - 1) * g.gapMm) / g.rows,
  };
}

export function stickersPerSheet(layout: StickerSheetLayout = '2x4'): number {
  return LAYOUTS[layout].columns * LAYOUTS[layout].rows;
}

// ——— the layout: pages of shapes in millimetres ———

type FontName = 'Helvetica' | 'Helvetica-Bold';

type Shape =
  | { kind: 'path'; d: string; fill?: string; stroke?: string; strokeWidth?: number; dash?: number }
  | { kind: 'text'; x: number; y: number; text: string; font: FontName; size: number; fill: string };

interface Page {
  width: number;
  height: number;
  shapes: Shape[];
}

let measurer: PDFKit.PDFDocument | null = null;

/** Text width in mm at `size` mm, from the standard font's metrics (the same the PDF prints with). */
function textWidth(text: string, font: FontName, size: number): number {
  measurer ??= new PDFDocument({ autoFirstPage: false });
  return measurer.font(font).fontSize(size).widthOfString(winAnsi(text));
}

/** `text` shortened with an ellipsis until it fits `width`. */
function fitText(text: string, font: FontName, size: number, width: number): string {
  if (textWidth(text, font, size) <= width) return text;
  let kept = text;
  while (kept.length > 1 && textWidth(`${kept.trimEnd()}…`, font, size) > width) kept = kept.slice(0, -1);
  return `${kept.trimEnd()}…`;
}

/** `text` in at most `lines` lines of `width`, broken between words; the last one shortened if need be. */
function wrapText(text: string, font: FontName, size: number, width: number, lines: number): string[] {
  const out: string[] = [];
  let rest = text.trim();
  while (rest && out.length < lines - 1) {
    const words = rest.split(/\s+/);
    let line = words[0] ?? '';
    let used = 1;
    while (used < words.length && textWidth(`${line} ${words[used]}`, font, size) <= width) line += ` ${words[used++]}`;
    if (textWidth(line, font, size) > width) break;
    out.push(line);
    rest = words.slice(used).join(' ');
  }
  if (rest) out.push(fitText(rest, font, size, width));
  return out;
}

/** The largest size up to `max` at which `text` fits `width` whole (a code is never shortened). */
function fitSize(text: string, font: FontName, max: number, width: number): number {
  const natural = textWidth(text, font, max);
  return natural <= width ? max : (max * width) / natural;
}

const n = (value: number) => Number(value.toFixed(3)).toString();

function roundedRect(x: number, y: number, w: number, h: number, r: number): string {
  return [
    `M${n(x + r)} ${n(y)}h${n(w - 2 * r)}a${n(r)} ${n(r)} 0 0 1 ${n(r)} ${n(r)}v${n(h - 2 * r)}`,
    `a${n(r)} ${n(r)} 0 0 1 ${n(-r)} ${n(r)}h${n(-(w - 2 * r))}a${n(r)} ${n(r)} 0 0 1 ${n(-r)} ${n(-r)}`,
    `v${n(-(h - 2 * r))}a${n(r)} ${n(r)} 0 0 1 ${n(r)} ${n(-r)}z`,
  ].join('');
}

/** The brand mark of the web app (apps/web/public/icon.svg, without its glow), `s` mm wide at (x, y). */
function brandMark(x: number, y: number, s: number): Shape[] {
  const k = s / 512;
  const at = (px: number, py: number) => `${n(x + px * k)} ${n(y + py * k)}`;
  return [
    { kind: 'path', d: `M${at(0, 0)}H${n(x + s)}V${n(y + s)}H${n(x)}z`, fill: BRAND_GROUND },
    {
      kind: 'path',
      d: `M${at(140, 68)}L${at(444, 68)}L${at(444, 372)}L${at(372, 444)}L${at(68, 444)}L${at(68, 140)}z`,
      stroke: BRAND_ACCENT,
      strokeWidth: 22 * k,
    },
    {
      kind: 'path',
      d: `M${at(232, 296)}a${n(24 * k)} ${n(24 * k)} 0 1 0 ${n(48 * k)} 0a${n(24 * k)} ${n(24 * k)} 0 1 0 ${n(-48 * k)} 0zM${at(244, 310)}L${at(268, 310)}L${at(278, 350)}L${at(234, 350)}z`,
      fill: BRAND_ACCENT,
    },
  ];
}

function matrixFor(locker: StickerLocker, publicUrl: string): QrMatrix {
  return qrMatrix(pairingUrl(publicUrl, locker.pairingCode), 'Q');
}

/** One sticker's shapes, its top-left corner at (x, y). */
function stickerShapes(locker: StickerLocker, publicUrl: string, x: number, y: number, w: number, h: number): Shape[] {
  const pad = h * 0.06;
  const qr = matrixFor(locker, publicUrl);
  // Square, left, centred vertically; it leaves the right half of the sticker to the text.
  const qrSide = Math.min(h - 2 * pad, w * 0.45);
  const qrX = x + pad;
  const qrY = y + (h - qrSide) / 2;
  const module = qrSide / (qr.size + 2 * QR_QUIET_ZONE_MODULES);
  const quiet = QR_QUIET_ZONE_MODULES * module;
  // The quiet zone is white paper already; the text starts one module after it.
  const tx = qrX + qrSide + module;
  const tw = x + w - pad - tx;
  const nameSize = h * 0.095;
  const siteSize = h * 0.075;
  const hintSize = h * 0.055;
  const codeMax = h * 0.15;
  const code = locker.pairingCode;
  // The band is 1.7 letters high and the word follows it after 0.3 of a letter, with 0.3 to spare.
  const brandRow = (size: number) => size * 2.3 + textWidth('SMARTLOCKER', 'Helvetica-Bold', size);
  const brandSize = Math.min(h * 0.1, (h * 0.1 * tw) / brandRow(h * 0.1));
  const band = brandSize * 1.7;
  const wordX = tx + band + brandSize * 0.3;
  const wordY = y + pad + band / 2 + brandSize * 0.36;
  return [
    // The cut line: the sticker's outline, dashed, in light grey.
    { kind: 'path', d: roundedRect(x, y, w, h, 2), stroke: CUT_LINE, strokeWidth: 0.2, dash: 1 },
    { kind: 'path', d: qrPathData(qr, qrX + quiet, qrY + quiet, module), fill: '#000000' },
    // The brand on its dark band, as in the app: SMART in white, LOCKER in green.
    { kind: 'path', d: roundedRect(tx, y + pad, tw, band, band * 0.12), fill: BRAND_GROUND },
    ...brandMark(tx, y + pad, band),
    { kind: 'text', x: wordX, y: wordY, text: 'SMART', font: 'Helvetica-Bold', size: brandSize, fill: '#ffffff' },
    {
      kind: 'text',
      x: wordX + textWidth('SMART', 'Helvetica-Bold', brandSize),
      y: wordY,
      text: 'LOCKER',
      font: 'Helvetica-Bold',
      size: brandSize,
      fill: BRAND_ACCENT,
    },
    {
      kind: 'text',
      x: tx,
      y: y + h * 0.38,
      text: fitText(locker.name, 'Helvetica-Bold', nameSize, tw),
      font: 'Helvetica-Bold',
      size: nameSize,
      fill: INK,
    },
    ...wrapText(locker.siteName, 'Helvetica', siteSize, tw, 2).map(
      (line, i): Shape => ({
        kind: 'text',
        x: tx,
        y: y + h * 0.38 + siteSize * (1.4 + 1.2 * i),
        text: line,
        font: 'Helvetica',
        size: siteSize,
        fill: MUTED,
      }),
    ),
    ...HINT.map(
      (line, i): Shape => ({
        kind: 'text',
        x: tx,
        y: y + h - pad - codeMax * 1.2 - hintSize * 1.2 * (HINT.length - 1 - i),
        text: fitText(line, 'Helvetica', hintSize, tw),
        font: 'Helvetica',
        size: hintSize,
        fill: MUTED,
      }),
    ),
    {
      kind: 'text',
      x: tx,
      y: y + h - pad - codeMax * 0.1,
      text: code,
      font: 'Helvetica-Bold',
      size: fitSize(code, 'Helvetica-Bold', codeMax, tw),
      fill: INK,
    },
  ];
}

function checkInput(lockers: readonly StickerLocker[], options: StickerOptions): StickerSheetLayout {
  const layout = options.layout ?? '2x4';
  if (!(layout in LAYOUTS))
    throw new AppError(400, 'invalid_layout', `A sticker sheet is ${STICKER_SHEET_LAYOUTS.join(' or ')}.`);
  let url: URL;
  try {
    url = new URL(options.publicUrl);
  } catch {
    throw new AppError(400, 'invalid_public_url', 'The public URL must be absolute, e.g. https://lockers.example.org.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new AppError(400, 'invalid_public_url', 'The public URL must be http:// or https://.');
  }
  if (lockers.length === 0) throw new AppError(400, 'no_lockers', 'Choose at least one locker to print.');
  return layout;
}

function singlePage(locker: StickerLocker, options: StickerOptions): Page {
  const layout = checkInput([locker], options);
  const { width, height } = stickerSizeMm(layout);
  return { width, height, shapes: stickerShapes(locker, options.publicUrl, 0, 0, width, height) };
}

function sheetPages(lockers: readonly StickerLocker[], options: StickerOptions): Page[] {
  const layout = checkInput(lockers, options);
  const g = LAYOUTS[layout];
  const { width, height } = stickerSizeMm(layout);
  const perSheet = g.columns * g.rows;
  const pages: Page[] = [];
  for (let first = 0; first < lockers.length; first += perSheet) {
    const shapes = lockers.slice(first, first + perSheet).flatMap((locker, i) => {
      const column = i % g.columns;
      const row = Math.floor(i / g.columns);
      const x = g.marginMm + column * (width + g.gapMm);
      const y = g.marginMm + row * (height + g.gapMm);
      return stickerShapes(locker, options.publicUrl, x, y, width, height);
    });
    pages.push({ width: A4_MM.width, height: A4_MM.height, shapes });
  }
  return pages;
}

// ——— SVG ———

const SVG_FONTS = "Helvetica, Arial, 'Liberation Sans', sans-serif";

function pageSvg(page: Page, title: string): string {
  const body = page.shapes.map((shape) => {
    if (shape.kind === 'text') {
      const weight = shape.font === 'Helvetica-Bold' ? ' font-weight="700"' : '';
      return `<text x="${n(shape.x)}" y="${n(shape.y)}" font-size="${n(shape.size)}"${weight} fill="${shape.fill}">${escapeXml(shape.text)}</text>`;
    }
    const paint = shape.fill ? `fill="${shape.fill}"` : 'fill="none"';
    const stroke = shape.stroke
      ? ` stroke="${shape.stroke}" stroke-width="${n(shape.strokeWidth ?? 0.2)}"${shape.dash ? ` stroke-dasharray="${n(shape.dash)}"` : ''}`
      : '';
    const crisp = shape.fill === '#000000' ? ' shape-rendering="crispEdges"' : '';
    return `<path d="${shape.d}" ${paint}${stroke}${crisp}/>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n(page.width)}mm" height="${n(page.height)}mm" viewBox="0 0 ${n(page.width)} ${n(page.height)}" font-family="${SVG_FONTS}">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${n(page.width)}" height="${n(page.height)}" fill="#ffffff"/>`,
    ...body,
    '</svg>\n',
  ].join('');
}

/** One locker's sticker as an SVG document, sized in millimetres. */
export function renderStickerSvg(locker: StickerLocker, options: StickerOptions): string {
  return pageSvg(singlePage(locker, options), `SmartLocker ${locker.pairingCode}`);
}

/** A4 sheets of stickers, one SVG document per page, in the order given. */
export function renderStickerSheetSvg(lockers: readonly StickerLocker[], options: StickerOptions): string[] {
  return sheetPages(lockers, options).map((page, i, all) =>
    pageSvg(page, `SmartLocker stickers ${i + 1}/${all.length}`),
  );
}

// ——— PDF ———

const PT_PER_MM = 72 / 25.4;

/** WinAnsiEncoding (PDF 1.7 Annex D) beyond Latin-1: the standard fonts can print these too. */
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
const NO_DECOMPOSITION: Record<string, string> = { Ł: 'L', ł: 'l', Đ: 'D', đ: 'd', ı: 'i', Ø: 'O', ø: 'o' };

function inWinAnsi(c: string): boolean {
  const code = c.codePointAt(0) ?? 0;
  return (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRA.has(c);
}

/** The text as the standard fonts can print it: accents dropped where WinAnsi lacks the letter, else `?`. */
export function winAnsi(text: string): string {
  let out = '';
  for (const c of text.normalize('NFC')) {
    if (inWinAnsi(c)) out += c;
    else if (NO_DECOMPOSITION[c]) out += NO_DECOMPOSITION[c];
    else {
      const base = c.normalize('NFD').replace(/\p{M}/gu, '');
      out += base && [...base].every(inWinAnsi) ? base : '?';
    }
  }
  return out;
}

function drawPage(doc: PDFKit.PDFDocument, page: Page): void {
  doc.addPage({ size: [page.width * PT_PER_MM, page.height * PT_PER_MM], margin: 0 });
  for (const shape of page.shapes) {
    if (shape.kind === 'text') {
      doc
        .font(shape.font)
        .fontSize(shape.size * PT_PER_MM)
        .fillColor(shape.fill)
        .text(winAnsi(shape.text), shape.x * PT_PER_MM, shape.y * PT_PER_MM, {
          lineBreak: false,
          baseline: 'alphabetic',
        });
      continue;
    }
    doc.save();
    doc.scale(PT_PER_MM);
    doc.path(shape.d);
    if (shape.fill) doc.fill(shape.fill);
    else {
      doc.lineWidth(shape.strokeWidth ?? 0.2);
      if (shape.dash) doc.dash(shape.dash, { space: shape.dash });
      doc.stroke(shape.stroke ?? INK);
      doc.undash();
    }
    doc.restore();
  }
}

function pdf(pages: Page[], title: string): Promise<Buffer> {
  const doc = new PDFDocument({
    autoFirstPage: false,
    pdfVersion: '1.7',
    info: { Title: title, Creator: 'SmartLocker', Producer: 'SmartLocker (pdfkit)' },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  for (const page of pages) drawPage(doc, page);
  doc.end();
  return done;
}

/** One locker's sticker as a one-page PDF the size of the sticker (for label printers). */
export function renderStickerPdf(locker: StickerLocker, options: StickerOptions): Promise<Buffer> {
  return pdf([singlePage(locker, options)], `SmartLocker ${locker.pairingCode}`);
}

/** A4 sheets of stickers as one PDF, one page per sheet. */
export function renderStickerSheetPdf(lockers: readonly StickerLocker[], options: StickerOptions): Promise<Buffer> {
  return pdf(sheetPages(lockers, options), 'SmartLocker stickers');
}
