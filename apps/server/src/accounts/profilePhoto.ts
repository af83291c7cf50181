export const PHOTO_MAX_BYTES = 2 * 1024 * 1024;
export const PHOTO_SIZE_PX = 256;
/** A 2 MB PNG can declare a huge canvas (decompression bomb): refuse past this many pixels. */
const MAX_INPUT_PIXELS = 40_000_000;

export type PhotoType = 'png' | 'jpeg' | 'webp';

/**
 * The type from the file's first bytes (its signature), never from its name or Content-Type:
 * PNG (RFC 2083 §3.1), JPEG (SOI marker FF D8 FF), WebP (RIFF container with the WEBP form type).
 */
export function detectPhotoType(bytes: Uint8Array): PhotoType | null {
  const starts = (signature: number[], offset = 0) => signature.every((b, i) => bytes[offset + i] === b);
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (starts([0xff, 0xd8, 0xff])) return 'jpeg';
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return 'webp';
  return null;
}

export class InvalidPhotoError extends Error {}

/**
 * Decodes the upload and writes a new WebP of at most 256×256: nothing of the original file
 * survives (EXIF with its GPS position, ICC, XMP, trailing data), and the orientation its EXIF
 * asked for is applied first so the photo is not shown sideways.
 */
export async function reencodePhoto(bytes: Uint8Array, type: PhotoType): Promise<Buffer> {
  // Loaded with the first photo: sharp's native library is not needed to start the server.
  const { default: sharp } = await import('sharp');
  try {
    const image = sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error', animated: false });
    const { format } = await image.metadata();
    // The decoder must agree with the signature: a PNG header on something else is refused.
    if (format !== type) throw new InvalidPhotoError(`decoded as ${format ?? 'nothing'}, expected ${type}`);
    return await image
      .rotate()
      .resize(PHOTO_SIZE_PX, PHOTO_SIZE_PX, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 82 })
      .toBuffer();
  } catch (error) {
    if (error instanceof InvalidPhotoError) throw error;
    throw new InvalidPhotoError((error as Error).message);
  }
}
