import { decidePairing, normalizePairingCode, type PairingRefusal } from '@smartlocker/domain';
import type { EventBus } from '../eventBus';
import type { AuditRepository } from '../repositories/AuditRepository';
import type { LockerRepository } from '../repositories/LockerRepository';
import type { PairingRepository } from '../repositories/PairingRepository';
import { AppError, OUT_OF_SERVICE } from './AppError';
import { type LockerView, toLockerView } from './lockerView';

const REFUSALS: Record<PairingRefusal, AppError> = {
  invalid_code: new AppError(400, 'invalid_code', 'This is not a locker code. It looks like SL-SPORT-01.'),
  unknown_code: new AppError(404, 'unknown_code', 'No locker has this code. Check the sticker on the locker.'),
  already_paired: new AppError(409, 'already_paired', 'You already have a locker. Unpair it first in Settings.'),
  locker_taken: new AppError(409, 'locker_taken', 'This sport locker is in use by another member.'),
  locker_offline: new AppError(409, 'locker_offline', 'This locker is offline right now. Try again in a moment.'),
  out_of_service: OUT_OF_SERVICE,
};

const SESSION_ACTIVE = new AppError(
  409,
  'session_active',
  'Your sport session is still running: end it first, which also unpairs the locker.',
);

/** SPEC §4: pairing a locker by the code printed on it, and unpairing. */
export class PairingService {
  constructor(
    private readonly lockers: LockerRepository,
    private readonly pairings: PairingRepository,
    private readonly audit: AuditRepository,
    private readonly bus: EventBus,
    /** Issue 6: a running sport session holds its pairing until it ends. */
    private readonly sportSessions: { activeOfUser(userId: string): Promise<unknown> },
  ) {}

  async pair(userId: string, rawCode: string): Promise<LockerView> {
    const code = normalizePairingCode(rawCode);
    const locker = code ? await this.lockers.findByPairingCode(code) : null;
    const decision = decidePairing({
      code,
      locker,
      userLockerId: await this.pairings.activeLockerOf(userId),
      otherActivePairings: locker ? await this.pairings.countActiveOthers(locker.id, userId) : 0,
    });
    if (!decision.ok) throw REFUSALS[decision.refusal];
    if (!locker) throw REFUSALS.unknown_code;
    // The checks above give the reason; the database's unique indexes decide a race.
    const created = await this.pairings.create(userId, locker.id, locker.type);
    if (!created.ok) throw REFUSALS[created.conflict];
    await this.audit.record({ actorKind: 'user', actorId: userId, action: 'pairing.created', lockerId: locker.id });
    this.bus.emit('pairing.changed', { userId, lockerId: locker.id });
    const found = await this.lockers.findWithSite(locker.id);
    if (!found) throw new Error(`locker ${locker.id} vanished`);
    return toLockerView(found.locker, found.site);
  }

  async unpair(userId: string): Promise<void> {
    // Unpairing would leave the session running on a locker the member no longer sees, with
    // their things inside: End releases the pairing itself, after checking the door is shut.
    if (await this.sportSessions.activeOfUser(userId)) throw SESSION_ACTIVE;
    const lockerId = await this.pairings.end(userId, 'user', new Date());
    if (!lockerId) return;
    await this.audit.record({ actorKind: 'user', actorId: userId, action: 'pairing.ended', lockerId });
    this.bus.emit('pairing.changed', { userId, lockerId: null });
  }
}
