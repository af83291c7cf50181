import QRCode from 'qrcode';

/**
 * QR codes as vector shapes (ISO/IEC 18004), for stickers and provisioning bundles. The module
 * matrix comes from the `qrcode` package (`create()`: segments, version, error correction, mask);
 * drawing it is ours, as rectangles, so print and screen scale it without blur.
 */
export type QrErrorCorrection = 'L' | 'M' | 'Q' | 'H';

/** ISO/IEC 18004 §6.3.8: a light margin of 4 modules around the symbol. */
export const QR_QUIET_ZONE_MODULES = 4;

export interface QrMatrix {
  /** Modules per side, quiet zone excluded (21 for version 1, +4 per version, 177 for version 40). */
  size: number;
  version: number;
  errorCorrection: QrErrorCorrection;
  /** Row-major, true for a dark module. */
  dark: (row: number, column: number) => boolean;
}

/** One horizontal run of dark modules, in module units from the symbol's top-left corner. */
export interface QrRun {
  x: number;
  y: number;
  length: number;
}

const LEVEL_NAMES: Record<number, QrErrorCorrection> = { 1: 'L', 0: 'M', 3: 'Q', 2: 'H' };

/**
 * The symbol for `text`, in the smallest version that holds it at this level. Throws the
 * library's "The amount of data is too big" error when even version 40 cannot.
 */
export function qrMatrix(text: string, errorCorrection: QrErrorCorrection): QrMatrix {
  const symbol = QRCode.create(text, { errorCorrectionLevel: errorCorrection });
  const { size } = symbol.modules;
  const bit = (symbol.errorCorrectionLevel as unknown as { bit: number }).bit;
  return {
    size,
    version: symbol.version,
    errorCorrection: LEVEL_NAMES[bit] ?? errorCorrection,
    dark: (row, column) => Boolean(symbol.modules.get(row, column)),
  };
}

/** The dark modules merged into horizontal runs: a sixth of the shapes of one rectangle per module. */
export function qrRuns(matrix: QrMatrix): QrRun[] {
  const runs: QrRun[] = [];
  for (let y = 0; y < matrix.size; y++) {
    let start = -1;
    for (let x = 0; x <= matrix.size; x++) {
      const dark = x < matrix.size && matrix.dark(y, x);
      if (dark && start < 0) start = x;
      if (!dark && start >= 0) {
        runs.push({ x: start, y, length: x - start });
        start = -1;
      }
    }
  }
  return runs;
}

const num = (value: number) => Number(value.toFixed(4)).toString();

/**
 * SVG path data of the dark modules, placed with the symbol's top-left corner (quiet zone
 * excluded) at (`x`, `y`), each module `module` user units wide.
 */
export function qrPathData(matrix: QrMatrix, x: number, y: number, module: number): string {
  return qrRuns(matrix)
    .map(
      (run) =>
        `M${num(x + run.x * module)} ${num(y + run.y * module)}h${num(run.length * module)}v${num(module)}h${num(-run.length * module)}z`,
    )
    .join('');
}

/**
 * A standalone SVG of the symbol with its quiet zone, one user unit per module; `pixelsPerModule`
 * only sets the default display size.
 */
export function qrSvg(matrix: QrMatrix, options: { pixelsPerModule?: number; title?: string } = {}): string {
  const side = matrix.size + 2 * QR_QUIET_ZONE_MODULES;
  const pixels = side * (options.pixelsPerModule ?? 4);
  const title = options.title ? `<title>${escapeXml(options.title)}</title>` : '';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${side} ${side}" width="${pixels}" height="${pixels}" shape-rendering="crispEdges" role="img">`,
    title,
    `<rect width="${side}" height="${side}" fill="#ffffff"/>`,
    `<path fill="#000000" d="${qrPathData(matrix, QR_QUIET_ZONE_MODULES, QR_QUIET_ZONE_MODULES, 1)}"/>`,
    '</svg>',
    '',
  ].join('');
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
