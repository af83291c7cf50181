import { join } from 'node:path';
import { SimulatedHal } from '@smartlocker/agent';
import type { CommandType } from '@smartlocker/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { EMBEDDED_DATABASE } from '../../../../test-support/backends';
import {
  type BrokerProcess,
  startAedesProcess,
  startPrivateMosquitto,
} from '../../../../test-support/faults/privateServices';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';
import { BrokerUnavailableError, CommandInDoubtError } from '../../src/broker/LockerGateway';
import {
  agentLedger,
  expectCommandsAccountedFor,
  expectConverged,
  recordSentCommands,
  waitUntil,
} from './support/invariants';

/**
 * The broker killed (SIGKILL) and restarted in the middle of a stream of commands (issue 14), for
 * the embedded broker's code (aedes, in a process of its own so it can die alone) and Mosquitto.
 * Afterwards: every command the locker decided is acknowledged on the server exactly once, no
 * open moved the relay twice, and the server's view converges within 5 s of the locker's return.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each([
  { name: 'aedes', start: startAedesProcess },
  { name: 'mosquitto', start: startPrivateMosquitto },
])('the $name broker killed mid-commands', ({ name, start }) => {
  let broker: BrokerProcess;
  let system: TestSystem;

  afterAll(async () => {
    await system?.dispose();
    await broker?.dispose();
  });

  it('loses no acknowledged command, opens nothing twice, and converges', { timeout: 120_000 }, async () => {
    broker = await start();
    system = await startTestSystem(EMBEDDED_DATABASE, { name: 'mosquitto', url: broker.url });
    const agent = system.agents.find((a) => a.lockerId === system.lockerIds.school);
    if (!agent || !(agent.hal instanceof SimulatedHal)) throw new Error('no simulated school locker');
    agent.hal.setAutoPerson(false);
    const hal = agent.hal;
    await agent.waitUntilConnected(10_000);
    await expectConverged(system.database.db, agent, Date.now(), 10_000);
    const relayBefore = hal.relayActivations;
    // With the ones the server sends itself (a state report lost with the broker is asked again).
    const sentBySystem = recordSentCommands(system.gateway);

    // 24 commands, one every 250 ms; opens now and then (the locker's anti-spam and one pulse at a
    // time refuse some: refusals must be accounted for too). The broker dies after the 6th and
    // comes back 2 s later.
    const published: string[] = [];
    // Commands the broker did not confirm in time: withdrawn, but they may have reached the
    // broker before it died, so the locker may still have decided them.
    const inDoubt: string[] = [];
    let unavailable = 0;
    for (let i = 0; i < 24; i++) {
      if (i === 6) await broker.kill();
      if (i === 14) await broker.start();
      const type: CommandType = i % 4 === 0 ? 'open' : 'report_state';
      try {
        const sent = await system.gateway.sendCommand(agent.lockerId, type, { kind: 'admin', ref: `fault-${i}` }, null);
        published.push(sent.commandId);
      } catch (error) {
        if (!(error instanceof BrokerUnavailableError)) throw error;
        if (error instanceof CommandInDoubtError) inDoubt.push(error.commandId);
        unavailable += 1;
      }
      await sleep(250);
    }
    expect(unavailable, `${name}: the server refused to publish while the broker was down`).toBeGreaterThan(0);

    await waitUntil('the locker back on the broker', () => agent.connected, 70_000);
    await waitUntil('the server back on the broker', () => system.gateway.connected, 30_000);
    const convergedIn = await expectConverged(system.database.db, agent);
    await waitUntil('the locker’s queue delivered', () => agent.snapshot().queued === 0, 20_000);
    // Acknowledgements still on their way are given a moment to be applied.
    const ledger = agentLedger(join(system.dataDirPath, 'agents', agent.lockerId));
    await waitUntil('every decided command acknowledged on the server', async () => {
      try {
        await expectCommandsAccountedFor(
          system.database.db,
          agent.lockerId,
          ledger,
          hal.relayActivations - relayBefore,
        );
        return true;
      } catch {
        return false;
      }
    });
    await expectCommandsAccountedFor(system.database.db, agent.lockerId, ledger, hal.relayActivations - relayBefore);
    // Only commands the server sent can have been decided; some died with the broker.
    const sent = new Set([...published, ...inDoubt, ...(await sentBySystem())]);
    const undue = ledger.filter((entry) => !sent.has(entry.id));
    expect(undue).toEqual([]);
    expect(ledger.length).toBeGreaterThan(0);
    expect(convergedIn).toBeLessThan(5_000);
  });
});
