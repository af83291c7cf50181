import { createHash, randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * A locker's broker password (SPEC §12: per-device credentials). It is shown once, when the
 * locker is provisioned or its secret rotated, and only its hash is stored
 * (`lockers.device_secret_hash`), so a copy of the database lets nobody connect as a locker.
 *
 * The secret is 256 random bits, never chosen by a person, so it is hashed with salted SHA-256
 * (`sha256$salt$digest`): nobody can search a space of 2^256, and a slow hash would only make
 * each connection cost tens of milliseconds — a fleet of 10,000 lockers reconnecting after a
 * broker restart spent minutes in scrypt (ADR 13). Hashes stored before, `scrypt$N$r$p$salt$hash`,
 * still verify.
 */
export const DEVICE_SECRET_BYTES = 32;

const SCHEME = 'sha256';
const SALT_BYTES = 16;
const LEGACY_SCHEME = 'scrypt';

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

function digest(secret: string, salt: Buffer): Buffer {
  return createHash('sha256').update(salt).update(secret, 'utf8').digest();
}

/** `sha256$salt$digest` (salt and digest base64url): self-describing, like the scrypt hashes before it. */
export async function hashDeviceSecret(secret: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  return [SCHEME, salt.toString('base64url'), digest(secret, salt).toString('base64url')].join('$');
}

/** Constant-time comparison of a presented secret with a stored hash; a malformed hash never matches. */
export async function verifyDeviceSecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length === 3 && parts[0] === SCHEME) {
    const salt = Buffer.from(parts[1] ?? '', 'base64url');
    const expected = Buffer.from(parts[2] ?? '', 'base64url');
    if (salt.length < SALT_BYTES || expected.length !== 32) return false;
    return timingSafeEqual(digest(secret, salt), expected);
  }
  return verifyLegacyScrypt(secret, parts);
}

/** A hash stored before ADR 13: `scrypt$N$r$p$salt$hash`. */
async function verifyLegacyScrypt(secret: string, parts: string[]): Promise<boolean> {
  if (parts.length !== 6 || parts[0] !== LEGACY_SCHEME) return false;
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
