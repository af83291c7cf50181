import { createHash, timingSafeEqual } from 'node:crypto';
import type { DeviceAccounts } from '../broker/MosquittoDynamicSecurity';
import { AppError } from '../services/AppError';
import { generateDeviceSecret, hashDeviceSecret, verifyDeviceSecret } from './deviceSecret';
import type { ProvisioningRepository } from './ProvisioningRepository';

/**
 * The lockers' broker accounts (SPEC §12): user name = locker id, password = a random secret
 * whose hash is the only thing kept (deviceSecret.ts). Issuing a new secret revokes the previous one; the
 * listeners hear about it so a broker can end the sessions opened with the old secret.
 */
export class DeviceCredentials {
  readonly #repository: ProvisioningRepository;
  readonly #listeners = new Set<(lockerId: string) => void>();
  /**
   * Lockers whose secret was verified, with the stored hash it matched and a SHA-256 of the
   * secret (256 random bits: its digest reveals nothing). A fleet reconnecting at once after a
   * broker restart then costs one hash check per locker, not one per attempt.
   */
  readonly #verified = new Map<string, { hash: string; digest: Buffer }>();
  /** An external broker's own accounts (Mosquitto's dynamic security), kept in step; null otherwise. */
  readonly #accounts: DeviceAccounts | null;

  constructor(repository: ProvisioningRepository, accounts: DeviceAccounts | null = null) {
    this.#repository = repository;
    this.#accounts = accounts;
  }

  /** A fresh secret for an existing locker, stored hashed; null when the locker is unknown. */
  async issue(lockerId: string): Promise<string | null> {
    const secret = generateDeviceSecret();
    if (this.#accounts) {
      // The broker first: if it cannot take the new secret, nothing changed anywhere and the old
      // one still works; once it has, the old one no longer opens a session there.
      if (!(await this.#repository.findSecretHash(lockerId))) return null;
      await this.#broker(() => this.#accounts?.rotate(lockerId, secret), lockerId);
    }
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

  /** Gives a locker just created with `prepare()`'s secret its account on an external broker. */
  async activate(lockerId: string, secret: string): Promise<void> {
    await this.#broker(() => this.#accounts?.upsert(lockerId, secret), lockerId);
  }

  /** Removes a decommissioned locker's account from an external broker (its sessions end). */
  async deactivate(lockerId: string): Promise<void> {
    await this.#broker(() => this.#accounts?.remove(lockerId), lockerId);
  }

  /**
   * A decommissioned locker loses its credential everywhere: the external broker's account, the
   * stored hash (the embedded broker then refuses it), and its open sessions (the listeners).
   */
  async revoke(lockerId: string): Promise<void> {
    await this.deactivate(lockerId);
    await this.#repository.setSecretHash(lockerId, null);
    this.#verified.delete(lockerId);
    for (const listener of this.#listeners) listener(lockerId);
  }

  async #broker(call: () => Promise<void> | undefined, lockerId: string): Promise<void> {
    try {
      await call();
    } catch (error) {
      throw new AppError(
        503,
        'broker_sync_failed',
        `The broker did not take ${lockerId}'s credentials (${(error as Error).message}); try again once it answers.`,
      );
    }
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
