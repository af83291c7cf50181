import {
  type ChannelPayload,
  type Command,
  type CommandType,
  type DeviceEventType,
  decodeMessage,
  generateCommandKeyPair,
  hashBadge,
  loadPrivateKey,
  loadPublicKey,
  signDeviceConfig,
} from '@smartlocker/protocol';
import { pino } from 'pino';
import { AdminBadges } from '../../src/AdminBadges';
import { Controller } from '../../src/Controller';
import { AgentRules, AgentTimings } from '../../src/config';
import { DeviceEnvelopeFactory, encodeOutbound, type OutboundMessage } from '../../src/DeviceEnvelope';
import type { Hal } from '../../src/hal/Hal';
import { SimulatedHal } from '../../src/hal/SimulatedHal';

export const LOCKER_ID = 'LOCKER-UNIT-1';
/** SPEC §2's numbers, exactly as the agent's configuration defaults them. */
export const TIMINGS: AgentTimings = AgentTimings.parse({});
export const RULES: AgentRules = AgentRules.parse({});

export const serverKeys = generateCommandKeyPair();
export const serverPrivateKey = loadPrivateKey(serverKeys.privateKeyPem);
export const serverPublicKey = loadPublicKey(serverKeys.publicKeyPem);
/** The administrator badge every scenario's locker knows (see `adminBadges`). */
export const ADMIN_UID = '04A1B2C3D4';

export interface ScenarioOptions {
  timings?: Partial<AgentTimings>;
  rules?: Partial<AgentRules>;
  /** Where counters and lockdown persist; in memory when absent. */
  stateDir?: string;
  /** Badges the locker knows; ADMIN_UID by default. */
  adminUids?: string[];
}

/** The badges of a locker, as applied from a config signed by the test server key. */
export function adminBadges(uids: string[] = [ADMIN_UID]): AdminBadges {
  const badges = AdminBadges.inMemory(LOCKER_ID, serverPublicKey);
  const applied = badges.apply(
    signDeviceConfig(
      {
        v: 1,
        id: 'cfg-unit-0001',
        lockerId: LOCKER_ID,
        ts: 1,
        issuedAt: 1,
        adminBadges: uids.map((uid) => hashBadge(LOCKER_ID, uid)),
      },
      serverPrivateKey,
    ),
  );
  if (!applied.applied) throw new Error(`test config refused: ${applied.reason}`);
  return badges;
}

/**
 * A controller wired to a HAL and a recording outbox, with no network at all; every message is
 * checked against protocol v1 on the way out.
 */
export function controllerScenario(hal?: undefined, options?: ScenarioOptions): LockerScenario<SimulatedHal>;
export function controllerScenario<H extends Hal>(hal: H, options?: ScenarioOptions): LockerScenario<H>;
export function controllerScenario(hal?: Hal, options: ScenarioOptions = {}): LockerScenario<Hal> {
  return buildScenario(hal ?? new SimulatedHal(), options);
}

function buildScenario<H extends Hal>(theHal: H, options: ScenarioOptions) {
  const sent: OutboundMessage[] = [];
  let seq = 0;
  const controller = new Controller({
    hal: theHal,
    lockerId: LOCKER_ID,
    envelopes: new DeviceEnvelopeFactory(LOCKER_ID, { next: () => ++seq }, () => theHal.now()),
    timings: { ...TIMINGS, ...options.timings },
    rules: { ...RULES, ...options.rules },
    publish: (outbound) => {
      const decoded = decodeMessage(outbound.channel, encodeOutbound(outbound));
      if (!decoded.ok) throw new Error(`invalid ${outbound.channel}: ${decoded.detail}`);
      sent.push(outbound);
    },
    logger: pino({ level: 'silent' }),
    stateDir: options.stateDir ?? null,
    badges: adminBadges(options.adminUids),
  });
  return {
    hal: theHal,
    controller,
    sent,
    states: (): ChannelPayload['state'][] => sent.flatMap((m) => (m.channel === 'state' ? [m.message] : [])),
    events: (): ChannelPayload['event'][] => sent.flatMap((m) => (m.channel === 'event' ? [m.message] : [])),
    eventsOf: <T extends DeviceEventType>(type: T) =>
      sent.flatMap((m) =>
        m.channel === 'event' && m.message.type === type
          ? [m.message as Extract<ChannelPayload['event'], { type: T }>]
          : [],
      ),
    eventTypes: (): DeviceEventType[] => sent.flatMap((m) => (m.channel === 'event' ? [m.message.type] : [])),
    presences: (): ChannelPayload['presence'][] => sent.flatMap((m) => (m.channel === 'presence' ? [m.message] : [])),
    clear: () => {
      sent.length = 0;
    },
  };
}

let commandCounter = 0;

/** A command as the CommandProcessor hands it over after verification (the signature is not looked at here). */
export function verifiedCommand(type: CommandType): Command {
  commandCounter += 1;
  const now = Date.now();
  return {
    v: 1,
    id: `cmd-unit-${commandCounter.toString().padStart(4, '0')}`,
    lockerId: LOCKER_ID,
    ts: now,
    type,
    issuedAt: now,
    expiresAt: now + 10_000,
    sig: 'A'.repeat(86),
  };
}

/** What `controllerScenario` gives, for helpers that take one (a SimulatedHal by default). */
export type LockerScenario<H extends Hal = SimulatedHal> = ReturnType<typeof buildScenario<H>>;
