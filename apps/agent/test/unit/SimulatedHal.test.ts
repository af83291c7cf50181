import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SimulatedHal } from '../../src/hal/SimulatedHal';

const dirs: string[] = [];
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
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

  it('distance sensor: empty locker, object present, a raw distance, no echo', async () => {
    const hal = new SimulatedHal({ emptyDistanceCm: 40, objectDistanceCm: 10 });
    expect(await hal.readDistanceCm()).toBe(40);
    expect(hal.objectPresent).toBe(false);
    hal.setObjectPresent(true);
    expect(await hal.readDistanceCm()).toBe(10);
    expect(hal.objectPresent).toBe(true);
    hal.setDistanceCm(250);
    expect(await hal.readDistanceCm()).toBe(250);
    hal.setDistanceCm(null);
    expect(await hal.readDistanceCm()).toBeNull();
  });

  it('distance sensor: injected readings come first, in order, then the steady value', async () => {
    const hal = new SimulatedHal();
    hal.injectDistanceReadings(0.5, null, 900);
    expect(hal.snapshot().pendingReadings).toBe(3);
    const readings = [];
    for (let i = 0; i < 4; i++) readings.push(await hal.readDistanceCm());
    expect(readings).toEqual([0.5, null, 900, 45]);
  });

  it('distance sensor: relay interference gives outliers only while the relay is energised', async () => {
    const hal = new SimulatedHal({ relayInterference: true });
    expect(await hal.readDistanceCm()).toBe(45);
    hal.setRelay(true);
    const during = [await hal.readDistanceCm(), await hal.readDistanceCm()];
    expect(during.every((cm) => cm !== null && (cm < 1 || cm > 200))).toBe(true);
    hal.setRelay(false);
    expect(await hal.readDistanceCm()).toBe(45);
  });

  it('badge reader: presentBadge hands the UID to listeners in upper-case hex', () => {
    const hal = new SimulatedHal();
    const seen: string[] = [];
    const off = hal.onBadge((uid) => seen.push(uid));
    hal.presentBadge('04:a1:b2:c3');
    off();
    hal.presentBadge('04FFFFFF');
    expect(seen).toEqual(['04A1B2C3']);
    expect(() => hal.presentBadge('xyz!')).toThrow(/hex/);
  });

  it('persistPath: a restarted process finds the relay, door and distance the killed one left', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-hal-'));
    dirs.push(dir);
    const path = join(dir, 'hardware.json');
    const before = new SimulatedHal({ persistPath: path });
    before.setRelay(true);
    before.setDoor('open');
    before.setObjectPresent(true);

    const after = new SimulatedHal({ persistPath: path });
    expect(after.snapshot()).toMatchObject({ relayEnergised: true, door: 'open', distanceCm: 12 });
    after.setRelay(false);
    expect(new SimulatedHal({ persistPath: path }).relayEnergised).toBe(false);
  });
});
