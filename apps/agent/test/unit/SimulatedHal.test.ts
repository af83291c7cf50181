import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SimulatedHal } from '../../src/hal/SimulatedHal';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('SimulatedHal', () => {
  it('announces door edges and relay changes to listeners', () => {
    const hal = new SimulatedHal();
    const doors: string[] = [];
    const relays: boolean[] = [];
    hal.onDoorChange((door) => doors.push(door));
    hal.onRelayChange((energised) => relays.push(energised));

    hal.setDoor('open');
    hal.setDoor('open');
    hal.setRelay(true);
    hal.setRelay(false);

    expect(doors).toEqual(['open']);
    expect(relays).toEqual([true, false]);
    expect(hal.relayActivations).toBe(1);
  });

  it('has no person at the door unless asked', async () => {
    const hal = new SimulatedHal();
    hal.setRelay(true);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(hal.door).toBe('closed');
  });

  it('auto-person: opens 800 ms after the relay is energised and closes 3 s later', async () => {
    const hal = new SimulatedHal({ autoPerson: true });
    hal.setRelay(true);

    await vi.advanceTimersByTimeAsync(799);
    expect(hal.door).toBe('closed');
    await vi.advanceTimersByTimeAsync(1);
    expect(hal.door).toBe('open');
    hal.setRelay(false);
    await vi.advanceTimersByTimeAsync(2_999);
    expect(hal.door).toBe('open');
    await vi.advanceTimersByTimeAsync(1);
    expect(hal.door).toBe('closed');
  });

  it('auto-person: cannot push the door once the strike has locked again', async () => {
    const hal = new SimulatedHal({ autoPerson: { autoOpenAfterMs: 5_000 } });
    hal.setRelay(true);
    await vi.advanceTimersByTimeAsync(4_000);
    hal.setRelay(false);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(hal.door).toBe('closed');
  });

  it('close() releases the relay and sends the person home', async () => {
    const hal = new SimulatedHal({ autoPerson: true });
    hal.setRelay(true);
    await hal.close();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(hal.relayEnergised).toBe(false);
    expect(hal.door).toBe('closed');
  });
});
