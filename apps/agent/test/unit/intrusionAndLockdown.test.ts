import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SimulatedHal } from '../../src/hal/SimulatedHal';
import { ADMIN_UID, controllerScenario, type LockerScenario, verifiedCommand } from './controllerHarness';

const T0 = new Date('2025-03-01T08:00:00Z').getTime();
const dirs: string[] = [];

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-lockdown-'));
  dirs.push(dir);
  return dir;
}

async function started(scenario: LockerScenario) {
  scenario.controller.start();
  await vi.advanceTimersByTimeAsync(500);
  scenario.clear();
  return scenario;
}

async function forceDoor(hal: SimulatedHal) {
  hal.setDoor('open');
  await vi.advanceTimersByTimeAsync(1_000);
  hal.setDoor('closed');
  await vi.advanceTimersByTimeAsync(1_000);
}

describe('intrusion (SPEC §2: door opened with no legitimate open, outside the 15 s grace)', () => {
  it('raises an intrusion alert, counted, when the door opens with no open at all', async () => {
    const { hal, controller, events } = await started(controllerScenario());

    hal.setDoor('open');
    await vi.advanceTimersByTimeAsync(50);

    expect(events()).toMatchObject([
      { type: 'door_opened', legitimate: false },
      { type: 'intrusion', count: 1 },
    ]);
    expect(controller.counters.alerts).toBe(1);
  });

  it('does not alert within 15 s of a legitimate open, and alerts just after', async () => {
    const { hal, controller, eventsOf } = await started(controllerScenario());
    controller.execute(verifiedCommand('open'));
    // Opened and closed during the pulse: legitimate.
    await vi.advanceTimersByTimeAsync(1_000);
    await forceDoor(hal);
    // Opened again 14.9 s after the open: still within the grace.
    await vi.advanceTimersByTimeAsync(14_900 - 3_000 - 50);
    hal.setDoor('open');
    await vi.advanceTimersByTimeAsync(50);
    expect(eventsOf('intrusion')).toEqual([]);
    hal.setDoor('closed');
    await vi.advanceTimersByTimeAsync(1_000);

    hal.setDoor('open');
    await vi.advanceTimersByTimeAsync(50);

    expect(eventsOf('door_opened').map((e) => e.legitimate)).toEqual([true, true, false]);
    expect(eventsOf('intrusion')).toMatchObject([{ count: 1 }]);
  });

  it('takes the grace period from the configuration', async () => {
    const { hal, controller, eventsOf } = await started(
      controllerScenario(undefined, { timings: { intrusionGraceMs: 6_000 } }),
    );
    controller.execute(verifiedCommand('open'));
    await vi.advanceTimersByTimeAsync(7_000);
    hal.setDoor('open');
    await vi.advanceTimersByTimeAsync(50);
    expect(eventsOf('intrusion')).toHaveLength(1);
  });
});

describe('lockdown (SPEC §2: 3 intrusion alerts → 5 min, then automatic reset)', () => {
  it('starts at the 3rd intrusion alert with until = now + 5 min, and the state says so', async () => {
    const { hal, eventsOf, states } = await started(controllerScenario());

    await forceDoor(hal);
    await forceDoor(hal);
    expect(eventsOf('lockdown_started')).toEqual([]);
    hal.setDoor('open');
    await vi.advanceTimersByTimeAsync(50);

    const until = Date.now() + 5 * 60_000;
    expect(eventsOf('intrusion').map((e) => e.count)).toEqual([1, 2, 3]);
    expect(eventsOf('lockdown_started')).toEqual([expect.objectContaining({ until })]);
    expect(states().at(-1)?.lockdown).toEqual({ active: true, until });
  });

  it('ends by itself after exactly 5 min (lockdown_ended by timer) and opens are accepted again', async () => {
    const { hal, controller, eventsOf, states } = await started(controllerScenario());
    await forceDoor(hal);
    await forceDoor(hal);
    hal.setDoor('open');
    await vi.advanceTimersByTimeAsync(50);
    hal.setDoor('closed');

    // The lockdown started when the debounced opening was committed, i.e. now.
    await vi.advanceTimersByTimeAsync(5 * 60_000 - 1);
    expect(controller.snapshot().lockdown.active).toBe(true);
    await vi.advanceTimersByTimeAsync(1);

    expect(eventsOf('lockdown_ended')).toMatchObject([{ by: 'timer' }]);
    expect(states().at(-1)?.lockdown).toEqual({ active: false, until: null });
    expect(controller.execute(verifiedCommand('open'))).toEqual({ outcome: 'accepted' });
  });

  it('counts intrusions during a lockdown without extending it, and starts counting afresh after it', async () => {
    const { hal, eventsOf, controller } = await started(controllerScenario());
    for (let i = 0; i < 4; i++) await forceDoor(hal);
    expect(eventsOf('intrusion').map((e) => e.count)).toEqual([1, 2, 3, 4]);
    expect(eventsOf('lockdown_started')).toHaveLength(1);

    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(controller.snapshot().intrusions).toBe(0);
    await forceDoor(hal);
    expect(eventsOf('intrusion').at(-1)?.count).toBe(1);
  });

  it('is ended by an administrator badge (by: badge), which also opens the locker', async () => {
    const { hal, eventsOf, states } = await started(controllerScenario());
    for (let i = 0; i < 3; i++) await forceDoor(hal);

    hal.presentBadge(ADMIN_UID);

    expect(eventsOf('lockdown_ended')).toMatchObject([{ by: 'badge' }]);
    expect(hal.relayEnergised).toBe(true);
    expect(states().at(-1)).toMatchObject({ lock: 'unlocked', lockdown: { active: false, until: null } });
  });

  it("is ended by the server's reset_lockdown (by: server), so the next open goes through (SPEC §11.2)", async () => {
    const { hal, controller, eventsOf, states } = await started(controllerScenario());
    for (let i = 0; i < 3; i++) await forceDoor(hal);

    expect(controller.execute(verifiedCommand('reset_lockdown'))).toEqual({ outcome: 'accepted' });

    expect(eventsOf('lockdown_ended')).toMatchObject([{ by: 'server' }]);
    expect(states().at(-1)?.lockdown).toEqual({ active: false, until: null });
    expect(controller.execute(verifiedCommand('open'))).toEqual({ outcome: 'accepted' });
  });

  it('takes the threshold and the duration from the configuration', async () => {
    const { hal, eventsOf } = await started(
      controllerScenario(undefined, { rules: { lockdownAfterIntrusions: 1 }, timings: { lockdownMs: 30_000 } }),
    );
    hal.setDoor('open');
    await vi.advanceTimersByTimeAsync(50);
    expect(eventsOf('lockdown_started')).toEqual([expect.objectContaining({ until: Date.now() + 30_000 })]);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(eventsOf('lockdown_ended')).toMatchObject([{ by: 'timer' }]);
  });

  it('survives a restart: the new run is still in lockdown and ends it at the original instant', async () => {
    const dir = stateDir();
    const before = await started(controllerScenario(undefined, { stateDir: dir }));
    for (let i = 0; i < 3; i++) await forceDoor(before.hal);
    const until = before.controller.snapshot().lockdown.until as number;
    await before.controller.stop();

    // Power back 2 min later.
    await vi.advanceTimersByTimeAsync(2 * 60_000);
    const after = controllerScenario(undefined, { stateDir: dir });
    after.controller.start();
    expect(after.states()[0]?.lockdown).toEqual({ active: true, until });
    expect(after.controller.execute(verifiedCommand('open'))).toEqual({ outcome: 'refused', reason: 'lockdown' });

    await vi.advanceTimersByTimeAsync(until - Date.now() - 1);
    expect(after.eventsOf('lockdown_ended')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(after.eventsOf('lockdown_ended')).toMatchObject([{ by: 'timer' }]);
  });

  it('ends at start-up a lockdown whose 5 min ran out while the locker was off', async () => {
    const dir = stateDir();
    const before = await started(controllerScenario(undefined, { stateDir: dir }));
    for (let i = 0; i < 3; i++) await forceDoor(before.hal);
    await before.controller.stop();

    await vi.advanceTimersByTimeAsync(10 * 60_000);
    const after = controllerScenario(undefined, { stateDir: dir });
    after.controller.start();
    await vi.advanceTimersByTimeAsync(0);

    expect(after.eventsOf('lockdown_ended')).toMatchObject([{ by: 'timer' }]);
    expect(after.states().at(-1)?.lockdown).toEqual({ active: false, until: null });
  });
});
