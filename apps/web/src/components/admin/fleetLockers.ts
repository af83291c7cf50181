import type { FleetLocker } from '../../api/admin';
import type { LockerView } from '../../api/types';

/**
 * The fleet views' rows, kept live: a `fleet-locker` event (a LockerView) patches the row of its
 * locker in place; the rest of a row (site, counters, occupancy) comes with the next page the
 * `overview` event asks for. Pure functions, so the grid's behaviour is unit-tested.
 */

/** The row with the facts of `view` applied (the row itself when nothing changes). */
export function applyLockerView(row: FleetLocker, view: LockerView): FleetLocker {
  const next: FleetLocker = {
    ...row,
    name: view.name,
    type: view.type,
    online: view.online,
    door: view.door,
    lock: view.lock,
    objectPresent: view.objectPresent,
    lockdownUntil: view.lockdown ? view.lockdownUntil : null,
    outOfService: view.outOfService,
    // A report from an online locker is a sign of life; the offline sweep's change is not one.
    lastSeenAt: view.online ? latest(row.lastSeenAt, view.updatedAt) : row.lastSeenAt,
  };
  return sameFacts(row, next) ? row : next;
}

function latest(a: string | null, b: string): string {
  if (!a) return b;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

function sameFacts(a: FleetLocker, b: FleetLocker): boolean {
  return (
    a.name === b.name &&
    a.type === b.type &&
    a.online === b.online &&
    a.door === b.door &&
    a.lock === b.lock &&
    a.objectPresent === b.objectPresent &&
    a.lockdownUntil === b.lockdownUntil &&
    a.lastSeenAt === b.lastSeenAt &&
    a.outOfService?.since === b.outOfService?.since &&
    a.outOfService?.reason === b.outOfService?.reason
  );
}

export interface PatchResult {
  rows: FleetLocker[];
  /** False when no row shows this locker (a locker off this page, or one just provisioned). */
  found: boolean;
}

/** Patches the row of `view.id` in place (same position); the list is unchanged when it has none. */
export function patchFleetLocker(rows: readonly FleetLocker[], view: LockerView): PatchResult {
  const index = rows.findIndex((row) => row.id === view.id);
  if (index < 0) return { rows: rows as FleetLocker[], found: false };
  const current = rows[index] as FleetLocker;
  const patched = applyLockerView(current, view);
  if (patched === current) return { rows: rows as FleetLocker[], found: true };
  const next = rows.slice();
  next[index] = patched;
  return { rows: next, found: true };
}

/**
 * A page that was on its way while events arrived may predate them: the views received since the
 * request left are applied on top (they are the latest facts, so applying one twice is harmless).
 */
export function applyLiveViews(rows: readonly FleetLocker[], views: readonly LockerView[]): FleetLocker[] {
  let current = rows as FleetLocker[];
  for (const view of views) current = patchFleetLocker(current, view).rows;
  return current;
}

/** A row replaced by the server's answer to an action (or added at the top when new). */
export function upsertFleetLocker(rows: readonly FleetLocker[], locker: FleetLocker): FleetLocker[] {
  const index = rows.findIndex((row) => row.id === locker.id);
  if (index < 0) return [locker, ...rows];
  const next = rows.slice();
  next[index] = locker;
  return next;
}

/** The one word a card leads with, most pressing first. */
export type FleetStatus = 'decommissioned' | 'out_of_service' | 'lockdown' | 'offline' | 'in_use' | 'free';

export function isInLockdown(row: Pick<FleetLocker, 'lockdownUntil'>, now: number): boolean {
  return row.lockdownUntil !== null && Date.parse(row.lockdownUntil) > now;
}

export function fleetStatus(row: FleetLocker, now: number): FleetStatus {
  if (row.decommissionedAt) return 'decommissioned';
  if (row.outOfService) return 'out_of_service';
  if (isInLockdown(row, now)) return 'lockdown';
  if (!row.online) return 'offline';
  return row.occupancy ? 'in_use' : 'free';
}
