import type { DoorState } from '@smartlocker/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GpioHalConfig } from '../../../src/config';
import { GpioHal } from '../../../src/hal/gpio/GpioHal';
import { doorFromLevel } from '../../../src/hal/gpio/ReedDoorSensor';
import { FakeMfrc522 } from './fakes/FakeMfrc522';
import { libgpiodWorld, settle, v1Edge, v2Edge } from './fakes/FakeProcessRunner';
import { fakeSpi, gpioHal, thrown } from './halFixture';

afterEach(() => {
  vi.useRealTimers();
});

describe('reed door sensor (SPEC §2: BCM 27, pull-up, closed = contact to ground)', () => {
  it('maps a low line to closed and a high line to open', () => {
    expect(doorFromLevel(0)).toBe('closed');
    expect(doorFromLevel(1)).toBe('open');
  });

  it('reads the level at start with gpioget, then watches both edges with gpiomon (v1)', async () => {
    const { hal, runner } = gpioHal(1);
    expect(runner.syncCalls).toContain('gpioget --bias=pull-up gpiochip0 27');
    expect(hal.readDoor()).toBe('closed');
    expect(runner.monitor(27).argv).toBe('gpiomon --bias=pull-up --line-buffered --format=%o %e %s %n gpiochip0 27');
    await hal.close();
  });

  it('reads an open door at start on v2', async () => {
    const world = libgpiodWorld(2, 1);
    const hal = new GpioHal(GpioHalConfig.parse({ driver: 'gpio', rfid: { enabled: false } }), {
      runner: world.runner,
      spi: fakeSpi(new FakeMfrc522()),
      onFault: () => undefined,
    });
    expect(world.runner.syncCalls).toContain('gpioget --bias=pull-up --consumer=smartlocker --chip=gpiochip0 27');
    expect(hal.readDoor()).toBe('open');
    expect(world.runner.monitor(27).argv).toBe(
      'gpiomon --bias=pull-up --edges=both --format=%o %E %S --consumer=smartlocker --chip=gpiochip0 27',
    );
    await hal.close();
  });

  it('reports every edge raw, bounces included: debouncing is the controller’s rule', async () => {
    for (const [major, edge] of [
      [1, v1Edge],
      [2, v2Edge],
    ] as const) {
      const { hal, runner } = gpioHal(major);
      const seen: DoorState[] = [];
      hal.onDoorChange((door) => seen.push(door));
      const monitor = runner.monitor(27);
      // A door opening: the contact bounces for a few milliseconds.
      monitor.print(edge(27, true, 5_000_000_000n));
      monitor.print(edge(27, false, 5_000_300_000n));
      monitor.print(edge(27, true, 5_000_900_000n));
      expect(seen).toEqual(['open', 'closed', 'open']);
      expect(hal.readDoor()).toBe('open');
      // Not an edge, or not this line: ignored.
      monitor.print('gpiomon: some warning');
      monitor.print(edge(26, false, 5_001_000_000n));
      expect(hal.readDoor()).toBe('open');
      monitor.print(edge(27, false, 9_000_000_000n));
      expect(seen).toEqual(['open', 'closed', 'open', 'closed']);
      await hal.close();
    }
  });

  it('stops telling a listener that unsubscribed', async () => {
    const { hal, runner } = gpioHal(2);
    const seen: DoorState[] = [];
    const unsubscribe = hal.onDoorChange((door) => seen.push(door));
    runner.monitor(27).print(v2Edge(27, true, 1n));
    unsubscribe();
    runner.monitor(27).print(v2Edge(27, false, 2n));
    expect(seen).toEqual(['open']);
    await hal.close();
  });

  it('is unknown while gpiomon is down, then re-reads the level and watches again', async () => {
    vi.useFakeTimers();
    const fixture = gpioHal(2);
    const { hal, runner, faults } = fixture;
    const seen: DoorState[] = [];
    hal.onDoorChange((door) => seen.push(door));
    runner.monitor(27).exit(1, null, 'gpiomon: error waiting for events: No such device');
    expect(hal.readDoor()).toBe('unknown');
    expect(seen).toEqual(['unknown']);
    expect(faults.map((fault) => fault.message)).toEqual([
      expect.stringContaining('watching the door sensor (BCM 27) with gpiomon failed (exit code 1'),
    ]);
    fixture.level = 1;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(hal.readDoor()).toBe('open');
    expect(seen).toEqual(['unknown', 'open']);
    expect(
      runner.spawned.filter((process) => process.command === 'gpiomon' && process.args.includes('27')),
    ).toHaveLength(2);
    expect(runner.monitor(27).exited).toBe(false);
    await hal.close();
  });

  it('refuses to start, saying why, when the line cannot be read; the relay line is freed again', async () => {
    const world = libgpiodWorld(2);
    const answer = world.runner.sync;
    world.runner.sync = (command, args) =>
      command === 'gpioget'
        ? { status: 1, stdout: '', stderr: "gpioget: unable to open chip '/dev/gpiochip0': Permission denied" }
        : answer(command, args);
    const error = thrown(
      () =>
        new GpioHal(GpioHalConfig.parse({ driver: 'gpio', rfid: { enabled: false } }), {
          runner: world.runner,
          spi: fakeSpi(new FakeMfrc522()),
          onFault: () => undefined,
        }),
    );
    expect(error.code).toBe('hal_driver_unavailable');
    expect(error.message).toContain('reading the door sensor (BCM 27) with gpioget failed');
    expect(error.message).toContain('add it to the gpio group');
    await settle();
    expect(world.runner.running).toEqual([]);
    expect(world.runner.syncCalls.at(-1)).toBe('gpioset --toggle=0 --consumer=smartlocker --chip=gpiochip0 17=0');
  });
});
