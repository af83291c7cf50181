import { isInLockdown } from '@smartlocker/domain';
import type { lockers, sites } from '../db/schema';

/** What a browser sees of a locker: never the pairing code's owner, never device secrets. */
export interface LockerView {
  id: string;
  name: string;
  type: 'school' | 'sport';
  siteName: string;
  online: boolean;
  door: 'open' | 'closed' | 'unknown';
  lock: 'locked' | 'unlocked';
  lockdown: boolean;
  /** When a lockdown in force ends by itself (SPEC §2: 5 min after it started); null otherwise. */
  lockdownUntil: string | null;
  /** Put out of service by an administrator (issue 11): why, shown to the people who paired it. */
  outOfService: { since: string; reason: string | null } | null;
  objectPresent: boolean | null;
  updatedAt: string;
}

export function toLockerView(
  locker: typeof lockers.$inferSelect,
  site: Pick<typeof sites.$inferSelect, 'name'>,
  now = new Date(),
): LockerView {
  return {
    id: locker.id,
    name: locker.name,
    type: locker.type,
    siteName: site.name,
    online: locker.online,
    door: locker.door,
    lock: locker.lock,
    lockdown: isInLockdown(locker, now),
    lockdownUntil: isInLockdown(locker, now) ? (locker.lockdownUntil?.toISOString() ?? null) : null,
    outOfService: locker.outOfServiceAt
      ? { since: locker.outOfServiceAt.toISOString(), reason: locker.outOfServiceReason }
      : null,
    objectPresent: locker.objectPresent,
    updatedAt: locker.updatedAt.toISOString(),
  };
}
