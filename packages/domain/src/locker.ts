/**
 * Locker facts and the state shown to people. Facts arrive from the device (door, lock,
 * lockdown, presence) and from the broker (online); `deriveLockerStatus` turns them into one
 * status, in a fixed order of precedence, where `unknown` is a real answer (STYLE.md ex. 4).
 */
export const LOCKER_TYPES = ['school', 'sport'] as const;
export type LockerType = (typeof LOCKER_TYPES)[number];

export type DoorFact = 'open' | 'closed' | 'unknown';
export type LockFact = 'locked' | 'unlocked';

export interface LockerFacts {
  online: boolean;
  door: DoorFact;
  lock: LockFact;
  lockdownUntil: Date | null;
  /** Put out of service by an administrator (issue 11): no pairing, booking or open until back. */
  outOfServiceAt: Date | null;
}

export function isOutOfService(facts: Pick<LockerFacts, 'outOfServiceAt'>): boolean {
  return facts.outOfServiceAt !== null;
}

export type LockerStatus = 'offline' | 'lockdown' | 'unlocked' | 'open' | 'unknown' | 'secured';

export function isInLockdown(facts: Pick<LockerFacts, 'lockdownUntil'>, now: Date): boolean {
  return facts.lockdownUntil !== null && facts.lockdownUntil.getTime() > now.getTime();
}

export function deriveLockerStatus(facts: LockerFacts, now: Date): LockerStatus {
  if (!facts.online) return 'offline';
  if (isInLockdown(facts, now)) return 'lockdown';
  if (facts.lock === 'unlocked') return 'unlocked';
  switch (facts.door) {
    case 'open':
      return 'open';
    case 'unknown':
      return 'unknown';
    case 'closed':
      return 'secured';
  }
}
