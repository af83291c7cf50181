import { type KeyObject, randomUUID } from 'node:crypto';
import {
  CHANNEL_DIRECTION,
  type Channel,
  type ChannelPayload,
  type CommandOrigin,
  type CommandType,
  DEFAULT_CLOCK_SKEW_MS,
  decodeMessage,
  encodeMessage,
  MAX_COMMAND_TTL_MS,
  parseTopic,
  type RefusalReason,
  SERVER_SUBSCRIPTIONS,
  signCommand,
  signDeviceConfig,
  stageTrace,
  topicFor,
} from '@smartlocker/protocol';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import type { z } from 'zod';
import { databaseUnavailable } from '../db/pgErrors';
import type { EventBus } from '../eventBus';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { AuditRepository } from '../repositories/AuditRepository';
import type { LockerFactsUpdate, LockerRepository } from '../repositories/LockerRepository';
import type { SecurityAlerts } from '../security/SecurityAlerts';
import { toLockerView } from '../services/lockerView';
import { StateResync } from './StateResync';
import type { SiteBridgeListener } from './siteBridges';
import { TelemetryMemory } from './TelemetryMemory';

/**
 * A device accepts a command until expiresAt + its clock skew; issuing with 8 s keeps the
 * oldest command any locker carries out at 10 s (SPEC §2: a command older than 10 s is ignored).
 */
export const COMMAND_TTL_MS = MAX_COMMAND_TTL_MS - DEFAULT_CLOCK_SKEW_MS;
/** How long after its expiry a command's sender is still remembered, for its late acknowledgement. */
const PENDING_GRACE_MS = 60_000;

export interface GatewayOptions {
  url: string;
  username?: string;
  password?: string;
  /** For an external `mqtts://` broker with its own CA (MQTT_TLS_CA_FILE): the only CA trusted. */
  ca?: string;
  signingKey: KeyObject;
  lockers: LockerRepository;
  audit: AuditRepository;
  /** Turns device events into alerts and ends the offline alarm of a locker that is back (issue 10). */
  alerts: {
    onDeviceEvent(event: ChannelPayload['event'], at: Date): Promise<void>;
    onLockerOnline(lockerId: string, at: Date): Promise<void>;
  };
  bus: EventBus;
  logger: Logger;
  metrics: Metrics;
  /** A locker silent for this long is marked offline even without a last will (half-open TCP). */
  offlineAfterMs: number;
  /** Alerts for what looks like an attack (docs/threat-model.md); none in narrow tests. */
  security?: SecurityAlerts;
  now?: () => number;
  /**
   * True when other server instances are running on the same database (ADR 11): they have kept
   * the lockers' online flags current, so a starting instance must not reset them.
   */
  othersRunning?: () => Promise<boolean>;
  /** Site brokers' bridge notifications (broker/siteBridges.ts, docs/site-bridges.md). */
  siteBridges?: SiteBridgeListener;
}

/** Refusals by a locker that mean someone else published on its `cmd` topic. */
const FORGED_REFUSALS: ReadonlySet<string> = new Set(['bad_signature', 'wrong_locker']);
/** Refusals that point at the locker's clock (docs/protocol.md §5.5). */
const CLOCK_REFUSALS: ReadonlySet<string> = new Set(['expired', 'not_yet_valid']);

export interface SentCommand {
  commandId: string;
  expiresAt: number;
}

/** What the locker answered, or null when no answer came in time. */
export type CommandAnswer = { outcome: 'accepted' | 'refused'; reason?: RefusalReason } | null;

interface PendingCommand {
  userId: string | null;
  type: CommandType;
  expiresAt: number;
  /** When it was handed to the broker (the latency histogram's start). */
  sentAt: number;
  answered: boolean;
}

/**
 * The server's side of protocol v1: one MQTT connection that receives every locker's reports,
 * turns them into stored facts and bus events, and publishes signed commands.
 */
export class LockerGateway {
  readonly #options: GatewayOptions;
  readonly #now: () => number;
  readonly #pending = new Map<string, PendingCommand>();
  /** Callers waiting for a command's acknowledgement (sendCommandAndWait). */
  readonly #waiters = new Map<string, (answer: CommandAnswer) => void>();
  /** Messages of one locker are applied one after the other, in arrival order. */
  readonly #chains = new Map<string, Promise<void>>();
  #client: MqttClient | null = null;
  #sweep: NodeJS.Timeout | null = null;
  /** Set in start(), from the silence threshold. */
  #telemetry = new TelemetryMemory(0);
  readonly #stateResync = new StateResync();
  #forgetOffline: () => void = () => {};

  constructor(options: GatewayOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  get connected(): boolean {
    return this.#client?.connected ?? false;
  }

  async start(): Promise<void> {
    const { url, username, password, ca, logger } = this.#options;
    // The server cannot know which lockers stayed online while it was down: the retained
    // `status` messages it receives on subscribing tell it again. Unless other instances kept
    // watching (ADR 11): resetting the flags then would show the whole fleet offline for a moment.
    const othersRunning = (await this.#options.othersRunning?.()) ?? false;
    if (othersRunning) logger.info('other instances are running: the online flags they keep are left as they are');
    else await this.#options.lockers.markAllOffline(new Date(this.#now()));
    // A report not heard for half the silence threshold takes the full path again (TelemetryMemory).
    // A stored last-seen instant is refreshed once a third of it has passed: with the sweep at most
    // a third apart, a locker that reports is never judged silent.
    this.#telemetry = new TelemetryMemory(this.#options.offlineAfterMs / 2, this.#options.offlineAfterMs / 3);
    // A locker shown offline by any path — the sweep of any instance, a site's bridge going down —
    // is written online again by its next report, not kept in memory as if nothing had happened.
    this.#forgetOffline = this.#options.bus.on('locker.changed', ({ locker }) => {
      if (!locker.online) this.#telemetry.forget(locker.id);
    });
    const client = mqtt.connect(url, {
      clientId: `smartlocker-server-${randomUUID().slice(0, 8)}`,
      username,
      password,
      ...(ca ? { ca, rejectUnauthorized: true } : {}),
      clean: true,
      reconnectPeriod: 1_000,
      connectTimeout: 5_000,
    });
    this.#client = client;
    client.on('message', (topic, payload, packet) => this.#enqueue(topic, payload, packet));
    client.on('error', (error) => logger.warn({ err: error.message }, 'mqtt error'));
    client.on('offline', () => logger.warn('mqtt offline, reconnecting'));
    client.on('connect', () => {
      // Each (re)connection has a new socket: Nagle's algorithm off on it, so a command is not held
      // back waiting for the broker's delayed ACK of the previous packet.
      (client.stream as { setNoDelay?: (noDelay: boolean) => void }).setNoDelay?.(true);
      logger.info({ url: redactUrl(url) }, 'mqtt connected');
      const bridges = this.#options.siteBridges ? [this.#options.siteBridges.filter] : [];
      client.subscribe([...SERVER_SUBSCRIPTIONS, ...bridges], { qos: 1 }, (error) => {
        if (error) logger.error({ err: error.message }, 'mqtt subscribe failed');
      });
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`broker ${redactUrl(url)} did not answer within 10 s`)), 10_000);
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.#sweep = setInterval(() => void this.#markSilentLockers(), Math.min(15_000, this.#options.offlineAfterMs / 3));
    this.#sweep.unref();
  }

  async stop(): Promise<void> {
    this.#forgetOffline();
    if (this.#sweep) clearInterval(this.#sweep);
    this.#sweep = null;
    const client = this.#client;
    this.#client = null;
    if (client) await client.endAsync();
    await Promise.allSettled([...this.#chains.values()]);
    await this.flushTelemetry().catch((error: unknown) =>
      this.#options.logger.warn({ err: error }, 'last telemetry not written at stop'),
    );
  }

  /** Writes the telemetry kept in memory (last seen, distance) in one statement; kept for the next try if it fails. */
  async flushTelemetry(): Promise<void> {
    const entries = this.#telemetry.takeUnflushed();
    try {
      await this.#options.lockers.recordSeen(entries);
      this.#telemetry.written(entries);
    } catch (error) {
      this.#telemetry.restore(entries);
      throw error;
    }
  }

  /** Signs and publishes a command; the acknowledgement arrives later on the bus. */
  async sendCommand(
    lockerId: string,
    type: CommandType,
    origin: z.infer<typeof CommandOrigin>,
    userId: string | null,
  ): Promise<SentCommand> {
    return this.#publishCommand(lockerId, type, origin, userId, randomUUID());
  }

  /**
   * Sends a command and waits for the locker's answer, at most until the command has expired on
   * the locker (it can no longer be carried out after that): null when none came.
   */
  async sendCommandAndWait(
    lockerId: string,
    type: CommandType,
    origin: z.infer<typeof CommandOrigin>,
    userId: string | null,
  ): Promise<SentCommand & { answer: CommandAnswer }> {
    const commandId = randomUUID();
    // Registered before publishing: the answer may come back before publishAsync resolves.
    let settle: (answer: CommandAnswer) => void = () => {};
    const answered = new Promise<CommandAnswer>((resolve) => {
      settle = resolve;
    });
    const timer = setTimeout(() => settle(null), MAX_COMMAND_TTL_MS);
    this.#waiters.set(commandId, (answer) => settle(answer));
    try {
      const sent = await this.#publishCommand(lockerId, type, origin, userId, commandId);
      return { ...sent, answer: await answered };
    } finally {
      clearTimeout(timer);
      this.#waiters.delete(commandId);
    }
  }

  async #publishCommand(
    lockerId: string,
    type: CommandType,
    origin: z.infer<typeof CommandOrigin>,
    userId: string | null,
    commandId: string,
  ): Promise<SentCommand> {
    const client = this.#client;
    if (!client?.connected) throw new BrokerUnavailableError();
    stageTrace.mark(lockerId, 'checked');
    const now = this.#now();
    const command = signCommand(
      {
        v: 1,
        id: commandId,
        lockerId,
        ts: now,
        type,
        issuedAt: now,
        expiresAt: now + COMMAND_TTL_MS,
        origin,
      },
      this.#options.signingKey,
    );
    stageTrace.mark(lockerId, 'signed');
    this.#prunePending(now);
    this.#pending.set(command.id, {
      userId,
      type,
      expiresAt: command.expiresAt + PENDING_GRACE_MS,
      sentAt: performance.now(),
      answered: false,
    });
    // QoS 1, never retained: a command must not wait in the broker for a locker to come back.
    await publishWithin(client, topicFor(lockerId, 'cmd'), encodeMessage('cmd', command), command.id);
    stageTrace.mark(lockerId, 'published');
    this.#options.metrics.commandsSent.inc({ type });
    this.#options.metrics.mqttPublished.inc({ channel: 'cmd' });
    return { commandId: command.id, expiresAt: command.expiresAt };
  }

  /**
   * Publishes a locker's signed settings, retained, so it receives them now or at its next
   * connect and keeps them on disk for when the network is down (SPEC §2: badges work offline).
   */
  async publishConfig(lockerId: string, adminBadgeHashes: string[]): Promise<void> {
    const client = this.#client;
    if (!client?.connected) throw new BrokerUnavailableError();
    const now = this.#now();
    const config = signDeviceConfig(
      { v: 1, id: randomUUID(), lockerId, ts: now, issuedAt: now, adminBadges: adminBadgeHashes },
      this.#options.signingKey,
    );
    await client.publishAsync(topicFor(lockerId, 'config'), encodeMessage('config', config), { qos: 1, retain: true });
    this.#options.metrics.mqttPublished.inc({ channel: 'config' });
  }

  #prunePending(now: number): void {
    for (const [id, pending] of this.#pending) {
      if (pending.expiresAt >= now) continue;
      if (!pending.answered) this.#options.metrics.commands.inc({ type: pending.type, outcome: 'unanswered' });
      this.#pending.delete(id);
    }
  }

  /**
   * The sender's side of an acknowledgement: the latency from publication and the outcome are
   * measured where the command was sent, once, whichever instance records the acknowledgement.
   */
  #answered(pending: PendingCommand | undefined, outcome: 'accepted' | 'refused'): void {
    if (!pending || pending.answered) return;
    pending.answered = true;
    this.#options.metrics.commands.inc({ type: pending.type, outcome });
    this.#options.metrics.commandLatency.observe({ type: pending.type }, (performance.now() - pending.sentAt) / 1000);
  }

  /**
   * docs/protocol.md §7 step 7: the heartbeat names the last state the locker sent; when the
   * database applied an older one, a report was lost on the way and the locker is asked again
   * (not awaited: the locker's next messages need not wait for the broker's PUBACK).
   */
  async #resyncState(lockerId: string, sentSeq: number, at: Date): Promise<void> {
    if (this.#stateResync.upToDate(lockerId, sentSeq)) return;
    const stored = await this.#options.lockers.appliedStateSeq(lockerId);
    if (stored === null) return;
    this.#stateResync.stored(lockerId, stored);
    if (stored >= sentSeq || !this.#stateResync.mayAsk(lockerId, at.getTime())) return;
    this.#options.metrics.stateResyncs.inc();
    this.#options.logger.info({ lockerId, sentSeq, stored }, 'a state report was lost on the way; asking for it again');
    this.sendCommand(lockerId, 'report_state', { kind: 'system', ref: 'state_resync' }, null).catch(
      (error: unknown) => {
        this.#options.logger.warn({ err: error, lockerId }, 'could not ask a locker for its state again');
      },
    );
  }

  #enqueue(topic: string, payload: Buffer, packet: IPublishPacket): void {
    if (this.#options.siteBridges?.take(topic, payload)) return;
    const parsed = parseTopic(topic);
    if (!parsed) {
      // Matched a subscription filter but is no protocol topic (a malformed locker id): dropped.
      this.#options.metrics.mqttMessages.inc({ channel: 'none', outcome: 'invalid_topic' });
      this.#options.logger.warn({ topic: topic.slice(0, 200) }, 'message on a topic outside the protocol');
      return;
    }
    // Our own publications (commands, configs) come back only if subscribed; never apply them.
    if (CHANNEL_DIRECTION[parsed.channel] === 'server→device') return;
    const previous = this.#chains.get(parsed.lockerId) ?? Promise.resolve();
    const next = previous
      .then(() => this.#handleUntilStored(parsed.lockerId, parsed.channel, payload, packet.retain))
      .catch((error: unknown) => {
        this.#options.logger.error({ err: error, lockerId: parsed.lockerId }, 'failed to apply a device message');
      });
    this.#chains.set(parsed.lockerId, next);
    void next.then(() => {
      if (this.#chains.get(parsed.lockerId) === next) this.#chains.delete(parsed.lockerId);
    });
  }

  /**
   * The broker has already been told the message arrived (PUBACK), so a database that is
   * restarting must not lose it: the message is applied again, 250 ms then up to 5 s apart, until
   * it is stored or the gateway stops (issue 14). The locker's later messages wait behind it, so
   * the order holds; the de-duplication by sequence makes a retry of a half-applied one harmless.
   */
  async #handleUntilStored(lockerId: string, channel: Channel, payload: Buffer, retained: boolean): Promise<void> {
    for (let delay = 250; ; delay = Math.min(delay * 2, 5_000)) {
      try {
        await this.#handle(lockerId, channel, payload, retained);
        return;
      } catch (error) {
        if (!databaseUnavailable(error) || !this.#client) throw error;
        this.#options.metrics.mqttMessages.inc({ channel, outcome: 'retried' });
        this.#options.logger.warn({ lockerId, channel, retryInMs: delay }, 'database unavailable; device message kept');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  async #handle(lockerId: string, channel: Channel, payload: Buffer, retained: boolean): Promise<void> {
    const { metrics, logger } = this.#options;
    if (payload.length === 0) return; // a cleared retained topic
    const decoded = decodeMessage(channel, payload);
    if (!decoded.ok) {
      metrics.mqttMessages.inc({ channel, outcome: decoded.code });
      logger.warn({ lockerId, channel, code: decoded.code, detail: decoded.detail }, 'rejected device message');
      return;
    }
    const message = decoded.message as ChannelPayload[Channel];
    if (message.lockerId !== lockerId) {
      metrics.mqttMessages.inc({ channel, outcome: 'topic_mismatch' });
      logger.warn({ lockerId, channel, claimed: message.lockerId }, 'message locker id differs from its topic');
      await this.#options.security?.raise(lockerId, 'impersonation', { channel, claimed: message.lockerId });
      return;
    }
    const at = new Date(this.#now());
    const outcome = await this.#apply(lockerId, channel, decoded.message, retained, at);
    metrics.mqttMessages.inc({ channel, outcome });
    if (outcome === 'unknown_locker') logger.warn({ lockerId, channel }, 'message from an unknown locker');
  }

  async #apply(
    lockerId: string,
    channel: Channel,
    message: ChannelPayload[Channel],
    retained: boolean,
    at: Date,
  ): Promise<'applied' | 'duplicate' | 'unknown_locker'> {
    const { lockers, audit, bus } = this.#options;
    switch (channel) {
      case 'cmd':
      case 'config':
        return 'applied';
      case 'status': {
        const status = message as ChannelPayload['status'];
        // Status is exempt from de-duplication (the last will carries the connect-time seq).
        // A device that lost its storage counts from 1 again: a fresh (not retained) connect
        // announcement below the watermark moves the watermark back to where the device is.
        if (status.online && status.reason === 'connected' && !retained) {
          await lockers.lowerSequencesTo(lockerId, status.seq);
          this.#stateResync.forget(lockerId);
        }
        const changed = await lockers.setOnline(lockerId, status.online, at);
        this.#telemetry.forget(lockerId);
        if (!changed) return 'unknown_locker';
        if (status.firmware) await lockers.applyFacts(lockerId, { firmware: status.firmware }, at);
        if (changed.cameOnline) await this.#options.alerts.onLockerOnline(lockerId, at);
        // Every instance receives the status; the one whose statement moved the flag records the
        // change, once (a repeated status, or the will after a shutdown notice, changes nothing).
        if (changed.changed) {
          await audit.record({
            actorKind: 'device',
            actorId: lockerId,
            action: status.online ? 'locker.online' : 'locker.offline',
            lockerId,
            data: { reason: status.reason },
          });
        }
        await this.#announce(lockerId, 'here');
        return 'applied';
      }
      case 'heartbeat': {
        const heartbeat = message as ChannelPayload['heartbeat'];
        // The device counts its opens and relay cycles itself and reports the totals here (SPEC §2;
        // PersistentCounters keeps them across restarts): the server takes its word rather than
        // counting acks, which would miss badge opens made offline. A heartbeat that repeats what
        // the database holds is kept in memory (TelemetryMemory); one that changes a fact is
        // written with them in one UPDATE.
        const facts = {
          firmware: heartbeat.firmware,
          opensCount: Math.min(heartbeat.counters.opens, MAX_STORED_COUNTER),
          relayCycles: Math.min(heartbeat.counters.relayCycles, MAX_STORED_COUNTER),
        };
        const offsetMs = heartbeat.ts - at.getTime();
        if (heartbeat.stateSeq !== undefined) await this.#resyncState(lockerId, heartbeat.stateSeq, at);
        if (this.#telemetry.keepHeartbeat(lockerId, facts, at)) {
          if (Math.abs(offsetMs) > DEFAULT_CLOCK_SKEW_MS) {
            await this.#options.security?.raise(lockerId, 'clock_skew', { offsetMs, seenIn: 'heartbeat' });
          }
          return 'applied';
        }
        const applied = await lockers.applyFacts(lockerId, { ...facts, online: true }, at);
        if (!applied) return 'unknown_locker';
        this.#telemetry.wroteHeartbeat(lockerId, facts, at);
        if (applied.cameOnline) await this.#options.alerts.onLockerOnline(lockerId, at);
        // A heartbeat is sent live, never queued: its time is the locker's clock now.
        if (Math.abs(offsetMs) > DEFAULT_CLOCK_SKEW_MS) {
          await this.#options.security?.raise(lockerId, 'clock_skew', { offsetMs, seenIn: 'heartbeat' });
        }
        // Every instance receives and applies the heartbeat: each tells its own browsers.
        await this.#announce(lockerId, 'here');
        return 'applied';
      }
      case 'state': {
        stageTrace.mark(lockerId, 'state_received');
        const state = message as ChannelPayload['state'];
        if (!(await lockers.claimSequence(lockerId, 'state', state.seq))) {
          return (await lockers.exists(lockerId)) ? 'duplicate' : 'unknown_locker';
        }
        this.#stateResync.stored(lockerId, state.seq);
        const facts: LockerFactsUpdate = {
          door: state.door,
          lock: state.lock,
          lockdownUntil: state.lockdown.active && state.lockdown.until ? new Date(state.lockdown.until) : null,
          objectPresent: state.objectPresent,
          distanceCm: state.distanceCm,
          online: true,
        };
        const applied = await lockers.applyFacts(lockerId, facts, at);
        this.#telemetry.forget(lockerId);
        if (applied?.cameOnline) await this.#options.alerts.onLockerOnline(lockerId, at);
        await this.#announce(lockerId);
        return 'applied';
      }
      case 'presence': {
        const presence = message as ChannelPayload['presence'];
        // Only the distance moved: kept in memory, written with the next sweep's batch.
        const kept = this.#telemetry.presence(lockerId, presence.seq, presence.objectPresent, presence.distanceCm, at);
        if (kept !== 'write') return kept === 'kept' ? 'applied' : 'duplicate';
        if (!(await lockers.claimSequence(lockerId, 'presence', presence.seq))) {
          return (await lockers.exists(lockerId)) ? 'duplicate' : 'unknown_locker';
        }
        const applied = await lockers.applyFacts(
          lockerId,
          { objectPresent: presence.objectPresent, distanceCm: presence.distanceCm, online: true },
          at,
        );
        this.#telemetry.wrotePresence(lockerId, presence.seq, presence.objectPresent, presence.distanceCm, at);
        if (applied?.cameOnline) await this.#options.alerts.onLockerOnline(lockerId, at);
        await this.#announce(lockerId);
        return 'applied';
      }
      case 'ack': {
        const ack = message as ChannelPayload['ack'];
        if (!(await lockers.exists(lockerId))) return 'unknown_locker';
        const pending = this.#pending.get(ack.commandId);
        // A caller of this instance may wait for the answer: told once its effects are applied, and
        // also when another instance recorded the ack first (a duplicate here). Only the sender
        // knows whom the command was for: it announces the outcome, whoever recorded it (ADR 11).
        const answer = () => {
          this.#waiters.get(ack.commandId)?.({ outcome: ack.outcome, ...(ack.reason ? { reason: ack.reason } : {}) });
          if (!pending || pending.answered) return;
          this.#answered(pending, ack.outcome);
          bus.emit('command.acknowledged', {
            lockerId,
            commandId: ack.commandId,
            commandType: ack.commandType,
            outcome: ack.outcome,
            ...(ack.reason ? { reason: ack.reason } : {}),
            userId: pending.userId,
          });
        };
        const recorded = await audit.recordDeviceMessage({
          actorKind: 'device',
          actorId: lockerId,
          action: `command.${ack.outcome}`,
          lockerId,
          deviceSeq: ack.seq,
          subjectUserId: pending?.userId ?? null,
          data: {
            commandId: ack.commandId,
            type: ack.commandType,
            reason: ack.reason ?? null,
            duplicate: ack.duplicate ?? false,
          },
        });
        if (!recorded) {
          answer();
          return 'duplicate';
        }
        if (ack.outcome === 'refused' && ack.reason) await this.#refusalAlert(lockerId, ack);
        // The server sends each command once: a command the locker saw again was replayed.
        else if (ack.duplicate) {
          await this.#options.security?.raise(lockerId, 'replayed_command', { commandId: ack.commandId });
        }
        // SPEC §11.2 (seed bug 2): the reset holds on the server from its acknowledgement on, so an
        // open sent right after is not refused by a lockdown the server still remembers.
        if (ack.commandType === 'reset_lockdown' && ack.outcome === 'accepted') {
          await lockers.applyFacts(lockerId, { lockdownUntil: null }, at);
          await this.#announce(lockerId);
        }
        this.#options.metrics.commandAcks.inc({
          type: ack.commandType,
          outcome: ack.outcome,
          reason: ack.reason ?? '',
        });
        // A command no instance here sent (sent before a restart, or by another instance that
        // announces it itself): announced without a person, for listeners of the locker.
        if (!pending) {
          bus.emit('command.acknowledged', {
            lockerId,
            commandId: ack.commandId,
            commandType: ack.commandType,
            outcome: ack.outcome,
            ...(ack.reason ? { reason: ack.reason } : {}),
            userId: null,
          });
        }
        answer();
        return 'applied';
      }
      case 'event': {
        const event = message as ChannelPayload['event'];
        if (!(await lockers.exists(lockerId))) return 'unknown_locker';
        const { v: _v, id, lockerId: _l, ts, seq, type, ...details } = event;
        const recorded = await audit.recordDeviceMessage({
          actorKind: 'device',
          actorId: lockerId,
          action: `device.${type}`,
          lockerId,
          deviceSeq: seq,
          data: { messageId: id, deviceTs: ts, ...details },
        });
        if (!recorded) return 'duplicate';
        await this.#options.alerts.onDeviceEvent(event, at);
        return 'applied';
      }
    }
  }

  async #refusalAlert(lockerId: string, ack: ChannelPayload['ack']): Promise<void> {
    const security = this.#options.security;
    const reason = ack.reason ?? '';
    const data = { commandId: ack.commandId, reason };
    if (FORGED_REFUSALS.has(reason)) await security?.raise(lockerId, 'forged_command', data);
    else if (reason === 'replayed') await security?.raise(lockerId, 'replayed_command', data);
    else if (CLOCK_REFUSALS.has(reason)) {
      // Refused as expired while still valid by the server's clock: the locker's clock is off. An
      // answer that comes after the expiry is a late delivery (a slow link), not a clock.
      const pending = this.#pending.get(ack.commandId);
      const validUntil = pending ? pending.expiresAt - PENDING_GRACE_MS : Number.NEGATIVE_INFINITY;
      if (this.#now() <= validUntil) await security?.raise(lockerId, 'clock_skew', { ...data, seenIn: 'ack' });
    }
  }

  /**
   * Tells the locker's new state. `everywhere` for a change only this instance applied (a report
   * whose sequence it claimed, the offline sweep it won): relayed to the others (ADR 11). `here`
   * for a report every instance applies itself (status, heartbeat): each tells its own browsers.
   */
  async #announce(lockerId: string, scope: 'everywhere' | 'here' = 'everywhere'): Promise<void> {
    const found = await this.#options.lockers.findWithSite(lockerId);
    if (!found) return;
    const payload = { locker: toLockerView(found.locker, found.site, new Date(this.#now())) };
    if (scope === 'here') this.#options.bus.emitLocal('locker.changed', payload);
    else this.#options.bus.emit('locker.changed', payload);
  }

  async #markSilentLockers(): Promise<void> {
    const now = this.#now();
    // Commands nobody answered are counted as such without waiting for the next command.
    this.#prunePending(now);
    try {
      // What the lockers said since the last sweep, first: the silence is judged on it.
      await this.flushTelemetry();
      const silent = await this.#options.lockers.markSilentOffline(
        new Date(now - this.#options.offlineAfterMs),
        new Date(now),
      );
      for (const lockerId of silent) {
        this.#telemetry.forget(lockerId);
        this.#options.logger.warn({ lockerId }, 'locker silent for too long, marked offline');
        await this.#options.audit.record({
          actorKind: 'system',
          action: 'locker.offline_timeout',
          lockerId,
        });
        await this.#announce(lockerId);
      }
    } catch (error) {
      this.#options.logger.error({ err: error }, 'availability sweep failed');
    }
  }
}

export class BrokerUnavailableError extends Error {
  readonly code = 'broker_unavailable';
  constructor(message = 'the message broker is not reachable; try again in a moment') {
    super(message);
  }
}

/**
 * The broker did not confirm a command in time. It will not be sent again, but it may have reached
 * the broker before the connection died: the locker may still carry it out before it expires.
 */
export class CommandInDoubtError extends BrokerUnavailableError {
  constructor(readonly commandId: string) {
    super('the message broker did not confirm the command in time; it will not be sent again');
  }
}

/**
 * The columns are PostgreSQL `integer`; the protocol bounds the counters only below. A larger
 * total (a strike cycled two billion times is not one) is kept at the maximum rather than making
 * the heartbeat's whole UPDATE fail, which would leave the locker looking silent.
 */
const MAX_STORED_COUNTER = 2_147_483_647;

/** The broker's acknowledgement of a command, awaited at most this long (a loopback PUBACK takes well under 1 ms). */
const PUBLISH_ACK_TIMEOUT_MS = 3_000;

/**
 * Publishes a command at QoS 1 and waits for the broker's PUBACK, at most PUBLISH_ACK_TIMEOUT_MS.
 * A connection that dies under the publish leaves mqtt.js holding the packet to send again once
 * it reconnects, and the caller (an HTTP open) must neither hang that long nor be told "failed"
 * about a command that then goes out: at the deadline the packet is withdrawn from mqtt.js's
 * outgoing store. It may still have reached the broker before the connection died, so the error
 * names the command; should the locker decide it, its acknowledgement is recorded as any other
 * (the command stays pending), and once expired the locker refuses it. (A publish mqtt.js had not
 * queued yet, because it was replaying its store after a reconnection, cannot be withdrawn: it
 * goes out late, and the locker refuses it if it has expired by then.)
 */
function publishWithin(client: MqttClient, topic: string, payload: Buffer | string, commandId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const acknowledged = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      for (const [messageId, entry] of Object.entries(client.outgoing)) {
        if (entry.cb === acknowledged) client.removeOutgoingMessage(Number(messageId));
      }
      reject(new CommandInDoubtError(commandId));
    }, PUBLISH_ACK_TIMEOUT_MS);
    client.publish(topic, payload, { qos: 1, retain: false }, acknowledged);
  });
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable url)';
  }
}
