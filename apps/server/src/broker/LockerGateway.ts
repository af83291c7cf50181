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
  SERVER_SUBSCRIPTIONS,
  signCommand,
  signDeviceConfig,
  topicFor,
} from '@smartlocker/protocol';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import type { z } from 'zod';
import type { EventBus } from '../eventBus';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { AlertRepository, AlertSeverity } from '../repositories/AlertRepository';
import type { AuditRepository } from '../repositories/AuditRepository';
import type { LockerFactsUpdate, LockerRepository } from '../repositories/LockerRepository';
import { toLockerView } from '../services/lockerView';

/**
 * A device accepts a command until expiresAt + its clock skew; issuing with 8 s keeps the
 * oldest command any locker carries out at 10 s (SPEC §2: a command older than 10 s is ignored).
 */
export const COMMAND_TTL_MS = MAX_COMMAND_TTL_MS - DEFAULT_CLOCK_SKEW_MS;

export interface GatewayOptions {
  url: string;
  username?: string;
  password?: string;
  signingKey: KeyObject;
  lockers: LockerRepository;
  audit: AuditRepository;
  alerts: AlertRepository;
  bus: EventBus;
  logger: Logger;
  metrics: Metrics;
  /** A locker silent for this long is marked offline even without a last will (half-open TCP). */
  offlineAfterMs: number;
  now?: () => number;
}

export interface SentCommand {
  commandId: string;
  expiresAt: number;
}

interface PendingCommand {
  userId: string | null;
  type: CommandType;
  expiresAt: number;
}

/**
 * The server's side of protocol v1: one MQTT connection that receives every locker's reports,
 * turns them into stored facts and bus events, and publishes signed commands.
 */
export class LockerGateway {
  readonly #options: GatewayOptions;
  readonly #now: () => number;
  readonly #pending = new Map<string, PendingCommand>();
  /** Messages of one locker are applied one after the other, in arrival order. */
  readonly #chains = new Map<string, Promise<void>>();
  #client: MqttClient | null = null;
  #sweep: NodeJS.Timeout | null = null;

  constructor(options: GatewayOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  get connected(): boolean {
    return this.#client?.connected ?? false;
  }

  async start(): Promise<void> {
    const { url, username, password, logger } = this.#options;
    // The server cannot know which lockers stayed online while it was down: the retained
    // `status` messages it receives on subscribing tell it again.
    await this.#options.lockers.markAllOffline(new Date(this.#now()));
    const client = mqtt.connect(url, {
      clientId: `smartlocker-server-${randomUUID().slice(0, 8)}`,
      username,
      password,
      clean: true,
      reconnectPeriod: 1_000,
      connectTimeout: 5_000,
    });
    this.#client = client;
    client.on('message', (topic, payload, packet) => this.#enqueue(topic, payload, packet));
    client.on('error', (error) => logger.warn({ err: error.message }, 'mqtt error'));
    client.on('offline', () => logger.warn('mqtt offline, reconnecting'));
    client.on('connect', () => {
      logger.info({ url: redactUrl(url) }, 'mqtt connected');
      client.subscribe([...SERVER_SUBSCRIPTIONS], { qos: 1 }, (error) => {
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
    if (this.#sweep) clearInterval(this.#sweep);
    this.#sweep = null;
    const client = this.#client;
    this.#client = null;
    if (client) await client.endAsync();
    await Promise.allSettled([...this.#chains.values()]);
  }

  /** Signs and publishes a command; the acknowledgement arrives later on the bus. */
  async sendCommand(
    lockerId: string,
    type: CommandType,
    origin: z.infer<typeof CommandOrigin>,
    userId: string | null,
  ): Promise<SentCommand> {
    const client = this.#client;
    if (!client?.connected) throw new BrokerUnavailableError();
    const now = this.#now();
    const command = signCommand(
      {
        v: 1,
        id: randomUUID(),
        lockerId,
        ts: now,
        type,
        issuedAt: now,
        expiresAt: now + COMMAND_TTL_MS,
        origin,
      },
      this.#options.signingKey,
    );
    this.#prunePending(now);
    this.#pending.set(command.id, { userId, type, expiresAt: command.expiresAt + 60_000 });
    // QoS 1, never retained: a command must not wait in the broker for a locker to come back.
    await client.publishAsync(topicFor(lockerId, 'cmd'), encodeMessage('cmd', command), { qos: 1, retain: false });
    this.#options.metrics.commandsSent.inc({ type });
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
  }

  #prunePending(now: number): void {
    for (const [id, pending] of this.#pending) if (pending.expiresAt < now) this.#pending.delete(id);
  }

  #enqueue(topic: string, payload: Buffer, packet: IPublishPacket): void {
    const parsed = parseTopic(topic);
    // Our own publications (commands, configs) come back only if subscribed; never apply them.
    if (!parsed || CHANNEL_DIRECTION[parsed.channel] === 'server→device') return;
    const previous = this.#chains.get(parsed.lockerId) ?? Promise.resolve();
    const next = previous
      .then(() => this.#handle(parsed.lockerId, parsed.channel, payload, packet.retain))
      .catch((error: unknown) => {
        this.#options.logger.error({ err: error, lockerId: parsed.lockerId }, 'failed to apply a device message');
      });
    this.#chains.set(parsed.lockerId, next);
    void next.then(() => {
      if (this.#chains.get(parsed.lockerId) === next) this.#chains.delete(parsed.lockerId);
    });
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
        }
        const known = await lockers.setOnline(lockerId, status.online, at);
        if (!known) return 'unknown_locker';
        if (status.firmware) await lockers.applyFacts(lockerId, { firmware: status.firmware }, at);
        await audit.record({
          actorKind: 'device',
          actorId: lockerId,
          action: status.online ? 'locker.online' : 'locker.offline',
          lockerId,
          data: { reason: status.reason },
        });
        await this.#announce(lockerId);
        return 'applied';
      }
      case 'heartbeat': {
        const heartbeat = message as ChannelPayload['heartbeat'];
        const known = await lockers.applyFacts(lockerId, { firmware: heartbeat.firmware, online: true }, at);
        if (!known) return 'unknown_locker';
        await this.#announce(lockerId);
        return 'applied';
      }
      case 'state': {
        const state = message as ChannelPayload['state'];
        if (!(await lockers.claimSequence(lockerId, 'state', state.seq))) {
          return (await lockers.exists(lockerId)) ? 'duplicate' : 'unknown_locker';
        }
        const facts: LockerFactsUpdate = {
          door: state.door,
          lock: state.lock,
          lockdownUntil: state.lockdown.active && state.lockdown.until ? new Date(state.lockdown.until) : null,
          objectPresent: state.objectPresent,
          distanceCm: state.distanceCm,
          online: true,
        };
        await lockers.applyFacts(lockerId, facts, at);
        await this.#announce(lockerId);
        return 'applied';
      }
      case 'presence': {
        const presence = message as ChannelPayload['presence'];
        if (!(await lockers.claimSequence(lockerId, 'presence', presence.seq))) {
          return (await lockers.exists(lockerId)) ? 'duplicate' : 'unknown_locker';
        }
        await lockers.applyFacts(
          lockerId,
          { objectPresent: presence.objectPresent, distanceCm: presence.distanceCm, online: true },
          at,
        );
        await this.#announce(lockerId);
        return 'applied';
      }
      case 'ack': {
        const ack = message as ChannelPayload['ack'];
        if (!(await lockers.exists(lockerId))) return 'unknown_locker';
        const pending = this.#pending.get(ack.commandId);
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
        if (!recorded) return 'duplicate';
        this.#options.metrics.commandAcks.inc({
          type: ack.commandType,
          outcome: ack.outcome,
          reason: ack.reason ?? '',
        });
        bus.emit('command.acknowledged', {
          lockerId,
          commandId: ack.commandId,
          commandType: ack.commandType,
          outcome: ack.outcome,
          ...(ack.reason ? { reason: ack.reason } : {}),
          userId: pending?.userId ?? null,
        });
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
        await this.#raiseAlert(event, at);
        return 'applied';
      }
    }
  }

  /** Turns the device events that need a person's attention into alerts (SPEC §8). */
  async #raiseAlert(event: ChannelPayload['event'], at: Date): Promise<void> {
    const alert = alertFor(event);
    if (!alert) return;
    const row = await this.#options.alerts.create({ lockerId: event.lockerId, ...alert, at });
    this.#options.bus.emit('alert.raised', {
      lockerId: event.lockerId,
      alertId: row.id,
      type: row.type,
      severity: row.severity,
      message: row.message,
      at: row.createdAt.toISOString(),
    });
  }

  async #announce(lockerId: string): Promise<void> {
    const found = await this.#options.lockers.findWithSite(lockerId);
    if (!found) return;
    this.#options.bus.emit('locker.changed', {
      locker: toLockerView(found.locker, found.site, new Date(this.#now())),
    });
  }

  async #markSilentLockers(): Promise<void> {
    const now = this.#now();
    try {
      const silent = await this.#options.lockers.markSilentOffline(
        new Date(now - this.#options.offlineAfterMs),
        new Date(now),
      );
      for (const lockerId of silent) {
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

function alertFor(
  event: ChannelPayload['event'],
): { type: string; severity: AlertSeverity; message: string; data: Record<string, unknown> } | null {
  switch (event.type) {
    case 'intrusion':
      return {
        type: 'intrusion',
        severity: 'critical',
        message: 'The door was opened without a legitimate open.',
        data: { count: event.count },
      };
    case 'lockdown_started':
      return {
        type: 'lockdown',
        severity: 'critical',
        message: 'Repeated intrusions: the locker is in lockdown.',
        data: { until: new Date(event.until).toISOString() },
      };
    case 'lockdown_ended':
      return { type: 'lockdown_ended', severity: 'info', message: 'The lockdown has ended.', data: { by: event.by } };
    case 'door_left_open':
      return {
        type: 'door_left_open',
        severity: event.escalated ? 'critical' : 'warning',
        message: event.escalated ? 'The door has been left open despite reminders.' : 'The door has been left open.',
        data: { openForS: event.openForS, reminder: event.reminder, escalated: event.escalated },
      };
    case 'badge':
      return event.known
        ? null
        : {
            type: 'unknown_badge',
            severity: 'warning',
            message: 'An unknown badge was presented.',
            data: { badgeHash: event.badgeHash },
          };
    case 'door_opened':
    case 'door_closed':
    case 'open_result':
    case 'open_refused':
      return null;
  }
}

export class BrokerUnavailableError extends Error {
  readonly code = 'broker_unavailable';
  constructor() {
    super('the message broker is not reachable; try again in a moment');
  }
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
