import { PROTOCOL_VERSION } from '@smartlocker/protocol';
import { and, eq, isNull, lte, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../db/database';
import { databaseUnavailable } from '../db/pgErrors';
import { lockers } from '../db/schema';
import type { EventBus } from '../eventBus';
import type { Logger } from '../observability/logger';
import type { AuditRepository } from '../repositories/AuditRepository';
import type { LockerRepository } from '../repositories/LockerRepository';
import { toLockerView } from '../services/lockerView';

/**
 * Sites with their own broker (issue 13, docs/site-bridges.md). A site's lockers talk to a local
 * Mosquitto that bridges their topics to the central broker; the lockers' last wills live on that
 * local broker, so when the site's link dies nobody on the central side hears them. The bridge
 * itself has a will on the central broker, though: Mosquitto's `notification_topic`, "1" while the
 * bridge is up and "0" once it is gone. The topic names the site, and "0" counts as the last will
 * of every locker of that site. Lockers come back by themselves: their `status` crosses the
 * bridge again when it reconnects.
 */
const SITES_ROOT = `smartlocker/v${PROTOCOL_VERSION}/sites`;

/** What the server subscribes to; deploy/mosquitto/site-bridge.conf publishes on it. */
export const SITE_BRIDGE_TOPIC_FILTER = `${SITES_ROOT}/+/bridge`;

export function siteBridgeTopic(siteId: string): string {
  return `${SITES_ROOT}/${z.uuid().parse(siteId)}/bridge`;
}

/** `…/sites/{siteId}/bridge` → the site id; anything else fails. */
const SiteBridgeTopic = z
  .string()
  .transform((topic) => {
    const levels = topic.startsWith(`${SITES_ROOT}/`) ? topic.slice(SITES_ROOT.length + 1).split('/') : [];
    return levels.length === 2 && levels[1] === 'bridge' ? levels[0] : undefined;
  })
  .pipe(z.uuid());

/** Mosquitto's bridge notification: the ASCII digit, nothing else. */
const BridgeState = z.enum(['0', '1']);

/** The one statement this module needs; no rules in it (STYLE.md ex. 7). */
export class SiteLockerRepository {
  constructor(private readonly db: Database) {}

  /**
   * The site's lockers still counted online that were last heard no later than `at`: marked offline
   * in one statement, as their last wills would have. A locker heard after `at` (its `status`
   * came through a bridge that is already back) keeps its word. Returns the lockers it moved, so
   * that with several server instances each locker is recorded and announced by one of them.
   */
  async markSiteOffline(siteId: string, at: Date): Promise<string[]> {
    const rows = await this.db
      .update(lockers)
      .set({ online: false, updatedAt: at, offlineSince: sql`coalesce(${lockers.offlineSince}, ${at})` })
      .where(
        and(
          eq(lockers.siteId, siteId),
          eq(lockers.online, true),
          or(isNull(lockers.lastSeenAt), lte(lockers.lastSeenAt, at)),
        ),
      )
      .returning({ id: lockers.id });
    return rows.map((row) => row.id).sort();
  }
}

export interface SiteBridgesOptions {
  siteLockers: SiteLockerRepository;
  lockers: LockerRepository;
  audit: AuditRepository;
  bus: EventBus;
  logger: Logger;
  now?: () => number;
}

/** What the gateway hands over: the filter to subscribe to, and the messages on it. */
export interface SiteBridgeListener {
  readonly filter: string;
  /** True when the topic is a site bridge's (then it is this module's, valid or not). */
  take(topic: string, payload: Buffer): boolean;
}

export class SiteBridges implements SiteBridgeListener {
  readonly filter = SITE_BRIDGE_TOPIC_FILTER;
  readonly #options: SiteBridgesOptions;
  readonly #now: () => number;
  /** Notifications are applied one after the other, in arrival order (a quick "0", "1", "0" stays in order). */
  #chain: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(options: SiteBridgesOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  take(topic: string, payload: Buffer): boolean {
    if (!topic.startsWith(`${SITES_ROOT}/`)) return false;
    // The instant it arrived, not the instant it is applied: a locker heard in between stays online.
    const at = new Date(this.#now());
    this.#chain = this.#chain
      .then(() => this.#applyUntilStored(topic, payload, at))
      .catch((error: unknown) => this.#options.logger.error({ err: error, topic }, 'site bridge notification failed'));
    return true;
  }

  /** Resolves once every notification received so far has been applied. */
  idle(): Promise<void> {
    return this.#chain;
  }

  /** After the gateway stopped: finishes what it received, and retries no more. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#chain;
  }

  async #applyUntilStored(topic: string, payload: Buffer, at: Date): Promise<void> {
    for (let delay = 250; ; delay = Math.min(delay * 2, 5_000)) {
      try {
        await this.#apply(topic, payload, at);
        return;
      } catch (error) {
        if (!databaseUnavailable(error) || this.#stopped) throw error;
        this.#options.logger.warn({ topic, retryInMs: delay }, 'database unavailable; site bridge notification kept');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  async #apply(topic: string, payload: Buffer, at: Date): Promise<void> {
    const { logger } = this.#options;
    if (payload.length === 0) return; // a cleared retained notification
    const site = SiteBridgeTopic.safeParse(topic);
    if (!site.success) {
      logger.warn({ topic: topic.slice(0, 200) }, 'site bridge notification on a topic that names no site; ignored');
      return;
    }
    const siteId = site.data;
    const state = BridgeState.safeParse(payload.toString('utf8'));
    if (!state.success) {
      logger.warn(
        { siteId, payload: payload.toString('utf8', 0, Math.min(payload.length, 64)) },
        'site bridge notification is neither "0" nor "1"; ignored',
      );
      return;
    }
    if (state.data === '1') {
      // Nothing to do: each locker's own `status` follows through the bridge.
      logger.info({ siteId }, 'site bridge up');
      return;
    }
    await this.#siteDown(siteId, at);
  }

  async #siteDown(siteId: string, at: Date): Promise<void> {
    const { siteLockers, lockers, audit, bus, logger } = this.#options;
    const moved = await siteLockers.markSiteOffline(siteId, at);
    logger.warn({ siteId, lockers: moved }, 'site bridge down: its lockers are offline');
    for (const lockerId of moved) {
      await audit.record({
        actorKind: 'system',
        action: 'locker.offline',
        lockerId,
        data: { reason: 'site_bridge_down', siteId },
      });
      const found = await lockers.findWithSite(lockerId);
      // Relayed to the other instances (ADR 11): only this one moved the flag.
      if (found) bus.emit('locker.changed', { locker: toLockerView(found.locker, found.site, new Date(this.#now())) });
    }
  }
}
