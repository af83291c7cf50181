import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import {
  type Command,
  type DeviceConfig,
  MAX_COMMAND_TTL_MS,
  type RefusalReason,
  type UnsignedCommand,
  type UnsignedDeviceConfig,
} from './messages';

/**
 * Commands are signed by the server with Ed25519 (RFC 8032) over a canonical JSON form:
 * object keys sorted, no whitespace, the `sig` field left out. The device holds only the
 * public key, so a compromised broker or a stolen device credential cannot forge an open.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

function signedBytes(message: object): Buffer {
  const { sig: _sig, ...rest } = message as { sig?: string };
  return Buffer.from(canonicalJson(rest), 'utf8');
}

export interface CommandKeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
}

export function generateCommandKeyPair(): CommandKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export function loadPrivateKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('command signing key must be Ed25519');
  return key;
}

export function loadPublicKey(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('command verification key must be Ed25519');
  return key;
}

export function signCommand(command: UnsignedCommand, privateKey: KeyObject): Command {
  const sig = sign(null, signedBytes(command), privateKey).toString('base64url');
  return { ...command, sig };
}

export function signDeviceConfig(config: UnsignedDeviceConfig, privateKey: KeyObject): DeviceConfig {
  const sig = sign(null, signedBytes(config), privateKey).toString('base64url');
  return { ...config, sig };
}

/** A config is trusted only with a valid server signature and addressed to this locker. */
export function verifyDeviceConfig(
  config: DeviceConfig,
  options: { publicKey: KeyObject; lockerId: string },
): { ok: true } | { ok: false; reason: 'bad_signature' | 'wrong_locker' } {
  let signatureOk = false;
  try {
    signatureOk = verify(null, signedBytes(config), options.publicKey, Buffer.from(config.sig, 'base64url'));
  } catch {
    signatureOk = false;
  }
  if (!signatureOk) return { ok: false, reason: 'bad_signature' };
  if (config.lockerId !== options.lockerId) return { ok: false, reason: 'wrong_locker' };
  return { ok: true };
}

/**
 * The form in which a badge UID travels and is stored: SHA-256 over a versioned, per-locker
 * string, so a copied device file reveals no UID and a hash is worthless on another locker.
 * `uid` is the card's UID in hex, any case, separators ignored.
 */
export function hashBadge(lockerId: string, uid: string): string {
  const normalized = uid.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
  return createHash('sha256').update(`smartlocker-badge:v1:${lockerId}:${normalized}`).digest('hex');
}

/**
 * Remembers command ids until their expiry, which is all a replay check needs: once a command
 * has expired the freshness check refuses it anyway, so memory stays bounded by the command rate.
 */
export class ReplayCache {
  readonly #seen = new Map<string, number>();

  has(id: string): boolean {
    return this.#seen.has(id);
  }

  remember(id: string, expiresAt: number): void {
    this.#seen.set(id, expiresAt);
  }

  prune(now: number): void {
    for (const [id, expiresAt] of this.#seen) if (expiresAt < now) this.#seen.delete(id);
  }

  get size(): number {
    return this.#seen.size;
  }

  /** [id, expiresAt] pairs, for a device that keeps the cache across restarts. */
  entries(): [string, number][] {
    return [...this.#seen];
  }
}

/** Clock difference tolerated between server and device when checking a command's window. */
export const DEFAULT_CLOCK_SKEW_MS = 2_000;

export interface VerifyOptions {
  publicKey: KeyObject;
  /** The verifying device's own id: a command for another locker is refused. */
  lockerId: string;
  now: number;
  replayCache: ReplayCache;
  /** Clock difference tolerated between server and device, in ms (default 2 000). */
  clockSkewMs?: number;
  /**
   * Commands issued before this instant are refused. The agent passes its boot time, so a
   * command captured before a restart (when the replay cache was empty) cannot be replayed.
   */
  notIssuedBefore?: number;
}

export type VerifyResult = { ok: true } | { ok: false; reason: RefusalReason };

/**
 * Checks, in order: signature, addressee, validity window, freshness, replay. A command that
 * passes is remembered, so a second delivery of the same id answers `replayed`.
 */
export function verifyCommand(command: Command, options: VerifyOptions): VerifyResult {
  const skew = options.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS;
  let signatureOk = false;
  try {
    signatureOk = verify(null, signedBytes(command), options.publicKey, Buffer.from(command.sig, 'base64url'));
  } catch {
    signatureOk = false;
  }
  if (!signatureOk) return { ok: false, reason: 'bad_signature' };
  if (command.lockerId !== options.lockerId) return { ok: false, reason: 'wrong_locker' };
  if (command.expiresAt - command.issuedAt > MAX_COMMAND_TTL_MS) return { ok: false, reason: 'expired' };
  if (options.now > command.expiresAt + skew) return { ok: false, reason: 'expired' };
  if (command.issuedAt > options.now + skew) return { ok: false, reason: 'not_yet_valid' };
  if (options.notIssuedBefore !== undefined && command.issuedAt + skew < options.notIssuedBefore) {
    return { ok: false, reason: 'issued_before_boot' };
  }
  if (options.replayCache.has(command.id)) return { ok: false, reason: 'replayed' };
  options.replayCache.prune(options.now);
  options.replayCache.remember(command.id, command.expiresAt + skew);
  return { ok: true };
}
