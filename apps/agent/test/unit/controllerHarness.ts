import {
  type ChannelPayload,
  type Command,
  type CommandType,
  type DeviceEventType,
  decodeMessage,
} from '@smartlocker/protocol';
import { pino } from 'pino';
import { Controller, type ControllerTimings } from '../../src/Controller';
import { DeviceEnvelopeFactory, encodeOutbound, type OutboundMessage } from '../../src/DeviceEnvelope';
import type { Hal } from '../../src/hal/Hal';
import { SimulatedHal } from '../../src/hal/SimulatedHal';

export const LOCKER_ID = 'LOCKER-UNIT-1';
export const TIMINGS: ControllerTimings = { relayPulseMs: 4_000, doorSampleMs: 500, openConfirmWindowMs: 5_000 };

/** A controller wired to a HAL and a recording outbox; every message is checked against protocol v1. */
export function controllerScenario<H extends Hal = SimulatedHal>(hal?: H) {
  const theHal = hal ?? (new SimulatedHal() as unknown as H);
  const sent: OutboundMessage[] = [];
  let seq = 0;
  const controller = new Controller({
    hal: theHal,
    envelopes: new DeviceEnvelopeFactory(LOCKER_ID, { next: () => ++seq }, () => theHal.now()),
    timings: TIMINGS,
    publish: (outbound) => {
      const decoded = decodeMessage(outbound.channel, encodeOutbound(outbound));
      if (!decoded.ok) throw new Error(`invalid ${outbound.channel}: ${decoded.detail}`);
      sent.push(outbound);
    },
    logger: pino({ level: 'silent' }),
  });
  return {
    hal: theHal,
    controller,
    sent,
    states: () => sent.flatMap((m) => (m.channel === 'state' ? [m.message] : [])),
    events: () => sent.flatMap((m) => (m.channel === 'event' ? [m.message] : [])),
    eventTypes: (): DeviceEventType[] => sent.flatMap((m) => (m.channel === 'event' ? [m.message.type] : [])),
    acks: (): ChannelPayload['ack'][] => sent.flatMap((m) => (m.channel === 'ack' ? [m.message] : [])),
    clear: () => {
      sent.length = 0;
    },
  };
}

let commandCounter = 0;

/** A command as the Agent hands it over after verification (the signature is not looked at here). */
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
