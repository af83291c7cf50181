import { BrokerUnavailableError, type LockerGateway } from '../broker/LockerGateway';
import type { Clock } from '../clock';
import type { EventBus } from '../eventBus';
import type { DeviceCredentials } from '../provisioning/DeviceCredentials';
import type { AuditRepository } from '../repositories/AuditRepository';
import type { FleetRepository } from '../repositories/FleetRepository';
import type { LockerRepository } from '../repositories/LockerRepository';
import type { PairingRepository } from '../repositories/PairingRepository';
import type { SessionRepository } from '../repositories/SessionRepository';
import type { UserRow } from '../repositories/UserRepository';
import { AppError } from './AppError';
import type { BookingService } from './BookingService';
import { type FleetService, LOCKER_DECOMMISSIONED, UNKNOWN_LOCKER } from './FleetService';
import type { FleetLocker } from './fleetView';
import type { SportSessionService } from './SportSessionService';

export interface LockerInterventionDeps {
  fleet: FleetService;
  fleetRepository: FleetRepository;
  lockers: LockerRepository;
  pairings: PairingRepository;
  sessions: SessionRepository;
  sportSessions: Pick<SportSessionService, 'forceFree'>;
  bookings: Pick<BookingService, 'freeLocker' | 'releaseLocker'>;
  gateway: Pick<LockerGateway, 'sendCommand'>;
  credentials: Pick<DeviceCredentials, 'revoke'>;
  audit: AuditRepository;
  bus: EventBus;
  clock: Clock;
}

export interface ForceFreeResult {
  ended: 'session' | 'booking' | null;
  refunded: boolean;
}

/**
 * An administrator's hands on a locker (issue 11): force-free, open for maintenance, and
 * decommission. These reach the device, the sessions and the bookings, so they live apart from
 * FleetService's bookkeeping (which the CLI also runs, without a broker or a payment provider).
 */
export class LockerInterventionService {
  readonly #deps: LockerInterventionDeps;

  constructor(deps: LockerInterventionDeps) {
    this.#deps = deps;
  }

  /**
   * Ends whatever uses the locker now: a sport session (through the one way sessions end, so the
   * history, the pairing and the streams follow) or a running school booking (refunded in full
   * when asked). Nothing running is not an error: `{ ended: null }`.
   */
  async forceFree(
    admin: UserRow,
    lockerId: string,
    options: { reason: string; refund: boolean },
  ): Promise<ForceFreeResult> {
    const found = await this.#deps.lockers.findWithSite(lockerId);
    if (!found) throw UNKNOWN_LOCKER;
    if (found.locker.type === 'sport') {
      const session = await this.#deps.sessions.activeOnLocker(lockerId);
      if (!session) return { ended: null, refunded: false };
      // The administrator decided: something left inside is recorded, not asked about again.
      const ended = await this.#deps.sportSessions.forceFree(admin, lockerId, { objectLeftConfirmed: true });
      await this.#deps.audit.record({
        actorKind: 'admin',
        actorId: admin.id,
        action: 'session.force_freed',
        lockerId,
        subjectUserId: session.userId,
        data: { sessionId: ended.id, reason: options.reason, objectLeftInside: ended.objectLeftInside },
      });
      // Sport sessions are part of Premium: there is no payment to give back.
      return { ended: 'session', refunded: false };
    }
    const freed = await this.#deps.bookings.freeLocker(lockerId, admin.id, options);
    return freed ? { ended: 'booking', refunded: freed.refunded } : { ended: null, refunded: false };
  }

  /** A signed `open` for a technician at the locker; its outcome arrives on the admin's stream. */
  async maintenanceOpen(admin: UserRow, lockerId: string, reason: string): Promise<{ commandId: string }> {
    const found = await this.#deps.lockers.findWithSite(lockerId);
    if (!found) throw UNKNOWN_LOCKER;
    if (found.locker.decommissionedAt) throw LOCKER_DECOMMISSIONED;
    if (!found.locker.online) {
      throw new AppError(409, 'locker_offline', 'The locker is offline; it cannot receive the command.');
    }
    let commandId: string;
    try {
      ({ commandId } = await this.#deps.gateway.sendCommand(
        lockerId,
        'open',
        { kind: 'admin', ref: admin.id },
        admin.id,
      ));
    } catch (error) {
      if (error instanceof BrokerUnavailableError) throw new AppError(503, error.code, error.message);
      throw error;
    }
    await this.#deps.audit.record({
      actorKind: 'admin',
      actorId: admin.id,
      action: 'locker.maintenance_open',
      lockerId,
      data: { commandId, reason },
    });
    return { commandId };
  }

  /**
   * Takes a locker out of the fleet for good: refused while someone uses it; its future bookings
   * are refunded, its pairings ended, its broker credential revoked everywhere (its sessions end).
   * The row stays, for the history and the audit trail.
   */
  async decommission(admin: UserRow, lockerId: string, reason: string): Promise<FleetLocker> {
    const current = await this.#deps.fleet.locker(lockerId);
    if (current.decommissionedAt) return current;
    if (current.occupancy) {
      throw new AppError(409, 'locker_in_use', 'Someone is using this locker: force-free it first.', {
        occupancy: current.occupancy.kind,
      });
    }
    const now = this.#deps.clock.now();
    const refunded = await this.#deps.bookings.releaseLocker(lockerId, admin.id);
    for (const userId of await this.#deps.pairings.activeUsersOf(lockerId)) {
      if (await this.#deps.pairings.endOn(userId, lockerId, 'admin', now)) {
        this.#deps.bus.emit('pairing.changed', { userId, lockerId: null });
      }
    }
    await this.#deps.credentials.revoke(lockerId);
    await this.#deps.fleetRepository.updateLocker(lockerId, { decommissionedAt: now }, now);
    await this.#deps.audit.record({
      actorKind: 'admin',
      actorId: admin.id,
      action: 'locker.decommissioned',
      lockerId,
      data: { reason, refundedBookings: refunded },
    });
    return this.#deps.fleet.locker(lockerId);
  }
}
