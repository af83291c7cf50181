import type { DoorState } from '@smartlocker/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SimulatedHal } from '../../src/hal/SimulatedHal';
import { controllerScenario, type LockerScenario, verifiedCommand } from './controllerHarness';

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2025-03-01T08:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Starts the controller and lets the first presence reading land, so later assertions see only what the test did. */
async function started(scenario: LockerScenario) {
  scenario.controller.start();
  await vi.advanceTimersByTimeAsync(500);
  scenario.clear();
  return scenario;
}

describe('relay (SPEC §2: energised 4 s, then always released)', () => {
  it('forces the relay off when the controller is built, whatever the last run left (fail-secure start-up)', () => {
    const hal = new SimulatedHal();
    hal.setRelay(true);
    const { controller, states } = controllerScenario(hal);
    expect(hal.relayEnergised).toBe(false);
    controller.start();
    expect(states()).toMatchObject([{ lock: 'locked', door: 'closed', lockdown: { active: false, until: null } }]);
  });

  it('energises for exactly relayPulseMs (4 000 ms), then releases', async () => {
    const { hal, controller, states } = await started(controllerScenario());

    expect(controller.execute(verifiedCommand('open'))).toEqual({ outcome: 'accepted' });
    expect(hal.relayEnergised).toBe(true);
    expect(states().map((s) => s.lock)).toEqual(['unlocked']);

    await vi.advanceTimersByTimeAsync(3_999);
    expect(hal.relayEnergised).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    expect(hal.relayEnergised).toBe(false);
    expect(states().map((s) => s.lock)).toEqual(['unlocked', 'locked']);
    expect(controller.counters).toEqual({ opens: 1, relayCycles: 1, alerts: 0 });
  });

  it('releases at once and refuses with hardware_error (ack and open_refused) when the driver throws while energising', async () => {
    class FaultyRelayHal extends SimulatedHal {
      override setRelay(energised: boolean): void {
        super.setRelay(energised);
        if (energised) throw new Error('GPIO write-back mismatch');
      }
    }
    const hal = new FaultyRelayHal();
    const { controller, states, events } = await started(controllerScenario(hal));
    const command = verifiedCommand('open');

    expect(controller.execute(command)).toEqual({ outcome: 'refused', reason: 'hardware_error' });

    expect(hal.relayActivations).toBe(1);
    expect(hal.relayEnergised).toBe(false);
    // The fault is an alert of its own (issue 10), reported before the refusal it causes.
    expect(events()).toMatchObject([
      { type: 'relay_fault', phase: 'energise', recovered: false },
      { type: 'open_refused', commandId: command.id, reason: 'hardware_error' },
    ]);
    expect(states().at(-1)?.lock).toBe('locked');
    expect(controller.pulseInProgress).toBe(false);
    expect(controller.counters.alerts).toBe(1);
  });

  it('reports a relay fault once per streak, and once when the relay works again', async () => {
    class FlakyRelayHal extends SimulatedHal {
      failing = true;
      override setRelay(energised: boolean): void {
        super.setRelay(energised);
        if (energised && this.failing) throw new Error('GPIO write-back mismatch');
      }
    }
    const hal = new FlakyRelayHal();
    const { controller, eventsOf } = await started(controllerScenario(hal));

    controller.execute(verifiedCommand('open'));
    controller.execute(verifiedCommand('open'));
    expect(eventsOf('relay_fault')).toMatchObject([{ phase: 'energise', recovered: false }]);

    hal.failing = false;
    expect(controller.execute(verifiedCommand('open'))).toEqual({ outcome: 'accepted' });
    expect(eventsOf('relay_fault')).toMatchObject([
      { phase: 'energise', recovered: false },
      { phase: 'energise', recovered: true },
    ]);
  });

  it('keeps asking a relay driver that refuses to release until it obeys, and reports unlocked meanwhile', async () => {
    class StuckRelayHal extends SimulatedHal {
      refusals = 0;
      override setRelay(energised: boolean): void {
        if (!energised && this.refusals > 0) {
          this.refusals -= 1;
          throw new Error('GPIO busy');
        }
        super.setRelay(energised);
      }
    }
    const hal = new StuckRelayHal();
    const { controller, states, eventsOf } = await started(controllerScenario(hal));
    controller.execute(verifiedCommand('open'));
    hal.refusals = 2;

    await vi.advanceTimersByTimeAsync(4_000);
    expect(hal.relayEnergised).toBe(true);
    expect(controller.lock).toBe('unlocked');
    await vi.advanceTimersByTimeAsync(500);
    expect(hal.relayEnergised).toBe(false);
    expect(states().at(-1)?.lock).toBe('locked');
    // Two refusals, one fault reported (no alert per 250 ms retry), then its recovery.
    expect(eventsOf('relay_fault')).toMatchObject([
      { phase: 'release', recovered: false },
      { phase: 'release', recovered: true },
    ]);
  });

  it('still releases on time when the door sensor throws in the middle of the pulse', async () => {
    class FlakySensorHal extends SimulatedHal {
      failing = false;
      override readDoor(): DoorState {
        if (this.failing) throw new Error('sensor bus error');
        return super.readDoor();
      }
    }
    const hal = new FlakySensorHal();
    const { controller, states } = await started(controllerScenario(hal));
    controller.execute(verifiedCommand('open'));
    await vi.advanceTimersByTimeAsync(1_000);
    hal.failing = true;

    await vi.advanceTimersByTimeAsync(3_000);
    expect(hal.relayEnergised).toBe(false);
    expect(states().at(-1)).toMatchObject({ lock: 'locked', door: 'unknown' });
  });

  it('releases immediately when stopped mid-pulse, and never energises once stopped', async () => {
    const { hal, controller, states } = await started(controllerScenario());
    controller.execute(verifiedCommand('open'));
    await vi.advanceTimersByTimeAsync(1_000);

    await controller.stop();
    expect(hal.relayEnergised).toBe(false);
    expect(states().at(-1)?.lock).toBe('locked');
    expect(controller.execute(verifiedCommand('open'))).toEqual({ outcome: 'refused', reason: 'busy' });
    expect(hal.relayActivations).toBe(1);
  });

  it('refuses a second open during the pulse with busy, without stretching the pulse', async () => {
    const { hal, controller, eventsOf } = await started(controllerScenario());
    const second = verifiedCommand('open');

    expect(controller.execute(verifiedCommand('open'))).toEqual({ outcome: 'accepted' });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(controller.execute(second)).toEqual({ outcome: 'refused', reason: 'busy' });
    await vi.advanceTimersByTimeAsync(2_000);

    expect(hal.relayEnergised).toBe(false);
    expect(hal.relayActivations).toBe(1);
    expect(eventsOf('open_refused')).toMatchObject([{ commandId: second.id, reason: 'busy' }]);
  });
});

describe('door sensor (SPEC §2: sampled every 500 ms or on edge, debounced; §11.4 no message per sample)', () => {
  it.each([
    { edgeEvents: true, label: 'announced by edges' },
    { edgeEvents: false, label: 'seen only by sampling' },
  ])('publishes one state and one event per change when changes are $label', async ({ edgeEvents }) => {
    const hal = new SimulatedHal({ edgeEvents });
    const { states, events } = await started(controllerScenario(hal));

    hal.setDoor('open');
    await vi.advanceTimersByTimeAsync(10_000);
    hal.setDoor('closed');
    await vi.advanceTimersByTimeAsync(10_000);

    expect(states().map((s) => s.door)).toEqual(['open', 'closed']);
    expect(events().filter((e) => e.type === 'door_opened' || e.type === 'door_closed')).toMatchObject([
      { type: 'door_opened' },
      { type: 'door_closed' },
    ]);
  });

  it('sees a change without edges within one 500 ms sample plus the debounce', async () => {
    const hal = new SimulatedHal({ edgeEvents: false });
    const { states } = await started(controllerScenario(hal));
    // The sampling timer last fired at 500 ms; the next one is at 1 000 ms.
    hal.setDoor('open');
    await vi.advanceTimersByTimeAsync(499);
    expect(states()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1 + 50);
    expect(states().map((s) => s.door)).toEqual(['open']);
  });

  it('ignores a contact that bounces for less than the 50 ms debounce', async () => {
    const { hal, states, events } = await started(controllerScenario());

    hal.setDoor('open');
    await vi.advanceTimersByTimeAsync(20);
    hal.setDoor('closed');
    await vi.advanceTimersByTimeAsync(10_000);

    expect(states()).toEqual([]);
    expect(events()).toEqual([]);
  });

  it('reports unknown as a state of its own and raises no event for open → unknown → open', async () => {
    const { hal, states, eventTypes, clear } = await started(controllerScenario());
    hal.setDoor('open');
    await vi.advanceTimersByTimeAsync(100);
    clear();

    hal.setDoor('unknown');
    await vi.advanceTimersByTimeAsync(100);
    hal.setDoor('open');
    await vi.advanceTimersByTimeAsync(100);

    expect(states().map((s) => s.door)).toEqual(['unknown', 'open']);
    expect(eventTypes()).toEqual([]);
  });

  it('marks an opening during a legitimate open as legitimate', async () => {
    const { hal, controller, events } = await started(controllerScenario());
    controller.execute(verifiedCommand('open'));
    await vi.advanceTimersByTimeAsync(800);
    hal.setDoor('open');
    await vi.advanceTimersByTimeAsync(50);

    expect(events()).toContainEqual(expect.objectContaining({ type: 'door_opened', legitimate: true }));
  });
});

describe('open confirmation (SPEC §2: opened or open_not_confirmed)', () => {
  it('reports opened as soon as the door opens within the window', async () => {
    const { hal, controller, eventsOf } = await started(controllerScenario());
    const command = verifiedCommand('open');
    controller.execute(command);
    await vi.advanceTimersByTimeAsync(1_200);

    hal.setDoor('open');
    await vi.advanceTimersByTimeAsync(50);

    expect(eventsOf('open_result')).toMatchObject([{ commandId: command.id, result: 'opened' }]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(eventsOf('open_result')).toHaveLength(1);
  });

  it('reports open_not_confirmed when the door stays shut for the whole 5 s window', async () => {
    const { controller, eventsOf } = await started(controllerScenario());
    const command = verifiedCommand('open');
    controller.execute(command);

    await vi.advanceTimersByTimeAsync(4_999);
    expect(eventsOf('open_result')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(eventsOf('open_result')).toMatchObject([{ commandId: command.id, result: 'open_not_confirmed' }]);
  });

  it('does not confirm with an opening after the window, but it stays legitimate within the 15 s grace', async () => {
    const { hal, controller, events } = await started(controllerScenario());
    controller.execute(verifiedCommand('open'));
    await vi.advanceTimersByTimeAsync(6_000);
    hal.setDoor('open');
    await vi.advanceTimersByTimeAsync(50);

    expect(events().map((e) => (e.type === 'open_result' ? e.result : e.type))).toEqual([
      'open_not_confirmed',
      'door_opened',
    ]);
    expect(events().at(-1)).toMatchObject({ type: 'door_opened', legitimate: true });
  });
});

describe('demo locker (controller with the auto-person)', () => {
  it('opens, sees the person open and close the door, and confirms the opening', async () => {
    const { hal, controller, events, states } = await started(
      controllerScenario(new SimulatedHal({ autoPerson: true })),
    );
    const command = verifiedCommand('open');

    controller.execute(command);
    await vi.advanceTimersByTimeAsync(10_000);

    expect(events()).toMatchObject([
      { type: 'door_opened', legitimate: true },
      { type: 'open_result', commandId: command.id, result: 'opened' },
      { type: 'door_closed' },
    ]);
    // Person pushes at 0.8 s and closes 3 s later, just before the strike locks again at 4 s.
    expect(states().map((s) => `${s.lock}/${s.door}`)).toEqual([
      'unlocked/closed',
      'unlocked/open',
      'unlocked/closed',
      'locked/closed',
    ]);
    expect(hal.relayEnergised).toBe(false);
  });
});

describe('other commands', () => {
  it('answers report_state with a fresh state', async () => {
    const { controller, states } = await started(controllerScenario());

    expect(controller.execute(verifiedCommand('report_state'))).toEqual({ outcome: 'accepted' });

    expect(states()).toHaveLength(1);
  });

  it('accepts reset_lockdown with no lockdown in force and says so in a fresh state (SPEC §11.2)', async () => {
    const { controller, states, eventTypes } = await started(controllerScenario());

    expect(controller.execute(verifiedCommand('reset_lockdown'))).toEqual({ outcome: 'accepted' });

    expect(states()).toMatchObject([{ lockdown: { active: false, until: null } }]);
    expect(eventTypes()).toEqual([]);
  });

  it('stamps every message with a strictly increasing seq', async () => {
    const { hal, controller, sent } = await started(controllerScenario());
    controller.execute(verifiedCommand('open'));
    await vi.advanceTimersByTimeAsync(900);
    hal.setDoor('open');
    await vi.advanceTimersByTimeAsync(5_000);

    const seqs = sent.map((m) => m.message.seq);
    expect(seqs.length).toBeGreaterThan(4);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
  });
});
