import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import sharp from 'sharp';
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader';

/**
 * Reads QR codes back from images with ZXing compiled to WebAssembly (the decoder the web app's
 * scanner falls back to), loaded from node_modules rather than a CDN.
 */
let ready: Promise<unknown> | null = null;

function prepare(): Promise<unknown> {
  ready ??= (async () => {
    const require = createRequire(import.meta.url);
    const wasm = readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm'));
    const wasmBinary = wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength);
    return prepareZXingModule({ overrides: { wasmBinary }, fireImmediately: true });
  })();
  return ready;
}

export interface DecodedQr {
  text: string;
  /** L, M, Q or H, as read from the symbol's format information. */
  ecLevel: string;
  version: string;
  /** Top-left corner of the symbol in the image, in pixels. */
  position: { x: number; y: number };
}

/** Every QR code ZXing finds in an encoded image (PNG, JPEG…), in no particular order. */
export async function decodeQrCodes(image: Uint8Array): Promise<DecodedQr[]> {
  await prepare();
  // Printed, upright, black on white: the rotated, inverted and downscaled retries only cost time.
  const results = await readBarcodes(image, {
    formats: ['QRCode'],
    maxNumberOfSymbols: 64,
    tryRotate: false,
    tryInvert: false,
    tryDownscale: false,
  });
  return results
    .filter((r) => r.isValid)
    .map((r) => ({
      text: r.text,
      ecLevel: r.ecLevel,
      version: r.version,
      position: { x: r.position.topLeft.x, y: r.position.topLeft.y },
    }));
}

/** An SVG document rasterised by sharp (librsvg) at `density` dots per inch. */
export async function svgToPng(svg: string, density = 150): Promise<Buffer> {
  return sharp(Buffer.from(svg), { density }).flatten({ background: '#ffffff' }).png().toBuffer();
}
