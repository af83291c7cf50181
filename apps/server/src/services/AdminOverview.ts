import type { Clock } from '../clock';
import type { EventBus } from '../eventBus';
import type { Logger } from '../observability/logger';
import type { AlertRepository } from '../repositories/AlertRepository';
import type { FleetCounts, FleetRepository } from '../repositories/FleetRepository';
import type { RevenueService } from './RevenueService';

/** docs/admin-api.md "Overview". */
export interface AdminOverviewView {
  lockers: FleetCounts;
  /** Alarms not yet cleared (active or acknowledged). */
  activeAlarms: number;
  revenue: { todayCents: number; monthCents: number; currency: 'EUR'; timeZone: string };
}

export class AdminOverview {
  constructor(
    private readonly fleet: FleetRepository,
    private readonly alerts: AlertRepository,
    private readonly revenue: RevenueService,
    private readonly clock: Clock,
  ) {}

  async read(): Promise<AdminOverviewView> {
    const [lockers, alarms, revenue] = await Promise.all([
      this.fleet.counts(this.clock.now()),
      this.alerts.countOpenByState(),
      this.revenue.todayAndMonth(),
    ]);
    return { lockers, activeAlarms: alarms.active + alarms.acknowledged, revenue };
  }
}

/** What moves the overview's figures. */
const MOVING_EVENTS = [
  'locker.changed',
  'alert.raised',
  'alert.changed',
  'booking.changed',
  'session.changed',
  'pairing.changed',
] as const;

/**
 * The administrators' live overview (SSE `overview`): however many changes arrive, the figures
 * are read at most once per `intervalMs` and handed to every administrator's stream, so a fleet
 * reporting at once costs one query a second, not one per change and per open panel. It listens
 * to the bus only while some administrator's stream is open.
 */
export class OverviewFeed {
  readonly #listeners = new Set<(overview: AdminOverviewView) => void>();
  #unsubscribe: (() => void)[] = [];
  #timer: NodeJS.Timeout | null = null;
  #lastRead = 0;
  #reading = false;
  #dirty = false;

  constructor(
    private readonly bus: EventBus,
    private readonly overview: Pick<AdminOverview, 'read'>,
    private readonly logger: Logger,
    private readonly intervalMs = 1_000,
  ) {}

  subscribe(listener: (overview: AdminOverviewView) => void): () => void {
    this.#listeners.add(listener);
    if (this.#listeners.size === 1) {
      this.#unsubscribe = MOVING_EVENTS.map((event) => this.bus.on(event, () => this.#changed()));
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size > 0) return;
      for (const off of this.#unsubscribe.splice(0)) off();
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = null;
      this.#dirty = false;
    };
  }

  #changed(): void {
    this.#dirty = true;
    if (this.#timer || this.#reading) return;
    const wait = Math.max(0, this.#lastRead + this.intervalMs - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#publish();
    }, wait);
    this.#timer.unref();
  }

  async #publish(): Promise<void> {
    if (this.#listeners.size === 0) return;
    this.#dirty = false;
    this.#reading = true;
    this.#lastRead = Date.now();
    try {
      const overview = await this.overview.read();
      for (const listener of this.#listeners) listener(overview);
    } catch (error) {
      this.logger.warn({ err: error }, 'could not read the admin overview');
    } finally {
      this.#reading = false;
      // Changes that came during the read are covered by the next one, a second later.
      if (this.#dirty) this.#changed();
    }
  }
}
