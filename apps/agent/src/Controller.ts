import type { Command, DeviceEvent, DoorState, LockState, RefusalReason } from '@smartlocker/protocol';
import type { Logger } from 'pino';
import { AgentError } from './AgentError';
import type { DeviceEnvelope, DeviceEnvelopeFactory, OutboundMessage } from './DeviceEnvelope';
import type { Hal } from './hal/Hal';

export interface ControllerTimings {
  relayPulseMs: number;
  doorSampleMs: number;
  openConfirmWindowMs: number;
}

export interface DeviceCounters {
  opens: number;
  relayCycles: number;
  alerts: number;
}

export interface ControllerOptions {
  hal: Hal;
  envelopes: DeviceEnvelopeFactory;
  timings: ControllerTimings;
  /** Hands a message to the transport; the controller knows nothing of MQTT. */
  publish: (outbound: OutboundMessage) => void;
  logger: Logger;
}

/** An event without its envelope; distributive so each event type keeps its own fields. */
type EventBody = DeviceEvent extends infer E ? (E extends DeviceEvent ? Omit<E, keyof DeviceEnvelope> : never) : never;

interface Pulse {
  abort: AbortController;
  done: Promise<void>;
}

/**
 * The locker's own rules (SPEC §2), applied to commands that the caller has already verified.
 * Facts come from the HAL; the state published is derived from them, and published only when
 * it changes or when asked, never once per sample (SPEC §11.4: no alert storm).
 */
export class Controller {
  readonly #hal: Hal;
  readonly #envelopes: DeviceEnvelopeFactory;
  readonly #timings: ControllerTimings;
  readonly #publish: (outbound: OutboundMessage) => void;
  readonly #logger: Logger;
  readonly #counters: DeviceCounters = { opens: 0, relayCycles: 0, alerts: 0 };
  /** Opens waiting for the door sensor to confirm them, by command id. */
  readonly #pendingConfirmations = new Map<string, ReturnType<typeof setTimeout>>();
  #running = false;
  #door: DoorState = 'unknown';
  #lastKnownDoor: 'open' | 'closed' | null = null;
  #doorReadFailing = false;
  #relayEnergised = false;
  #pulse: Pulse | null = null;
  #sampleTimer: ReturnType<typeof setInterval> | null = null;
  #stopDoorEdges: (() => void) | null = null;

  constructor(options: ControllerOptions) {
    this.#hal = options.hal;
    this.#envelopes = options.envelopes;
    this.#timings = options.timings;
    this.#publish = options.publish;
    this.#logger = options.logger;
    // Fail-secure (SPEC §2: the relay is initially off), whatever state a previous run left it in.
    this.#releaseRelay();
  }

  get door(): DoorState {
    return this.#door;
  }

  get lock(): LockState {
    return this.#relayEnergised ? 'unlocked' : 'locked';
  }

  get pulseInProgress(): boolean {
    return this.#pulse !== null;
  }

  get counters(): Readonly<DeviceCounters> {
    return { ...this.#counters };
  }

  start(): void {
    if (this.#running) return;
    this.#releaseRelay();
    this.#running = true;
    this.#door = this.#readDoor();
    this.#lastKnownDoor = this.#door === 'unknown' ? null : this.#door;
    this.#stopDoorEdges = this.#hal.onDoorChange?.((door) => this.#observeDoor(door)) ?? null;
    // SPEC §2: sampled every 500 ms or on edge; sampling also catches edges a driver missed.
    this.#sampleTimer = setInterval(() => this.#observeDoor(this.#readDoor()), this.#timings.doorSampleMs);
    this.publishState();
  }

  /** Stops sampling and releases the relay at once, then waits for a pulse in progress to wind down. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#sampleTimer) clearInterval(this.#sampleTimer);
    this.#sampleTimer = null;
    this.#stopDoorEdges?.();
    this.#stopDoorEdges = null;
    for (const timer of this.#pendingConfirmations.values()) clearTimeout(timer);
    this.#pendingConfirmations.clear();
    const pulse = this.#pulse;
    pulse?.abort.abort();
    this.#releaseRelay();
    await pulse?.done;
  }

  /** Carries out a command whose signature, addressee, freshness and uniqueness were checked. */
  execute(command: Command): void {
    switch (command.type) {
      case 'open':
        this.#open(command);
        return;
      case 'report_state':
        this.#ack(command, 'accepted');
        this.publishState();
        return;
      case 'reset_lockdown':
        // Lockdown arrives in a later issue; until then there is never one to reset, and the
        // fresh state tells the server so at once (SPEC §11.2).
        this.#ack(command, 'accepted');
        this.publishState();
        return;
    }
  }

  /** Answers a command that will not be carried out; every command gets an ack. */
  refuse(command: Command, reason: RefusalReason): void {
    this.#ack(command, 'refused', reason);
  }

  publishState(): void {
    this.#emit({
      channel: 'state',
      message: {
        ...this.#envelopes.next(),
        door: this.#door,
        lock: this.lock,
        // Lockdown and presence sensing come in a later issue.
        lockdown: { active: false, until: null },
        objectPresent: null,
        distanceCm: null,
      },
    });
  }

  #open(command: Command): void {
    // One pulse at a time: a second open would only stretch the first one past 4 s. A stopped
    // controller never energises (fail-secure while shutting down).
    if (!this.#running || this.#pulse) {
      this.#ack(command, 'refused', 'busy');
      return;
    }
    const pulse: Pulse = { abort: new AbortController(), done: Promise.resolve() };
    this.#pulse = pulse;
    pulse.done = this.#runPulse(command, pulse);
  }

  /** SPEC §2: relay energised for relayPulseMs, then always released, also on error or stop. */
  async #runPulse(command: Command, pulse: Pulse): Promise<void> {
    let energised = false;
    try {
      // Counted as unlocked from before the call: a driver that throws may have switched it anyway.
      this.#relayEnergised = true;
      this.#hal.setRelay(true);
      energised = true;
      this.#counters.opens += 1;
      this.#counters.relayCycles += 1;
      this.#ack(command, 'accepted');
      this.publishState();
      this.#awaitDoorConfirmation(command.id);
      await sleep(this.#timings.relayPulseMs, pulse.abort.signal);
    } catch (error) {
      this.#logger.error({ err: error, commandId: command.id }, 'relay fault during an open; releasing the relay');
      if (!energised) this.#ack(command, 'refused', 'hardware_error');
    } finally {
      this.#releaseRelay();
      if (this.#pulse === pulse) this.#pulse = null;
      this.publishState();
    }
  }

  /** SPEC §2: after the pulse the door sensor confirms the opening (opened / open_not_confirmed). */
  #awaitDoorConfirmation(commandId: string): void {
    if (this.#door === 'open') {
      this.#emitEvent({ type: 'open_result', commandId, result: 'opened' });
      return;
    }
    const timer = setTimeout(() => {
      this.#pendingConfirmations.delete(commandId);
      this.#emitEvent({ type: 'open_result', commandId, result: 'open_not_confirmed' });
    }, this.#timings.openConfirmWindowMs);
    this.#pendingConfirmations.set(commandId, timer);
  }

  #observeDoor(door: DoorState): void {
    if (!this.#running || door === this.#door) return;
    this.#door = door;
    this.publishState();
    if (door === 'unknown') return;
    // Events follow the last *known* position, so a sensor glitch (open → unknown → open) is not a new opening.
    const previous = this.#lastKnownDoor;
    this.#lastKnownDoor = door;
    if (door === 'closed') {
      if (previous === 'open') this.#emitEvent({ type: 'door_closed' });
      return;
    }
    const legitimate = this.#pulse !== null || this.#pendingConfirmations.size > 0;
    if (previous === 'closed') this.#emitEvent({ type: 'door_opened', legitimate });
    for (const [commandId, timer] of this.#pendingConfirmations) {
      clearTimeout(timer);
      this.#emitEvent({ type: 'open_result', commandId, result: 'opened' });
    }
    this.#pendingConfirmations.clear();
  }

  #readDoor(): DoorState {
    try {
      const door = this.#hal.readDoor();
      if (this.#doorReadFailing) this.#logger.info('door sensor readable again');
      this.#doorReadFailing = false;
      return door;
    } catch (error) {
      // Logged once per failure streak, not once per 500 ms sample.
      if (!this.#doorReadFailing) this.#logger.error({ err: error }, 'door sensor read failed; reporting unknown');
      this.#doorReadFailing = true;
      return 'unknown';
    }
  }

  #releaseRelay(): void {
    try {
      this.#hal.setRelay(false);
      this.#relayEnergised = false;
    } catch (error) {
      const failure = new AgentError('relay_release_failed', 'the relay driver refused to release the strike', {
        cause: error,
      });
      this.#logger.fatal({ err: failure }, failure.message);
    }
  }

  #ack(command: Command, outcome: 'accepted' | 'refused', reason?: RefusalReason): void {
    this.#emit({
      channel: 'ack',
      message: { ...this.#envelopes.next(), commandId: command.id, commandType: command.type, outcome, reason },
    });
  }

  #emitEvent(body: EventBody): void {
    this.#emit({ channel: 'event', message: { ...this.#envelopes.next(), ...body } as DeviceEvent });
  }

  /** A publishing failure is logged and never propagates: it must not keep the relay energised. */
  #emit(outbound: OutboundMessage): void {
    try {
      this.#publish(outbound);
    } catch (error) {
      this.#logger.error({ err: error, channel: outbound.channel }, 'could not publish a device message');
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const finish = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      resolve();
    };
    const timer = setTimeout(finish, ms);
    signal.addEventListener('abort', finish, { once: true });
  });
}
