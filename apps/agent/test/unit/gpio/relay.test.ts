import { afterEach, describe, expect, it, vi } from 'vitest';
import { settle } from './fakes/FakeProcessRunner';
import { gpioHal, thrown } from './halFixture';

afterEach(() => {
  vi.useRealTimers();
});

describe('relay on libgpiod v1 (SPEC §2: BCM 17, active high, initially off)', () => {
  it('holds the line released from start-up, then switches holders to energise and release', async () => {
    const { hal, runner } = gpioHal(1);
    const released = runner.last('17=0');
    expect(released.argv).toBe('gpioset --mode=signal gpiochip0 17=0');
    expect(released.exited).toBe(false);

    hal.setRelay(true);
    // The released holder is signalled at once; the energised one starts when it has gone.
    expect(released.signals).toEqual(['SIGTERM']);
    await settle();
    const energised = runner.last('17=1');
    expect(energised.argv).toBe('gpioset --mode=signal gpiochip0 17=1');
    expect(released.exited).toBe(true);

    hal.setRelay(false);
    expect(energised.signals).toEqual(['SIGTERM']);
    await settle();
    expect(runner.running.filter((process) => process.command === 'gpioset').map((process) => process.argv)).toEqual([
      'gpioset --mode=signal gpiochip0 17=0',
    ]);
    await hal.close();
  });

  it('drives an active-low module the other way round', async () => {
    const { hal, runner } = gpioHal(1, { relayActiveHigh: false, relayPin: 5 });
    expect(runner.last('gpiochip0 5=').argv).toBe('gpioset --mode=signal gpiochip0 5=1');
    hal.setRelay(true);
    await settle();
    expect(runner.last('gpiochip0 5=').argv).toBe('gpioset --mode=signal gpiochip0 5=0');
    await hal.close();
  });
});

describe('relay on libgpiod v2', () => {
  it('uses the v2 syntax, where gpioset holds the line by default', async () => {
    const { hal, runner } = gpioHal(2);
    expect(runner.last('17=').argv).toBe('gpioset --consumer=smartlocker --chip=gpiochip0 17=0');
    hal.setRelay(true);
    await settle();
    expect(runner.last('17=').argv).toBe('gpioset --consumer=smartlocker --chip=gpiochip0 17=1');
    hal.setRelay(false);
    await settle();
    expect(runner.last('17=').argv).toBe('gpioset --consumer=smartlocker --chip=gpiochip0 17=0');
    await hal.close();
  });

  it('ignores a repeated command instead of restarting the holder', async () => {
    const { hal, runner } = gpioHal(2);
    hal.setRelay(true);
    await settle();
    const count = runner.spawned.length;
    hal.setRelay(true);
    await settle();
    expect(runner.spawned.length).toBe(count);
    await hal.close();
  });

  it('ends on released when release follows energise before the first switch is done', async () => {
    const { hal, runner } = gpioHal(2);
    hal.setRelay(true);
    hal.setRelay(false);
    await settle();
    expect(runner.spawned.filter((process) => process.argv.endsWith('17=1'))).toEqual([]);
    expect(runner.last('17=').argv.endsWith('17=0')).toBe(true);
    expect(runner.last('17=').exited).toBe(false);
    await hal.close();
  });
});

describe('relay release', () => {
  it('on close: stops the holder and writes the released level once more (v1 and v2)', async () => {
    for (const major of [1, 2] as const) {
      const { hal, runner } = gpioHal(major);
      hal.setRelay(true);
      await settle();
      await hal.close();
      expect(runner.running).toEqual([]);
      expect(runner.syncCalls.at(-1)).toBe(
        major === 1
          ? 'gpioset --mode=exit gpiochip0 17=0'
          : 'gpioset --toggle=0 --consumer=smartlocker --chip=gpiochip0 17=0',
      );
      // After close, a release is a no-op and an energise is refused.
      expect(() => hal.setRelay(false)).not.toThrow();
      expect(thrown(() => hal.setRelay(true)).code).toBe('hal_driver_unavailable');
    }
  });

  it('reports relay_release_failed when the holder cannot be signalled', async () => {
    const { hal, runner } = gpioHal(2);
    hal.setRelay(true);
    await settle();
    runner.last('17=1').refuseSignals = true;
    const error = thrown(() => hal.setRelay(false));
    expect(error.code).toBe('relay_release_failed');
    expect(error.message).toContain('could not release the relay (BCM 17)');
    runner.last('17=1').refuseSignals = false;
    runner.last('17=1').exit(0);
    await hal.close();
  });

  it('reports relay_release_failed when the last write on close fails', async () => {
    const { hal, runner } = gpioHal(1);
    const sync = runner.sync;
    runner.sync = (command, args) =>
      args.includes('--mode=exit')
        ? { status: 1, stdout: '', stderr: 'gpioset: error setting the GPIO line values: Input/output error' }
        : sync(command, args);
    await expect(hal.close()).rejects.toMatchObject({ code: 'relay_release_failed' });
  });

  it('kills a holder that ignores SIGTERM, and says so', async () => {
    vi.useFakeTimers();
    const { hal, runner, faults } = gpioHal(2);
    hal.setRelay(true);
    await vi.advanceTimersByTimeAsync(0);
    const energised = runner.last('17=1');
    energised.ignoreSigterm = true;
    hal.setRelay(false);
    await vi.advanceTimersByTimeAsync(999);
    expect(energised.signals).toEqual(['SIGTERM']);
    await vi.advanceTimersByTimeAsync(1);
    expect(energised.signals).toEqual(['SIGTERM', 'SIGKILL']);
    expect(faults.map((fault) => fault.message)).toEqual([
      expect.stringContaining('ignored SIGTERM for 1000 ms; killed it'),
    ]);
    await vi.advanceTimersByTimeAsync(0);
    expect(runner.last('17=').argv.endsWith('17=0')).toBe(true);
    await hal.close();
  });

  it('falls back to released at once when the energised holder dies (line taken by another program)', async () => {
    const { hal, runner, faults } = gpioHal(2);
    hal.setRelay(true);
    await settle();
    runner
      .last('17=1')
      .exit(1, null, 'gpioset: unable to request lines on chip /dev/gpiochip0: Device or resource busy');
    await settle();
    expect(faults).toHaveLength(1);
    expect(faults[0]?.code).toBe('hal_driver_unavailable');
    expect(faults[0]?.message).toContain('holding the relay (BCM 17) at 1 failed (exit code 1');
    expect(faults[0]?.message).toContain('gpioinfo');
    const holder = runner.last('17=');
    expect(holder.argv.endsWith('17=0')).toBe(true);
    expect(holder.exited).toBe(false);
    await hal.close();
  });

  it('retries holding the released level with back-off while it keeps failing', async () => {
    vi.useFakeTimers();
    const { hal, runner, faults } = gpioHal(2);
    runner.last('17=0').exit(1, null, 'gpioset: unable to request lines: Device or resource busy');
    await vi.advanceTimersByTimeAsync(999);
    expect(runner.spawned.filter((process) => process.argv.endsWith('17=0'))).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(runner.spawned.filter((process) => process.argv.endsWith('17=0'))).toHaveLength(2);
    runner.last('17=0').exit(1, null, 'busy');
    await vi.advanceTimersByTimeAsync(1_999);
    expect(runner.spawned.filter((process) => process.argv.endsWith('17=0'))).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(runner.spawned.filter((process) => process.argv.endsWith('17=0'))).toHaveLength(3);
    expect(faults).toHaveLength(2);
    await hal.close();
  });

  it('signals every tool at once when the process exits without close() (crash path)', async () => {
    const { hal, runner } = gpioHal(2, { rfid: { enabled: true } });
    const exitListeners = process.listenerCount('exit');
    hal.setRelay(true);
    await settle();
    const running = runner.running;
    expect(running.map((tool) => tool.argv)).toEqual([
      expect.stringContaining('gpiomon'),
      expect.stringContaining('gpiomon'),
      expect.stringContaining('25=1'),
      expect.stringContaining('17=1'),
    ]);
    hal.killToolsNow();
    expect(running.every((tool) => tool.signals.includes('SIGTERM'))).toBe(true);
    await hal.close();
    expect(process.listenerCount('exit')).toBe(exitListeners - 1);
  });
});
