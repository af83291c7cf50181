import { hashBadge } from '@smartlocker/protocol';
import type { LockerGateway } from '../broker/LockerGateway';
import type { Logger } from '../observability/logger';
import type { AdminBadgeRepository } from '../repositories/AdminBadgeRepository';
import type { LockerRepository } from '../repositories/LockerRepository';

/**
 * Keeps every locker's retained `config` in step with the administrator badges. Each locker
 * gets the badges hashed for itself (hashBadge), so no locker ever holds a raw UID.
 */
export class LockerConfigService {
  constructor(
    private readonly lockers: LockerRepository,
    private readonly badges: AdminBadgeRepository,
    private readonly gateway: LockerGateway,
    private readonly logger: Logger,
  ) {}

  async pushTo(lockerId: string): Promise<void> {
    const uids = (await this.badges.list()).map((b) => b.uid);
    await this.gateway.publishConfig(
      lockerId,
      uids.map((uid) => hashBadge(lockerId, uid)),
    );
  }

  /** Every locker; one failure is logged and does not stop the others. */
  async pushToAll(): Promise<void> {
    for (const lockerId of await this.lockers.listIds()) {
      await this.pushTo(lockerId).catch((error: unknown) =>
        this.logger.error({ err: error, lockerId }, 'could not publish the locker config'),
      );
    }
  }
}
