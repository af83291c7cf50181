import type { DoorState } from '@smartlocker/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SimulatedHal } from '../../src/hal/SimulatedHal';
import { controllerScenario, verifiedCommand } from './controllerHarness';

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2025-03-01T08:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('relay (SPEC §2: energised 4 s, then always released)', () => {
  it('forces the relay off when the controller is built, whatever the last run left', () => {
    const hal = new SimulatedHal();
    hal.setRelay(true);
    const { controller, states } = controllerScenario(hal);
    controller.start();
    expect(hal.relayEnergised).toBe(false);
    expect(states()).toMatchObject([{ lock: 'locked', door: 'closed', lockdown: { active: false, until: null } }]);
  });

  it('energises for exactly relayPulseMs, then releases', async () => {
    const { hal, controller, states, acks, clear } = controllerScenario();
    controller.start();
    clear();
    const command = verifiedCommand('open');

    controller.execute(command);
    expect(hal.relayEnergised).toBe(true);
    expect(acks()).toMatchObject([{ commandId: command.id, commandType: 'open', outcome: 'accepted' }]);
    expect(states().map((s) => s.lock)).toEqual(['unlocked']);

    await vi.advanceTimersByTimeAsync(3_999);
    expect(hal.relayEnergised).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    expect(hal.relayEnergised).toBe(false);
    expect(states().map((s) => s.lock)).toEqual(['unlocked', 'locked']);
    expect(controller.counters).toEqual({ opens: 1, relayCycles: 1, alerts: 0 });
  });

  it('releases at once and refuses with hardware_error when the driver throws while energising', async () => {
    class FaultyRelayHal extends SimulatedHal {
      override setRelay(energised: boolean): void {
        super.setRelay(energised);
        if (energised) throw new Error('GPIO write-back mismatch');
      }
    }
    const hal = new FaultyRelayHal();
    const { controller, acks, states } = controllerScenario(hal);
    controller.start();
    const command = verifiedCommand('open');

    controller.execute(command);
    await vi.advanceTimersByTimeAsync(0);

    expect(hal.relayActivations).toBe(1);
    expect(hal.relayEnergised).toBe(false);
    expect(acks()).toMatchObject([{ commandId: command.id, outcome: 'refused', reason: 'hardware_error' }]);
    expect(states().at(-1)?.lock).toBe('locked');
    expect(controller.pulseInProgress).toBe(false);
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
    const { controller, states } = controllerScenario(hal);
    controller.start();
    controller.execute(verifiedCommand('open'));
    await vi.advanceTimersByTimeAsync(1_000);
    hal.failing = true;

    await vi.advanceTimersByTimeAsync(3_000);
    expect(hal.relayEnergised).toBe(false);
    expect(states().at(-1)).toMatchObject({ lock: 'locked', door: 'unknown' });
  });

  it('releases immediately when stopped mid-pulse', async () => {
    const { hal, controller, states } = controllerScenario();
    controller.start();
    controller.execute(verifiedCommand('open'));
    await vi.advanceTimersByTimeAsync(1_000);

    await controller.stop();
    expect(hal.relayEnergised).toBe(false);
    expect(states().at(-1)?.lock).toBe('locked');
  });

  it('refuses a second open during the pulse with busy, without stretching the pulse', async () => {
    const { hal, controller, acks } = controllerScenario();
    controller.start();
    const first = verifiedCommand('open');
    const second = verifiedCommand('open');

    controller.execute(first);
    await vi.advanceTimersByTimeAsync(2_000);
    controller.execute(second);
    await vi.advanceTimersByTimeAsync(2_000);

    expect(hal.relayEnergised).toBe(false);
    expect(hal.relayActivations).toBe(1);
    expect(acks()).toMatchObject([
      { commandId: first.id, outcome: 'accepted' },
      { commandId: second.id, outcome: 'refused', reason: 'busy' },
    ]);
  });

  it('accepts a new open once the previous pulse has ended', async () => {
    const { hal, controller, acks } = controllerScenario();
    controller.start();
    controller.execute(verifiedCommand('open'));
    await vi.advanceTimersByTimeAsync(4_000);
    controller.execute(verifiedCommand('open'));

    expect(hal.relayEnergised).toBe(true);
    expect(acks().map((a) => a.outcome)).toEqual(['accepted', 'accepted']);
  });
});

describe('door sensor (SPEC §2 sampling, §11.4 no message per sample)', () => {
  it.each([
    { edgeEvents: true, label: 'announced by edges' },
    { edgeEvents: false, label: 'seen only by sampling' },
  ])('publishes one state and one event per change when changes are $label', async ({ edgeEvents }) => {
    const hal = new SimulatedHal({ edgeEvents });
    const { controller, states, events, clear } = controllerScenario(hal);
    controller.start();
    clear();

    hal.setDoor('open');
    await vi.advanceTimersByTimeAsync(10_000);
    hal.setDoor('closed');
    await vi.advanceTimersByTimeAsync(10_000);

    expect(states().map((s) => s.door)).toEqual(['open', 'closed']);
    expect(events()).toMatchObject([{ type: 'door_opened', legitimate: false }, { type: 'door_closed' }]);
  });

  it('reports unknown as a state of its own and raises no event for open → unknown → open', async () => {
    const { hal, controller, states, eventTypes, clear } = controllerScenario();
    controller.start();
    hal.setDoor('open');
    clear();

    hal.setDoor('unknown');
    hal.setDoor('open');
    await vi.advanceTimersByTimeAsync(2_000);

    expect(states().map((s) => s.door)).toEqual(['unknown', 'open']);
    expect(eventTypes()).toEqual([]);
  });

  it('marks an opening during a legitimate open as legitimate', async () => {
    const { hal, controller, events } = controllerScenario();
    controller.start();
    controller.execute(verifiedCommand('open'));
    await vi.advanceTimersByTimeAsync(800);
    hal.setDoor('open');

    expect(events()).toContainEqual(expect.objectContaining({ type: 'door_opened', legitimate: true }));
  });
});

describe('open confirmation (SPEC §2: opened or open_not_confirmed)', () => {
  it('reports opened as soon as the door opens within the window', async () => {
    const { hal, controller, events } = controllerScenario();
    controller.start();
    const command = verifiedCommand('open');
    controller.execute(command);
    await vi.advanceTimersByTimeAsync(1_200);

    hal.setDoor('open');

    expect(events().filter((e) => e.type === 'open_result')).toMatchObject([
      { type: 'open_result', commandId: command.id, result: 'opened' },
    ]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(events().filter((e) => e.type === 'open_result')).toHaveLength(1);
  });

  it('reports open_not_confirmed when the door stays shut for the whole window', async () => {
    const { controller, events } = controllerScenario();
    controller.start();
    const command = verifiedCommand('open');
    controller.execute(command);

    await vi.advanceTimersByTimeAsync(4_999);
    expect(events()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(events()).toMatchObject([{ type: 'open_result', commandId: command.id, result: 'open_not_confirmed' }]);
  });

  it('does not confirm with an opening that comes after the window', async () => {
    const { hal, controller, events } = controllerScenario();
    controller.start();
    controller.execute(verifiedCommand('open'));
    await vi.advanceTimersByTimeAsync(6_000);
    hal.setDoor('open');

    expect(events().map((e) => (e.type === 'open_result' ? e.result : e.type))).toEqual([
      'open_not_confirmed',
      'door_opened',
    ]);
    expect(events().at(-1)).toMatchObject({ type: 'door_opened', legitimate: false });
  });
});

describe('demo locker (controller with the auto-person)', () => {
  it('opens, sees the person open and close the door, and confirms the opening', async () => {
    const { hal, controller, events, states } = controllerScenario(new SimulatedHal({ autoPerson: true }));
    controller.start();
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
      'locked/closed',
      'unlocked/closed',
      'unlocked/open',
      'unlocked/closed',
      'locked/closed',
    ]);
    expect(hal.relayEnergised).toBe(false);
  });
});

describe('other commands', () => {
  it('answers report_state with an ack and a fresh state', () => {
    const { controller, acks, states, clear } = controllerScenario();
    controller.start();
    clear();
    const command = verifiedCommand('report_state');

    controller.execute(command);

    expect(acks()).toMatchObject([{ commandId: command.id, commandType: 'report_state', outcome: 'accepted' }]);
    expect(states()).toHaveLength(1);
  });

  it('accepts reset_lockdown and reports no lockdown (lockdown itself comes later)', () => {
    const { controller, acks, states, clear } = controllerScenario();
    controller.start();
    clear();

    controller.execute(verifiedCommand('reset_lockdown'));

    expect(acks()).toMatchObject([{ commandType: 'reset_lockdown', outcome: 'accepted' }]);
    expect(states()).toMatchObject([{ lockdown: { active: false, until: null } }]);
  });

  it('acknowledges a refusal handed over by the verifier', () => {
    const { hal, controller, acks } = controllerScenario();
    controller.start();
    const command = verifiedCommand('open');

    controller.refuse(command, 'bad_signature');

    expect(acks()).toMatchObject([{ commandId: command.id, outcome: 'refused', reason: 'bad_signature' }]);
    expect(hal.relayActivations).toBe(0);
  });

  it('stamps every message with a strictly increasing seq', async () => {
    const { hal, controller, sent } = controllerScenario();
    controller.start();
    controller.execute(verifiedCommand('open'));
    await vi.advanceTimersByTimeAsync(900);
    hal.setDoor('open');
    await vi.advanceTimersByTimeAsync(5_000);

    const seqs = sent.map((m) => m.message.seq);
    expect(seqs.length).toBeGreaterThan(5);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
  });
});
