import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_BROKER, EMBEDDED_DATABASE } from '../../../../test-support/backends';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';
import { alerts } from '../../src/db/schema';
import {
  agentLedger,
  expectCommandsAccountedFor,
  expectConverged,
  recordedAnswer,
  waitUntil,
} from './support/invariants';
import { type LockerOnLink, lockerOnLink } from './support/lockerOnLink';

/**
 * A locker whose clock is 5 s off (issue 14). The protocol tolerates 2 s either way and commands
 * live 8 s (docs/protocol.md §5.5): 5 s fast still opens, inside the window; 5 s slow refuses
 * every fresh command as `not_yet_valid` and never opens. Either way the server notices — from
 * the heartbeat's time, or from a refusal that came while the command was still valid — and
 * raises one `clock_skew` alert for the administrators.
 */
describe('a locker clock 5 s off', () => {
  let system: TestSystem;
  const lockers: LockerOnLink[] = [];

  beforeAll(async () => {
    system = await startTestSystem(EMBEDDED_DATABASE, EMBEDDED_BROKER, { SIMULATED_LOCKERS: 'false' });
  });
  afterAll(async () => {
    for (const locker of lockers) await locker.dispose();
    await system?.dispose();
  });

  async function skewAlerts(lockerId: string) {
    return system.database.db
      .select()
      .from(alerts)
      .where(and(eq(alerts.lockerId, lockerId), eq(alerts.type, 'clock_skew')));
  }

  it.each([
    { offsetMs: 5_000, opens: true },
    { offsetMs: -5_000, opens: false },
  ])('$offsetMs ms: opens $opens, one clock_skew alert, state converged', async ({ offsetMs, opens }) => {
    const locker = await lockerOnLink(system, { clockOffsetMs: offsetMs, timings: { heartbeatMs: 500 } });
    lockers.push(locker);
    await locker.agent.waitUntilConnected(10_000);
    await expectConverged(system.database.db, locker.agent, Date.now(), 10_000);

    // A locker refuses what was issued before it booted (by its own clock): let that pass first.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, offsetMs) + 500));
    const sent = await system.gateway.sendCommand(locker.lockerId, 'open', { kind: 'admin', ref: 'clock' }, null);
    const decided = await waitUntil('the locker’s answer', () =>
      recordedAnswer(system.database.db, locker.lockerId, sent.commandId),
    );
    if (opens) expect(decided.outcome).toBe('accepted');
    else expect(decided).toEqual({ outcome: 'refused', reason: 'not_yet_valid' });
    await waitUntil('the pulse over', () => !locker.agent.snapshot().pulseInProgress);

    const raised = await waitUntil('a clock_skew alert', async () => (await skewAlerts(locker.lockerId))[0]);
    expect(raised.severity).toBe('warning');
    // Heartbeats every 500 ms keep saying so: still one alert.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await skewAlerts(locker.lockerId)).toHaveLength(1);
    await waitUntil('the acknowledgement recorded', async () => {
      try {
        await expectCommandsAccountedFor(
          system.database.db,
          locker.lockerId,
          agentLedger(locker.stateDir),
          locker.hal.relayActivations,
        );
        return true;
      } catch {
        return false;
      }
    });
    expect(locker.hal.relayActivations).toBe(opens ? 1 : 0);
    await expectConverged(system.database.db, locker.agent);
  });
});
