import { createHash, timingSafeEqual } from 'node:crypto';
import { generateDeviceSecret, hashDeviceSecret, verifyDeviceSecret } from './deviceSecret';
import type { ProvisioningRepository } from './ProvisioningRepository';

/**
 * The lockers' broker accounts (SPEC §12): user name = locker id, password = a random secret
 * whose scrypt hash is the only thing kept. Issuing a new secret revokes the previous one; the
 * listeners hear about it so a broker can end the sessions opened with the old secret.
 */
export class DeviceCredentials {
  readonly #repository: ProvisioningRepository;
  readonly #listeners = new Set<(lockerId: string) => void>();
  /**
   * Lockers whose secret was verified, with the stored hash it matched and a SHA-256 of the
   * secret (256 random bits: its digest reveals nothing). A fleet reconnecting at once after a
   * broker restart then costs one scrypt per locker, not one per attempt.
   */
  readonly #verified = new Map<string, { hash: string; digest: Buffer }>();

  constructor(repository: ProvisioningRepository) {
    this.#repository = repository;
  }

  /** A fresh secret for an existing locker, stored hashed; null when the locker is unknown. */
  async issue(lockerId: string): Promise<string | null> {
    const secret = generateDeviceSecret();
    if (!(await this.#repository.setSecretHash(lockerId, await hashDeviceSecret(secret)))) return null;
    this.#verified.delete(lockerId);
    for (const listener of this.#listeners) listener(lockerId);
    return secret;
  }

  /** A fresh secret and its hash, for a locker about to be created with it. */
  async prepare(): Promise<{ secret: string; hash: string }> {
    const secret = generateDeviceSecret();
    return { secret, hash: await hashDeviceSecret(secret) };
  }

  /** True only for an existing locker with a credential that matches `secret`. */
  async verify(lockerId: string, secret: string): Promise<boolean> {
    const found = await this.#repository.findSecretHash(lockerId);
    if (!found?.hash) return false;
    const digest = createHash('sha256').update(secret).digest();
    const known = this.#verified.get(lockerId);
    // The stored hash is compared too, so a rotation (here or by another instance) counts at once.
    if (known && known.hash === found.hash && timingSafeEqual(known.digest, digest)) return true;
    if (!(await verifyDeviceSecret(secret, found.hash))) return false;
    this.#verified.set(lockerId, { hash: found.hash, digest });
    return true;
  }

  /** Called with the locker id whenever its secret is replaced. Returns an unsubscribe. */
  onRevoked(listener: (lockerId: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
