import type { DeviceCounters } from './DeviceCounters';
import type { DeviceEnvelopeFactory, OutboundMessage } from './DeviceEnvelope';
import { realScheduler, type ScheduledTimer, type Scheduler } from './Scheduler';

export interface HeartbeatPublisherOptions {
  /** SPEC §2: every 30 s. */
  everyMs: number;
  firmware: string;
  /** When the program started, for `uptimeS`. */
  bootTime: number;
  now: () => number;
  scheduler?: Scheduler;
  counters: () => DeviceCounters;
  /** The sequence number of the last state report sent, 0 before the first. */
  lastStateSeq: () => number;
  envelopes: DeviceEnvelopeFactory;
  /** Only while connected: a heartbeat says "alive now", so one kept for later would lie. */
  isLive: () => boolean;
  publish: (outbound: OutboundMessage) => void;
}

/**
 * SPEC §2: a heartbeat every 30 s with uptime, firmware and the device's counters (opens, relay
 * cycles, alerts, kept on disk by PersistentCounters). The broker's last will covers a locker
 * that dies between two heartbeats; the server treats three missed ones as offline.
 */
export class HeartbeatPublisher {
  readonly #options: HeartbeatPublisherOptions;
  #timer: ScheduledTimer | null = null;

  constructor(options: HeartbeatPublisherOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = (this.#options.scheduler ?? realScheduler).setInterval(() => this.beat(), this.#options.everyMs);
  }

  stop(): void {
    (this.#options.scheduler ?? realScheduler).clear(this.#timer);
    this.#timer = null;
  }

  beat(): void {
    const { isLive, publish, envelopes, now, bootTime, firmware, counters, lastStateSeq } = this.#options;
    if (!isLive()) return;
    publish({
      channel: 'heartbeat',
      message: {
        ...envelopes.next(),
        uptimeS: Math.max(0, Math.floor((now() - bootTime) / 1000)),
        firmware,
        counters: counters(),
        stateSeq: lastStateSeq(),
      },
    });
  }
}
