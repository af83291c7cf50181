import {
  type Command,
  type DeviceEvent,
  type DoorState,
  hashBadge,
  type LockState,
  type RefusalReason,
} from '@smartlocker/protocol';
import type { Logger } from 'pino';
import type { AdminBadges } from './AdminBadges';
import { AgentError } from './AgentError';
import type { CommandResult } from './CommandLedger';
import type { AgentRules, AgentTimings } from './config';
import { type DeviceCounters, PersistentCounters } from './DeviceCounters';
import type { DeviceEnvelope, DeviceEnvelopeFactory, OutboundMessage } from './DeviceEnvelope';
import type { Hal } from './hal/Hal';
import { DoorLeftOpenWatch } from './rules/DoorLeftOpenWatch';
import { LockdownGuard } from './rules/LockdownGuard';
import { OpenRateLimiter } from './rules/OpenRateLimiter';
import { realScheduler, type ScheduledTimer, type Scheduler } from './Scheduler';
import { DoorMonitor } from './sensors/DoorMonitor';
import { PresenceMonitor } from './sensors/PresenceMonitor';

export type ControllerTimings = AgentTimings;
export type ControllerRules = AgentRules;

export interface ControllerOptions {
  hal: Hal;
  lockerId: string;
  envelopes: DeviceEnvelopeFactory;
  timings: ControllerTimings;
  rules: ControllerRules;
  /** Hands a message to the transport; the controller knows nothing of MQTT. */
  publish: (outbound: OutboundMessage) => void;
  logger: Logger;
  /** Where counters and lockdown survive a restart; null keeps them in memory (tests). */
  stateDir: string | null;
  /** The administrator badges in force; null when the locker knows none. */
  badges: AdminBadges | null;
  /** The rules' clock and timers (the HAL's clock by default is the same wall clock); tests move a manual one. */
  scheduler?: Scheduler;
}

/** What the controller knows right now, for the heartbeat, the workbench and tests. */
export interface ControllerSnapshot {
  door: DoorState;
  lock: LockState;
  lockdown: { active: boolean; until: number | null };
  /** Intrusion alerts counted towards the next lockdown. */
  intrusions: number;
  objectPresent: boolean | null;
  distanceCm: number | null;
  pulseInProgress: boolean;
  counters: DeviceCounters;
}

/** An event without its envelope; distributive so each event type keeps its own fields. */
type EventBody = DeviceEvent extends infer E ? (E extends DeviceEvent ? Omit<E, keyof DeviceEnvelope> : never) : never;

interface OpenRequest {
  /** The command that asked, or null for an administrator badge. */
  commandId: string | null;
  /** Badge opens are legitimate by definition: they bypass lockdown and anti-spam (SPEC §2). */
  viaBadge: boolean;
}

/** How long to wait before trying again to release a relay whose driver refused to. */
const RELEASE_RETRY_MS = 250;

/**
 * The locker's own rules (SPEC §2), which hold with or without a network: opening (lockdown,
 * anti-spam, one pulse at a time, always released), door confirmation, intrusion and lockdown,
 * door left open, presence and admin badges. Facts come from the HAL; the state published is
 * derived from them and published when it changes or when asked, never once per sample
 * (SPEC §11.4). Commands reach it already verified (CommandProcessor).
 */
export class Controller {
  readonly #hal: Hal;
  readonly #lockerId: string;
  readonly #envelopes: DeviceEnvelopeFactory;
  readonly #timings: ControllerTimings;
  readonly #publish: (outbound: OutboundMessage) => void;
  readonly #logger: Logger;
  readonly #badges: AdminBadges | null;
  readonly #counters: PersistentCounters;
  readonly #lockdown: LockdownGuard;
  readonly #rateLimiter: OpenRateLimiter;
  readonly #doorLeftOpen: DoorLeftOpenWatch;
  readonly #door: DoorMonitor;
  readonly #presence: PresenceMonitor;
  readonly #scheduler: Scheduler;
  /** Opens waiting for the door sensor to confirm them. */
  readonly #pendingConfirmations = new Map<number, { commandId: string | null; timer: ScheduledTimer }>();
  #confirmationIds = 0;
  #running = false;
  #lastKnownDoor: 'open' | 'closed' | null = null;
  /** Unknown until the first release succeeds, so assumed energised (fail-secure reporting). */
  #relayEnergised = true;
  #releaseRetry: ScheduledTimer | null = null;
  /** The relay driver's failure streak in progress, reported once when it starts and once when it ends. */
  #relayFault: { energise: boolean; release: boolean } = { energise: false, release: false };
  #pulseTimer: ScheduledTimer | null = null;
  #lastLegitimateOpenAt: number | null = null;
  #presenceTimer: ScheduledTimer | null = null;
  #stopBadges: (() => void) | null = null;

  constructor(options: ControllerOptions) {
    this.#hal = options.hal;
    this.#lockerId = options.lockerId;
    this.#envelopes = options.envelopes;
    this.#timings = options.timings;
    this.#publish = options.publish;
    this.#logger = options.logger;
    this.#badges = options.badges;
    this.#scheduler = options.scheduler ?? realScheduler;
    const scheduler = this.#scheduler;
    const { timings, rules, stateDir, logger } = options;
    const now = () => this.#hal.now();
    this.#counters = stateDir ? PersistentCounters.open(stateDir, logger) : PersistentCounters.inMemory();
    const lockdownOptions = {
      threshold: rules.lockdownAfterIntrusions,
      durationMs: timings.lockdownMs,
      now,
      scheduler,
      onExpired: () => this.#lockdownEnded('timer'),
    };
    this.#lockdown = stateDir
      ? LockdownGuard.open(stateDir, { ...lockdownOptions, logger })
      : LockdownGuard.inMemory(lockdownOptions);
    this.#rateLimiter = new OpenRateLimiter(rules.antiSpamMaxOpens, timings.antiSpamWindowMs);
    this.#doorLeftOpen = new DoorLeftOpenWatch({
      firstMs: timings.doorLeftOpenFirstMs,
      everyMs: timings.doorLeftOpenEveryMs,
      maxReminders: rules.doorLeftOpenMaxReminders,
      now,
      scheduler,
      onAlert: (alert) => {
        this.#counters.increment('alerts');
        this.#emitEvent({ type: 'door_left_open', ...alert });
      },
    });
    this.#door = new DoorMonitor({
      hal: this.#hal,
      sampleMs: timings.doorSampleMs,
      debounceMs: timings.doorDebounceMs,
      logger,
      scheduler,
      onChange: (door) => this.#onDoorChange(door),
    });
    this.#presence = new PresenceMonitor({
      hal: this.#hal,
      rules,
      timings,
      logger,
      scheduler,
      onReading: (_reading, changed) => {
        if (!changed) return;
        this.publishState();
        this.#publishPresence();
      },
    });
    // Fail-secure (SPEC §2: the relay is initially off), whatever a previous run, or a crash, left it in.
    this.#releaseRelay();
  }

  get door(): DoorState {
    return this.#door.door;
  }

  get lock(): LockState {
    return this.#relayEnergised ? 'unlocked' : 'locked';
  }

  get pulseInProgress(): boolean {
    return this.#pulseTimer !== null;
  }

  get counters(): DeviceCounters {
    return this.#counters.values;
  }

  snapshot(): ControllerSnapshot {
    const presence = this.#presence.latest;
    return {
      door: this.door,
      lock: this.lock,
      lockdown: { active: this.#lockdown.active, until: this.#lockdown.until },
      intrusions: this.#lockdown.intrusions,
      objectPresent: presence.objectPresent,
      distanceCm: presence.distanceCm,
      pulseInProgress: this.pulseInProgress,
      counters: this.counters,
    };
  }

  start(): void {
    if (this.#running) return;
    this.#releaseRelay();
    this.#running = true;
    const door = this.#door.start();
    this.#lastKnownDoor = door === 'unknown' ? null : door;
    // A door found open at start-up is watched like any other (SPEC §2: door left open).
    if (door === 'open') this.#doorLeftOpen.doorOpened(this.#hal.now());
    this.#presence.setEnabled(door === 'closed');
    this.#presence.start();
    // SPEC §2: presence every 10 s while the door is closed (and at once on a change, above).
    this.#presenceTimer = this.#scheduler.setInterval(() => {
      if (this.door === 'closed') this.#publishPresence();
    }, this.#timings.presencePublishMs);
    this.#stopBadges = this.#hal.onBadge((uid) => this.#onBadge(uid));
    this.publishState();
    // A lockdown from before a restart goes on, or ends at once if its time ran out meanwhile.
    this.#lockdown.resume();
    void this.#presence.measure();
  }

  /** Stops every rule and releases the relay at once. */
  async stop(): Promise<void> {
    const wasPulsing = this.pulseInProgress || this.#relayEnergised;
    this.#running = false;
    this.#stopBadges?.();
    this.#stopBadges = null;
    this.#door.stop();
    this.#presence.stop();
    this.#scheduler.clear(this.#presenceTimer);
    this.#presenceTimer = null;
    this.#doorLeftOpen.stop();
    this.#lockdown.stop();
    for (const { timer } of this.#pendingConfirmations.values()) this.#scheduler.clear(timer);
    this.#pendingConfirmations.clear();
    this.#scheduler.clear(this.#pulseTimer);
    this.#pulseTimer = null;
    this.#releaseRelay();
    if (wasPulsing) this.publishState();
  }

  /**
   * Carries out a command whose signature, addressee, freshness and uniqueness were checked.
   * `acknowledge` is called once, as soon as the outcome is decided and before any of its
   * consequences is published, so the ack comes before the state and events it explains.
   */
  execute(command: Command, acknowledge: (result: CommandResult) => void = () => {}): CommandResult {
    switch (command.type) {
      case 'open':
        return this.#open({ commandId: command.id, viaBadge: false }, acknowledge);
      case 'reset_lockdown': {
        const result: CommandResult = { outcome: 'accepted' };
        acknowledge(result);
        // SPEC §2, §11.2: the reset takes effect here and now, and the fresh state says so at once.
        if (!this.#endLockdown('server')) this.publishState();
        return result;
      }
      case 'report_state': {
        const result: CommandResult = { outcome: 'accepted' };
        acknowledge(result);
        this.publishState();
        return result;
      }
    }
  }

  publishState(): void {
    const presence = this.#presence.latest;
    this.#emit({
      channel: 'state',
      message: {
        ...this.#envelopes.next(),
        door: this.door,
        lock: this.lock,
        lockdown: { active: this.#lockdown.active, until: this.#lockdown.until },
        objectPresent: presence.objectPresent,
        distanceCm: presence.distanceCm,
      },
    });
  }

  #open(request: OpenRequest, acknowledge: (result: CommandResult) => void = () => {}): CommandResult {
    const now = this.#hal.now();
    const refusal = this.#openRefusal(request, now);
    if (refusal) return this.#refuseOpen(request, refusal, acknowledge);
    try {
      // Counted as unlocked from before the call: a driver that throws may have switched it anyway.
      this.#relayEnergised = true;
      this.#hal.setRelay(true);
      this.#relayRecovered('energise');
    } catch (error) {
      this.#logger.error({ err: error, commandId: request.commandId }, 'relay fault on open; releasing the relay');
      this.#relayFailed('energise');
      this.#releaseRelay();
      const refused = this.#refuseOpen(request, 'hardware_error', acknowledge);
      this.publishState();
      return refused;
    }
    this.#counters.increment('opens', 'relayCycles');
    if (!request.viaBadge) this.#rateLimiter.record(now);
    this.#lastLegitimateOpenAt = now;
    // SPEC §2: energised for 4 s, then released by this timer, by stop(), or by the process guards.
    this.#pulseTimer = this.#scheduler.setTimeout(() => this.#endPulse(), this.#timings.relayPulseMs);
    const accepted: CommandResult = { outcome: 'accepted' };
    acknowledge(accepted);
    this.publishState();
    this.#awaitDoorConfirmation(request.commandId);
    return accepted;
  }

  /** SPEC §2 and §8, in the order of docs/protocol.md §5.4 steps 8 to 10. */
  #openRefusal(request: OpenRequest, now: number): RefusalReason | null {
    // A stopping controller never energises (fail-secure while shutting down).
    if (!this.#running) return 'busy';
    if (!request.viaBadge && this.#lockdown.active) return 'lockdown';
    if (!request.viaBadge && !this.#rateLimiter.allows(now)) return 'rate_limited';
    // One pulse at a time: a second open would only stretch the first one past 4 s.
    if (this.pulseInProgress) return 'busy';
    return null;
  }

  /** SPEC §2: "each refusal is reported" — as an event, besides the command's ack. */
  #refuseOpen(
    request: OpenRequest,
    reason: RefusalReason,
    acknowledge: (result: CommandResult) => void,
  ): CommandResult {
    const result: CommandResult = { outcome: 'refused', reason };
    acknowledge(result);
    this.#logger.warn({ commandId: request.commandId, viaBadge: request.viaBadge, reason }, 'open refused');
    this.#emitEvent({ type: 'open_refused', commandId: request.commandId, reason });
    return result;
  }

  #endPulse(): void {
    this.#pulseTimer = null;
    this.#releaseRelay();
    this.publishState();
  }

  /** SPEC §2: after the pulse the door sensor confirms the opening (opened / open_not_confirmed). */
  #awaitDoorConfirmation(commandId: string | null): void {
    if (this.door === 'open') {
      this.#emitEvent({ type: 'open_result', commandId, result: 'opened' });
      return;
    }
    const key = ++this.#confirmationIds;
    const timer = this.#scheduler.setTimeout(() => {
      this.#pendingConfirmations.delete(key);
      this.#emitEvent({ type: 'open_result', commandId, result: 'open_not_confirmed' });
    }, this.#timings.openConfirmWindowMs);
    this.#pendingConfirmations.set(key, { commandId, timer });
  }

  #onDoorChange(door: DoorState): void {
    if (!this.#running) return;
    this.publishState();
    // Events follow the last *known* position, so a sensor glitch (open → unknown → open) is not a new opening.
    if (door === 'unknown') return;
    const previous = this.#lastKnownDoor;
    this.#lastKnownDoor = door;
    if (door === 'closed') {
      this.#doorLeftOpen.doorClosed();
      this.#presence.setEnabled(true);
      if (previous === 'open') this.#emitEvent({ type: 'door_closed' });
      // Whatever was put in or taken out shows at once, not at the next periodic reading.
      void this.#presence.measure();
      return;
    }
    // Readings through an open door measure the person, not the locker's content.
    this.#presence.setEnabled(false);
    this.#doorLeftOpen.doorOpened(this.#hal.now());
    if (previous !== 'closed') return;
    const legitimate = this.#withinLegitimateOpen();
    this.#emitEvent({ type: 'door_opened', legitimate });
    for (const { commandId, timer } of this.#pendingConfirmations.values()) {
      this.#scheduler.clear(timer);
      this.#emitEvent({ type: 'open_result', commandId, result: 'opened' });
    }
    this.#pendingConfirmations.clear();
    if (!legitimate) this.#raiseIntrusion();
  }

  /** SPEC §2: a pulse in progress, an open awaiting confirmation, or within 15 s of a legitimate open. */
  #withinLegitimateOpen(): boolean {
    if (this.pulseInProgress || this.#pendingConfirmations.size > 0) return true;
    const last = this.#lastLegitimateOpenAt;
    return last !== null && this.#hal.now() - last <= this.#timings.intrusionGraceMs;
  }

  /** SPEC §2: intrusion alert; the 3rd starts a 5 min lockdown. */
  #raiseIntrusion(): void {
    const { count, lockdownUntil } = this.#lockdown.recordIntrusion();
    this.#counters.increment('alerts');
    this.#logger.warn({ count }, 'intrusion: the door opened with no legitimate open');
    this.#emitEvent({ type: 'intrusion', count });
    if (lockdownUntil !== null) {
      this.#logger.warn({ until: new Date(lockdownUntil).toISOString() }, 'lockdown started');
      this.#emitEvent({ type: 'lockdown_started', until: lockdownUntil });
      this.publishState();
    }
  }

  /** Ends a lockdown (and forgets the intrusions counted so far); true if one was in force. */
  #endLockdown(by: 'badge' | 'server'): boolean {
    const ended = this.#lockdown.end();
    if (ended) this.#lockdownEnded(by);
    return ended;
  }

  #lockdownEnded(by: 'timer' | 'badge' | 'server'): void {
    this.#logger.info({ by }, 'lockdown ended');
    this.#emitEvent({ type: 'lockdown_ended', by });
    this.publishState();
  }

  /** SPEC §2: an administrator badge opens and resets a lockdown without any network. */
  #onBadge(uid: string): void {
    if (!this.#running) return;
    const { known, badgeHash } = this.#badges?.check(uid) ?? {
      known: false,
      badgeHash: hashBadge(this.#lockerId, uid),
    };
    this.#logger.info({ known, badgeHash }, 'badge presented');
    this.#emitEvent({ type: 'badge', known, badgeHash });
    if (!known) return;
    this.#endLockdown('badge');
    this.#open({ commandId: null, viaBadge: true });
  }

  #publishPresence(): void {
    const { distanceCm, objectPresent } = this.#presence.latest;
    this.#emit({ channel: 'presence', message: { ...this.#envelopes.next(), distanceCm, objectPresent } });
  }

  /** SPEC §2: "then always de-energises (also on error)": a driver that refuses is asked again until it obeys. */
  #releaseRelay(): void {
    this.#scheduler.clear(this.#releaseRetry);
    this.#releaseRetry = null;
    try {
      this.#hal.setRelay(false);
      this.#relayEnergised = false;
      this.#relayRecovered('release');
    } catch (error) {
      const failure = new AgentError('relay_release_failed', 'the relay driver refused to release the strike', {
        cause: error,
      });
      this.#logger.fatal({ err: failure }, `${failure.message}; retrying in ${RELEASE_RETRY_MS} ms`);
      this.#relayFailed('release');
      this.#releaseRetry = this.#scheduler.setTimeout(() => {
        this.#releaseRelay();
        if (!this.#relayEnergised) this.publishState();
      }, RELEASE_RETRY_MS);
    }
  }

  /** Relay faults are alerts (issue 10): one event when a streak starts, none per retry. */
  #relayFailed(phase: 'energise' | 'release'): void {
    if (this.#relayFault[phase]) return;
    this.#relayFault[phase] = true;
    this.#counters.increment('alerts');
    this.#emitEvent({ type: 'relay_fault', phase, recovered: false });
  }

  #relayRecovered(phase: 'energise' | 'release'): void {
    if (!this.#relayFault[phase]) return;
    this.#relayFault[phase] = false;
    this.#emitEvent({ type: 'relay_fault', phase, recovered: true });
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
