import wasmUrl from 'zxing-wasm/reader/zxing_reader.wasm?url';

/**
 * A QR decoder for camera frames: the browser's own `BarcodeDetector` where it reads QR codes
 * (Android Chrome, Safari 17+, macOS), else the `barcode-detector` ponyfill on ZXing compiled to
 * WebAssembly. This module is loaded only when the person taps Scan, and the WebAssembly only
 * where the native detector is missing; it is served by the app itself (no CDN; the CSP's
 * `'wasm-unsafe-eval'` allows compiling it).
 */
export interface QrDecoder {
  readonly kind: 'native' | 'wasm';
  /** The texts of the QR codes seen in the frame (usually none or one). */
  detect(source: HTMLVideoElement): Promise<string[]>;
}

interface DetectorLike {
  detect(source: HTMLVideoElement): Promise<Array<{ rawValue: string }>>;
}

interface DetectorClass {
  new (options: { formats: string[] }): DetectorLike;
  getSupportedFormats(): Promise<string[]>;
}

function nativeDetector(): DetectorClass | null {
  const candidate = (globalThis as { BarcodeDetector?: DetectorClass }).BarcodeDetector;
  return typeof candidate === 'function' ? candidate : null;
}

async function wrap(kind: QrDecoder['kind'], Detector: DetectorClass): Promise<QrDecoder> {
  const detector = new Detector({ formats: ['qr_code'] });
  return {
    kind,
    detect: async (source) => (await detector.detect(source)).map((code) => code.rawValue),
  };
}

export async function createQrDecoder(): Promise<QrDecoder> {
  const native = nativeDetector();
  if (native) {
    try {
      if ((await native.getSupportedFormats()).includes('qr_code')) return wrap('native', native);
    } catch (error) {
      console.info('native BarcodeDetector unusable, using the WebAssembly decoder', error);
    }
  }
  const { BarcodeDetector, prepareZXingModule } = await import('barcode-detector/ponyfill');
  await prepareZXingModule({
    overrides: { locateFile: (path: string, prefix: string) => (path.endsWith('.wasm') ? wasmUrl : prefix + path) },
    fireImmediately: true,
  });
  return wrap('wasm', BarcodeDetector as unknown as DetectorClass);
}
