import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_BROKER, EMBEDDED_DATABASE } from '../../../../test-support/backends';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';
import {
  agentLedger,
  expectCommandsAccountedFor,
  expectConverged,
  recordedAnswer,
  recordedEvents,
  waitUntil,
} from './support/invariants';
import { type LockerOnLink, lockerOnLink } from './support/lockerOnLink';

/**
 * A locker's network cut by a TCP proxy on loopback (issue 14). During the cut the locker keeps
 * its rules and queues its events; the server may send opens. After it: the queued events arrive
 * once and in order, the opens sent meanwhile are never carried out (refused as expired if they
 * arrive at all, never replayed), and the server's view converges within 5 s.
 *
 * - 30 s, real time, default timings: shorter than the broker's keep-alive (45 s). The locker
 *   notices first (no PUBACK for its queued events) and opens a new session once the link is back;
 *   what the network held for the old one, the open included, dies with it.
 * - "5 min": both sides give up on the connection and the locker reconnects, with events queued.
 *   Run with the locker's MQTT timings scaled by 1/15 (keep-alive 2 s instead of 30 s, backoff
 *   capped at 4 s instead of 60 s) and a 20 s cut: the same sequence of timeouts, in 20 s.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const DOOR_EVENTS = ['door_opened', 'intrusion', 'door_closed'];

describe('a locker link cut', () => {
  let system: TestSystem;
  const lockers: LockerOnLink[] = [];

  beforeAll(async () => {
    system = await startTestSystem(EMBEDDED_DATABASE, EMBEDDED_BROKER, { SIMULATED_LOCKERS: 'false' });
  });
  afterAll(async () => {
    for (const locker of lockers) await locker.dispose();
    await system?.dispose();
  });

  /** Opens and closes the door `times` times by hand (no open command: each is an intrusion). */
  async function doorCycles(locker: LockerOnLink, times: number): Promise<void> {
    for (let i = 0; i < times; i++) {
      locker.hal.openDoor();
      await sleep(700);
      locker.hal.closeDoor();
      await sleep(700);
    }
  }

  async function scenario(options: {
    cutMs: number;
    mqtt?: NonNullable<Parameters<typeof lockerOnLink>[1]>['mqtt'];
    expectReconnect: boolean;
  }) {
    const locker = await lockerOnLink(system, options.mqtt ? { mqtt: options.mqtt } : {});
    lockers.push(locker);
    await locker.agent.waitUntilConnected(10_000);
    await expectConverged(system.database.db, locker.agent, Date.now(), 10_000);
    const acceptedBefore = locker.link.accepted;

    locker.link.cut();
    const cutAt = Date.now();
    await doorCycles(locker, 2);
    // An open the server sends while it still believes the locker reachable: it goes into the cut.
    const sent = await system.gateway.sendCommand(locker.lockerId, 'open', { kind: 'admin', ref: 'fault-suite' }, null);
    await sleep(Math.max(0, options.cutMs - (Date.now() - cutAt)));
    expect(locker.agent.snapshot().queued).toBeGreaterThan(0);

    locker.link.restore();
    const restoredAt = Date.now();
    if (options.expectReconnect) {
      await waitUntil('the locker reconnected', () => locker.link.accepted > acceptedBefore && locker.agent.connected);
    }
    await waitUntil('the offline queue delivered', () => locker.agent.snapshot().queued === 0, 30_000);
    const convergedIn = await expectConverged(
      system.database.db,
      locker.agent,
      options.expectReconnect ? Date.now() : restoredAt,
    );

    // Queued events arrived once each, in the order they happened.
    const events = await recordedEvents(system.database.db, locker.lockerId, DOOR_EVENTS);
    expect(events.map((e) => e.action)).toEqual([
      'device.door_opened',
      'device.intrusion',
      'device.door_closed',
      'device.door_opened',
      'device.intrusion',
      'device.door_closed',
    ]);
    const seqs = events.map((e) => e.seq ?? 0);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    // The open sent into the cut never moved the strike: refused as expired if it arrived at all.
    const answer = await recordedAnswer(system.database.db, locker.lockerId, sent.commandId);
    if (answer) expect(answer).toEqual({ outcome: 'refused', reason: 'expired' });
    expect(locker.hal.relayActivations).toBe(0);
    const ledger = agentLedger(locker.stateDir);
    await expectCommandsAccountedFor(system.database.db, locker.lockerId, ledger, locker.hal.relayActivations);
    return { convergedIn, reconnected: locker.link.accepted > acceptedBefore };
  }

  it('for 30 s, default timings: the queue arrives once and in order, the open sent meanwhile is never carried out', {
    timeout: 90_000,
  }, async () => {
    const { convergedIn } = await scenario({ cutMs: 30_000, expectReconnect: false });
    expect(convergedIn).toBeLessThan(5_000);
  });

  it('for "5 min" (timings scaled 1/15): the locker reconnects, delivers its queue once and in order, replays nothing', {
    timeout: 90_000,
  }, async () => {
    const { convergedIn } = await scenario({
      cutMs: 20_000,
      mqtt: { keepaliveS: 2, reconnect: { initialDelayMs: 200, maxDelayMs: 4_000, jitter: 0.2 } },
      expectReconnect: true,
    });
    expect(convergedIn).toBeLessThan(5_000);
  });
});
