import { decideOpen, type OpenRefusal } from '@smartlocker/domain';
import { BrokerUnavailableError, type LockerGateway } from '../broker/LockerGateway';
import type { Clock } from '../clock';
import type { AuditRepository } from '../repositories/AuditRepository';
import type { LockerRepository, LockerWithSite } from '../repositories/LockerRepository';
import type { PairingRepository } from '../repositories/PairingRepository';
import type { UserRow } from '../repositories/UserRepository';
import { AppError, lockdownRefusal, OUT_OF_SERVICE } from './AppError';

const REFUSALS: Record<Exclude<OpenRefusal, 'lockdown'>, AppError> = {
  not_paired: new AppError(403, 'not_paired', 'You can only open the locker paired to your account.'),
  premium_required: new AppError(403, 'premium_required', 'Sport lockers are for Premium members.'),
  no_active_booking: new AppError(409, 'no_active_booking', 'You have no booking running on this locker right now.'),
  locker_offline: new AppError(409, 'locker_offline', 'The locker is offline; it cannot receive the command.'),
  out_of_service: OUT_OF_SERVICE,
};

/** Sends a signed open command on behalf of a person, after the server-side checks. */
export class OpenService {
  constructor(
    private readonly lockers: LockerRepository,
    private readonly pairings: PairingRepository,
    private readonly audit: AuditRepository,
    private readonly gateway: LockerGateway,
    /** School lockers open only inside a paid booking of their own (BookingService). */
    private readonly schoolBookings: { hasRunningBooking(userId: string, lockerId: string): Promise<boolean> },
    /** Sport lockers open only inside the member's running session (SportSessionService, issue 6). */
    private readonly sportSessions: {
      open(user: UserRow, lockerId: string, known: LockerWithSite): Promise<{ commandId: string }>;
    },
    private readonly clock: Clock,
  ) {}

  async open(user: UserRow, lockerId: string): Promise<{ commandId: string }> {
    // Independent reads, sent together (on PostgreSQL they run at once on the pool).
    const [found, pairedLocker] = await Promise.all([
      this.lockers.findWithSite(lockerId),
      this.pairings.activeLockerOf(user.id),
    ]);
    const paired = found !== null && pairedLocker === lockerId;
    // Someone else's locker and a locker that does not exist answer the same, so ids cannot be probed.
    if (!found || !paired) throw REFUSALS.not_paired;
    // SPEC §6: a sport locker opens within a session (Premium checked there, fresh, with the grace
    // open of a member who lost it); without one the answer is 409 `no_active_session`.
    if (found.locker.type === 'sport') return this.sportSessions.open(user, lockerId, found);
    const decision = decideOpen(
      {
        lockerType: found.locker.type,
        pairedToUser: paired,
        userIsPremium: user.premium,
        hasActiveBooking:
          found.locker.type === 'school' && (await this.schoolBookings.hasRunningBooking(user.id, lockerId)),
        locker: found.locker,
      },
      this.clock.now(),
    );
    if (!decision.ok) {
      throw decision.refusal === 'lockdown' ? lockdownRefusal(found.locker.lockdownUntil) : REFUSALS[decision.refusal];
    }
    try {
      const sent = await this.gateway.sendCommand(lockerId, 'open', { kind: 'user', ref: user.id }, user.id);
      await this.audit.record({
        actorKind: 'user',
        actorId: user.id,
        action: 'locker.open_requested',
        lockerId,
        data: { commandId: sent.commandId },
      });
      return { commandId: sent.commandId };
    } catch (error) {
      if (error instanceof BrokerUnavailableError) throw new AppError(503, error.code, error.message);
      throw error;
    }
  }
}
