import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * A locker's broker password (SPEC §12: per-device credentials). It is shown once, when the
 * locker is provisioned or its secret rotated, and only its scrypt hash is stored
 * (`lockers.device_secret_hash`), so a copy of the database lets nobody connect as a locker.
 */
export const DEVICE_SECRET_BYTES = 32;

/** Cost parameters (RFC 7914 §2): N = 2^14, r = 8, p = 1 costs ~16 MiB and tens of ms per check. */
const SCRYPT = { N: 16_384, r: 8, p: 1, keyLength: 32, saltBytes: 16 } as const;
const SCHEME = 'scrypt';

export function generateDeviceSecret(): string {
  return randomBytes(DEVICE_SECRET_BYTES).toString('base64url');
}

function derive(secret: string, salt: Buffer, options: ScryptOptions & { keyLength: number }): Promise<Buffer> {
  const { keyLength, ...params } = options;
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, keyLength, { ...params, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** `scrypt$N$r$p$salt$hash` (salt and hash base64url): self-describing, so the cost can grow later. */
export async function hashDeviceSecret(secret: string): Promise<string> {
  const salt = randomBytes(SCRYPT.saltBytes);
  const key = await derive(secret, salt, SCRYPT);
  return [SCHEME, SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Constant-time comparison of a presented secret with a stored hash; a malformed hash never matches. */
export async function verifyDeviceSecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== SCHEME) return false;
  const [, n, r, p, saltText, keyText] = parts as [string, string, string, string, string, string];
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  if (!Object.values(params).every((v) => Number.isSafeInteger(v) && v > 0)) return false;
  const expected = Buffer.from(keyText, 'base64url');
  if (expected.length < 16) return false;
  try {
    const actual = await derive(secret, Buffer.from(saltText, 'base64url'), { ...params, keyLength: expected.length });
    return timingSafeEqual(actual, expected);
  } catch {
    return false;
  }
}
