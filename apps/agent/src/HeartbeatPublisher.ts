import type { DeviceCounters } from './DeviceCounters';
import type { DeviceEnvelopeFactory, OutboundMessage } from './DeviceEnvelope';

export interface HeartbeatPublisherOptions {
  /** SPEC §2: every 30 s. */
  everyMs: number;
  firmware: string;
  /** When the program started, for `uptimeS`. */
  bootTime: number;
  now: () => number;
  counters: () => DeviceCounters;
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
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(options: HeartbeatPublisherOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.beat(), this.#options.everyMs);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  beat(): void {
    const { isLive, publish, envelopes, now, bootTime, firmware, counters } = this.#options;
    if (!isLive()) return;
    publish({
      channel: 'heartbeat',
      message: {
        ...envelopes.next(),
        uptimeS: Math.max(0, Math.floor((now() - bootTime) / 1000)),
        firmware,
        counters: counters(),
      },
    });
  }
}
