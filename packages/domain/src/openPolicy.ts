import { isInLockdown, isOutOfService, type LockerFacts, type LockerType } from './locker';

/**
 * Who may send an open command, decided on the server before anything reaches the broker.
 * The device enforces lockdown and anti-spam again on its own (SPEC §2), so these checks are for
 * clear answers to people, not the last line of defence.
 */
export type OpenRefusal =
  | 'not_paired'
  | 'premium_required'
  | 'no_active_booking'
  | 'out_of_service'
  | 'locker_offline'
  | 'lockdown';

export interface OpenFacts {
  lockerType: LockerType;
  pairedToUser: boolean;
  userIsPremium: boolean;
  /** School lockers: the user has a booking active now (SPEC §5). */
  hasActiveBooking: boolean;
  locker: Pick<LockerFacts, 'online' | 'lockdownUntil' | 'outOfServiceAt'>;
}

export function decideOpen(facts: OpenFacts, now: Date): { ok: true } | { ok: false; refusal: OpenRefusal } {
  if (!facts.pairedToUser) return { ok: false, refusal: 'not_paired' };
  switch (facts.lockerType) {
    case 'sport':
      // SPEC §6: only Premium members, checked on the server before any action.
      if (!facts.userIsPremium) return { ok: false, refusal: 'premium_required' };
      break;
    case 'school':
      if (!facts.hasActiveBooking) return { ok: false, refusal: 'no_active_booking' };
      break;
  }
  if (isOutOfService(facts.locker)) return { ok: false, refusal: 'out_of_service' };
  if (!facts.locker.online) return { ok: false, refusal: 'locker_offline' };
  if (isInLockdown(facts.locker, now)) return { ok: false, refusal: 'lockdown' };
  return { ok: true };
}

/** How long a signed command stays valid (SPEC §2: older than 10 s is ignored). */
export const OPEN_COMMAND_TTL_MS = 10_000;
