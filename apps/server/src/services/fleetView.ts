import { isInLockdown } from '@smartlocker/domain';
import type { FleetLockerRow, SiteRow } from '../repositories/FleetRepository';

/** One locker as the administrators' fleet list shows it (docs/admin-api.md `FleetLocker`). */
export interface FleetLocker {
  id: string;
  name: string;
  type: 'school' | 'sport';
  location: string | null;
  pairingCode: string;
  hourlyPriceCents: number;
  site: { id: string; name: string; timeZone: string };
  online: boolean;
  lastSeenAt: string | null;
  door: 'open' | 'closed' | 'unknown';
  lock: 'locked' | 'unlocked';
  objectPresent: boolean | null;
  /** When a lockdown in force ends by itself; null when there is none. */
  lockdownUntil: string | null;
  outOfService: { since: string; reason: string | null } | null;
  firmwareVersion: string | null;
  relayCycles: number;
  opensCount: number;
  occupancy: {
    kind: 'sport_session' | 'school_booking';
    bookingId: string;
    user: { id: string; name: string; email: string } | null;
    startsAt: string;
    endsAt: string | null;
  } | null;
  pairedCount: number;
  decommissionedAt: string | null;
}

export interface SiteView {
  id: string;
  name: string;
  address: string | null;
  timeZone: string;
  /** Lockers on it that are not decommissioned. */
  lockers: number;
  decommissionedAt: string | null;
}

export function toFleetLocker(row: FleetLockerRow, now: Date): FleetLocker {
  const { locker, occupancy } = row;
  const lockdown = isInLockdown(locker, now);
  return {
    id: locker.id,
    name: locker.name,
    type: locker.type,
    location: locker.location,
    pairingCode: locker.pairingCode,
    hourlyPriceCents: locker.hourlyPriceCents,
    site: row.site,
    online: locker.online,
    lastSeenAt: locker.lastSeenAt?.toISOString() ?? null,
    door: locker.door,
    lock: locker.lock,
    objectPresent: locker.objectPresent,
    lockdownUntil: lockdown ? (locker.lockdownUntil?.toISOString() ?? null) : null,
    outOfService: locker.outOfServiceAt
      ? { since: locker.outOfServiceAt.toISOString(), reason: locker.outOfServiceReason }
      : null,
    firmwareVersion: locker.firmware,
    relayCycles: locker.relayCycles,
    opensCount: locker.opensCount,
    occupancy: occupancy
      ? {
          kind: occupancy.kind,
          bookingId: occupancy.bookingId,
          // An erased person's booking stays, without anyone attached.
          user:
            occupancy.userId && occupancy.userName !== null
              ? { id: occupancy.userId, name: occupancy.userName, email: occupancy.userEmail ?? '' }
              : null,
          startsAt: occupancy.startsAt.toISOString(),
          endsAt: occupancy.endsAt?.toISOString() ?? null,
        }
      : null,
    pairedCount: row.pairedCount,
    decommissionedAt: locker.decommissionedAt?.toISOString() ?? null,
  };
}

export function toSiteView(site: SiteRow & { lockers: number }): SiteView {
  return {
    id: site.id,
    name: site.name,
    address: site.address,
    timeZone: site.timeZone,
    lockers: site.lockers,
    decommissionedAt: site.decommissionedAt?.toISOString() ?? null,
  };
}
