import { normalizePairingCode } from '@smartlocker/domain';
import type { Clock } from '../clock';
import { sqlState, UNIQUE_VIOLATION } from '../db/pgErrors';
import type { EventBus } from '../eventBus';
import type { AuditRepository } from '../repositories/AuditRepository';
import type { FleetLockerFilter, FleetRepository } from '../repositories/FleetRepository';
import type { LockerRepository, LockerRow } from '../repositories/LockerRepository';
import type { AdminActor } from './AdminUserService';
import { AppError } from './AppError';
import { type FleetLocker, type SiteView, toFleetLocker, toSiteView } from './fleetView';
import { toLockerView } from './lockerView';

export interface FleetServiceDeps {
  fleet: FleetRepository;
  lockers: LockerRepository;
  audit: AuditRepository;
  bus: EventBus;
  clock: Clock;
}

export interface SiteInput {
  name: string;
  address: string | null;
  timeZone: string;
}

export interface LockerEdit {
  name?: string;
  location?: string | null;
  pairingCode?: string;
  hourlyPriceCents?: number;
}

export const UNKNOWN_LOCKER = new AppError(404, 'unknown_locker', 'No locker has this id.');
const UNKNOWN_SITE = new AppError(404, 'unknown_site', 'No site has this id.');
export const LOCKER_DECOMMISSIONED = new AppError(
  409,
  'locker_decommissioned',
  'This locker was decommissioned; it is kept for history only.',
);

/** True for a zone the runtime knows (IANA names such as Europe/Brussels). */
export function isTimeZone(zone: string): boolean {
  if (zone.trim() === '' || zone.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Sites and the lockers' administration (issue 11): what the panel lists and edits, out of service
 * and back. Every change is audited with its reason and, for a locker, announced on the bus so
 * the panel's grid and its people's screens follow. The HTTP routes and the CLI share it.
 */
export class FleetService {
  readonly #deps: FleetServiceDeps;

  constructor(deps: FleetServiceDeps) {
    this.#deps = deps;
  }

  // ── Sites ────────────────────────────────────────────────────────────────────────────────

  async listSites(): Promise<SiteView[]> {
    return (await this.#deps.fleet.listSites()).map(toSiteView);
  }

  async createSite(input: SiteInput, actor: AdminActor, reason: string | null = null): Promise<SiteView> {
    if (!isTimeZone(input.timeZone)) throw invalidTimeZone(input.timeZone);
    const site = await this.#deps.fleet.createSite(input);
    await this.#deps.audit.record({
      actorKind: actor.kind,
      actorId: actor.id,
      action: 'site.created',
      data: { siteId: site.id, name: site.name, address: site.address, timeZone: site.timeZone, reason },
    });
    return this.#site(site.id);
  }

  async editSite(id: string, changes: Partial<SiteInput>, actor: AdminActor, reason: string | null): Promise<SiteView> {
    if (changes.timeZone !== undefined && !isTimeZone(changes.timeZone)) throw invalidTimeZone(changes.timeZone);
    const before = await this.#deps.fleet.findSite(id);
    if (!before) throw UNKNOWN_SITE;
    if (before.decommissionedAt) throw siteDecommissioned();
    await this.#deps.fleet.updateSite(id, changes);
    await this.#deps.audit.record({
      actorKind: actor.kind,
      actorId: actor.id,
      action: 'site.edited',
      data: { siteId: id, changes, reason },
    });
    return this.#site(id);
  }

  async decommissionSite(id: string, actor: AdminActor, reason: string): Promise<SiteView> {
    const site = await this.#deps.fleet.findSite(id);
    if (!site) throw UNKNOWN_SITE;
    if (site.decommissionedAt) return this.#site(id);
    const active = await this.#deps.fleet.activeLockersOnSite(id);
    if (active > 0) {
      throw new AppError(
        409,
        'site_has_lockers',
        `This site still has ${active} locker(s) in the fleet: decommission or move them first.`,
        { lockers: active },
      );
    }
    await this.#deps.fleet.updateSite(id, { decommissionedAt: this.#deps.clock.now() });
    await this.#deps.audit.record({
      actorKind: actor.kind,
      actorId: actor.id,
      action: 'site.decommissioned',
      data: { siteId: id, reason },
    });
    return this.#site(id);
  }

  async #site(id: string): Promise<SiteView> {
    const found = (await this.#deps.fleet.listSites()).find((s) => s.id === id);
    if (!found) throw UNKNOWN_SITE;
    return toSiteView(found);
  }

  // ── Lockers ──────────────────────────────────────────────────────────────────────────────

  async listLockers(
    filter: Omit<FleetLockerFilter, 'id'>,
    page: { page: number; pageSize: number },
  ): Promise<{ lockers: FleetLocker[]; total: number; page: number; pageSize: number }> {
    const now = this.#deps.clock.now();
    const { rows, total } = await this.#deps.fleet.lockers(
      filter,
      { offset: (page.page - 1) * page.pageSize, limit: page.pageSize },
      now,
    );
    return { lockers: rows.map((r) => toFleetLocker(r, now)), total, page: page.page, pageSize: page.pageSize };
  }

  /** One locker of the fleet, decommissioned ones included; 404 `unknown_locker` otherwise. */
  async locker(id: string): Promise<FleetLocker> {
    const now = this.#deps.clock.now();
    const { rows } = await this.#deps.fleet.lockers({ id }, { offset: 0, limit: 1 }, now);
    const row = rows[0];
    if (!row) throw UNKNOWN_LOCKER;
    return toFleetLocker(row, now);
  }

  async editLocker(id: string, edit: LockerEdit, actor: AdminActor, reason: string): Promise<FleetLocker> {
    const before = await this.#activeLocker(id);
    const changes: LockerEdit = { ...edit };
    if (edit.pairingCode !== undefined) {
      const code = normalizePairingCode(edit.pairingCode);
      if (!code) throw new AppError(400, 'invalid_code', 'A pairing code looks like SL-SPORT-01.');
      changes.pairingCode = code;
    }
    try {
      await this.#deps.fleet.updateLocker(id, changes, this.#deps.clock.now());
    } catch (error) {
      if (sqlState(error) !== UNIQUE_VIOLATION) throw error;
      throw new AppError(409, 'pairing_code_taken', `The pairing code ${changes.pairingCode} is on another locker.`);
    }
    const changed = Object.fromEntries(
      Object.entries(changes).filter(([key, value]) => before[key as keyof LockerEdit] !== value),
    );
    await this.#deps.audit.record({
      actorKind: actor.kind,
      actorId: actor.id,
      action: 'locker.edited',
      lockerId: id,
      data: { changes: changed, reason },
    });
    await this.#announce(id);
    return this.locker(id);
  }

  /** Pairing, bookings and opens are refused while it lasts (409 `locker_out_of_service`). */
  async setOutOfService(id: string, actor: AdminActor, reason: string): Promise<FleetLocker> {
    const locker = await this.#activeLocker(id);
    const now = this.#deps.clock.now();
    await this.#deps.fleet.updateLocker(
      id,
      { outOfServiceAt: locker.outOfServiceAt ?? now, outOfServiceReason: reason },
      now,
    );
    await this.#deps.audit.record({
      actorKind: actor.kind,
      actorId: actor.id,
      action: 'locker.out_of_service',
      lockerId: id,
      data: { reason },
    });
    await this.#announce(id);
    return this.locker(id);
  }

  async setInService(id: string, actor: AdminActor, reason: string): Promise<FleetLocker> {
    await this.#activeLocker(id);
    await this.#deps.fleet.updateLocker(id, { outOfServiceAt: null, outOfServiceReason: null }, this.#deps.clock.now());
    await this.#deps.audit.record({
      actorKind: actor.kind,
      actorId: actor.id,
      action: 'locker.in_service',
      lockerId: id,
      data: { reason },
    });
    await this.#announce(id);
    return this.locker(id);
  }

  /** The locker, refused when unknown or decommissioned. */
  async #activeLocker(id: string): Promise<LockerRow> {
    const found = await this.#deps.lockers.findWithSite(id);
    if (!found) throw UNKNOWN_LOCKER;
    if (found.locker.decommissionedAt) throw LOCKER_DECOMMISSIONED;
    return found.locker;
  }

  /** The people paired to it and the panel see the change at once (`locker.changed`). */
  async #announce(id: string): Promise<void> {
    const found = await this.#deps.lockers.findWithSite(id);
    if (found)
      this.#deps.bus.emit('locker.changed', { locker: toLockerView(found.locker, found.site, this.#deps.clock.now()) });
  }
}

function invalidTimeZone(zone: string): AppError {
  return new AppError(400, 'invalid_request', `${zone} is not an IANA time zone (such as Europe/Brussels).`, {
    fields: [{ path: 'timeZone', message: 'an IANA time zone such as Europe/Brussels' }],
  });
}

function siteDecommissioned(): AppError {
  return new AppError(409, 'site_decommissioned', 'This site was decommissioned; it is kept for history only.');
}
