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
    objectPresent: locker.objectPresent,
    updatedAt: locker.updatedAt.toISOString(),
  };
}
