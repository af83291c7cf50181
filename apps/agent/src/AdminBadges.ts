import type { KeyObject } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DeviceConfig, hashBadge, verifyDeviceConfig } from '@smartlocker/protocol';
import type { Logger } from 'pino';
import { JsonStateFile } from './JsonStateFile';

const FILE_NAME = 'device-config.json';

export type ConfigApplyResult =
  | { applied: true; badges: number }
  | { applied: false; reason: 'bad_signature' | 'wrong_locker' | 'not_newer' };

export interface BadgeCheck {
  known: boolean;
  /** `hashBadge(lockerId, uid)`: what is reported and stored, never the UID itself. */
  badgeHash: string;
}

/**
 * The administrator badges of this locker (SPEC §2: an administrator badge opens the locker and
 * resets a lockdown without any network). They arrive in the server's signed, retained `config`
 * message and are kept on disk, so they work with no broker at all. Only hashes are stored; the
 * signed config is stored whole and verified again at start-up, so a file edited by hand (or a
 * config for another locker copied over) grants nothing.
 */
export class AdminBadges {
  readonly #lockerId: string;
  readonly #publicKey: KeyObject;
  readonly #file: JsonStateFile<DeviceConfig> | null;
  #config: DeviceConfig | null = null;
  #hashes: ReadonlySet<string> = new Set();

  private constructor(lockerId: string, publicKey: KeyObject, file: JsonStateFile<DeviceConfig> | null) {
    this.#lockerId = lockerId;
    this.#publicKey = publicKey;
    this.#file = file;
  }

  static open(stateDir: string, options: { lockerId: string; publicKey: KeyObject; logger: Logger }): AdminBadges {
    mkdirSync(stateDir, { recursive: true });
    const file = new JsonStateFile(join(stateDir, FILE_NAME), DeviceConfig, 'device_state_unwritable');
    const badges = new AdminBadges(options.lockerId, options.publicKey, file);
    const stored = file.read();
    if (!stored.ok) {
      options.logger.error(
        { problem: stored.problem },
        'stored device config unreadable; no admin badge until the server sends one',
      );
    } else if (stored.value) {
      const verdict = verifyDeviceConfig(stored.value, { publicKey: options.publicKey, lockerId: options.lockerId });
      if (verdict.ok) badges.#adopt(stored.value);
      else options.logger.error({ reason: verdict.reason }, 'stored device config fails verification; ignoring it');
    }
    return badges;
  }

  /** Badges held in memory only, for tests. */
  static inMemory(lockerId: string, publicKey: KeyObject): AdminBadges {
    return new AdminBadges(lockerId, publicKey, null);
  }

  /** `issuedAt` of the config in force, or null before any. */
  get issuedAt(): number | null {
    return this.#config?.issuedAt ?? null;
  }

  get count(): number {
    return this.#hashes.size;
  }

  check(uid: string): BadgeCheck {
    const badgeHash = hashBadge(this.#lockerId, uid);
    return { known: this.#hashes.has(badgeHash), badgeHash };
  }

  /**
   * Applies a config from the server if it is signed by the server, addressed to this locker and
   * newer than the one in force. The broker hands the retained config again at every connection:
   * the same `issuedAt` is "not newer" and changes nothing.
   */
  apply(config: DeviceConfig): ConfigApplyResult {
    const verdict = verifyDeviceConfig(config, { publicKey: this.#publicKey, lockerId: this.#lockerId });
    if (!verdict.ok) return { applied: false, reason: verdict.reason };
    if (this.#config && config.issuedAt <= this.#config.issuedAt) return { applied: false, reason: 'not_newer' };
    // Written before it takes effect: after a power cut the locker holds what it last applied.
    this.#file?.write(config);
    this.#adopt(config);
    return { applied: true, badges: this.#hashes.size };
  }

  #adopt(config: DeviceConfig): void {
    this.#config = config;
    this.#hashes = new Set(config.adminBadges);
  }
}
