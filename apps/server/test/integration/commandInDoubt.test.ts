import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Aedes, type Client } from 'aedes';
import { afterAll, describe, expect, it } from 'vitest';
import { EMBEDDED_DATABASE } from '../../../../test-support/backends';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';
import { CommandInDoubtError } from '../../src/broker/LockerGateway';
import { agentLedger, waitUntil } from '../faults/support/invariants';

/**
 * A command whose PUBACK never comes (the broker took the packet and then hung): the caller hears
 * `broker_unavailable` after the bounded wait instead of hanging, and the packet is withdrawn from
 * mqtt.js, so the server does not send it again when it reconnects — the person was told it failed.
 */
describe('a command the broker never confirms', () => {
  let system: TestSystem | undefined;
  let aedes: Aedes | undefined;
  let server: Server | undefined;

  afterAll(async () => {
    await system?.dispose();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (aedes ? aedes.close(() => resolve()) : resolve()));
  });

  it('is refused after the wait, withdrawn, and never sent again on reconnection', { timeout: 60_000 }, async () => {
    const broker = await Aedes.createBroker();
    aedes = broker;
    // Every command the broker receives, by id; the next one is swallowed without a PUBACK.
    const received: string[] = [];
    let swallowNext = false;
    let swallowedFrom: Client | null = null;
    broker.authorizePublish = (client, packet, callback) => {
      if (client && packet.topic.endsWith('/cmd')) {
        received.push((JSON.parse(packet.payload.toString()) as { id: string }).id);
        if (swallowNext) {
          swallowNext = false;
          swallowedFrom = client;
          return;
        }
      }
      callback(null);
    };
    server = createServer(broker.handle);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;

    system = await startTestSystem(EMBEDDED_DATABASE, { name: 'mosquitto', url: `mqtt://127.0.0.1:${port}` });
    const running = system;
    const agent = running.agents.find((a) => a.lockerId === running.lockerIds.school);
    if (!agent) throw new Error('no school locker');
    await agent.waitUntilConnected(10_000);
    const origin = { kind: 'admin', ref: 'in-doubt' } as const;

    swallowNext = true;
    const error = await running.gateway.sendCommand(agent.lockerId, 'report_state', origin, null).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CommandInDoubtError);
    const doubtful = (error as CommandInDoubtError).commandId;
    expect((error as CommandInDoubtError).code).toBe('broker_unavailable');
    expect(received).toEqual([doubtful]);

    // The broker drops the server's connection; mqtt.js reconnects and would resend what it holds.
    const dropped = swallowedFrom as Client | null;
    if (!dropped) throw new Error('the command never reached the broker');
    dropped.close();
    await waitUntil('the server disconnected', () => !running.gateway.connected, 10_000);
    await waitUntil('the server reconnected', () => running.gateway.connected, 20_000);

    // A command after the reconnection goes through; a resent packet would have come before it.
    const sent = await running.gateway.sendCommand(agent.lockerId, 'report_state', origin, null);
    const stateDir = join(running.dataDirPath, 'agents', agent.lockerId);
    await waitUntil(
      'the next command decided',
      () => agentLedger(stateDir).some((e) => e.id === sent.commandId),
      10_000,
    );
    expect(received).toEqual([doubtful, sent.commandId]);
    expect(agentLedger(stateDir).some((e) => e.id === doubtful)).toBe(false);
  });
});
