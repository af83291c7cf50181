import { describe, expect, it } from 'vitest';
import { echoToCentimetres } from '../../../src/hal/gpio/Hcsr04';
import { type FakeProcess, settle, v1Edge, v2Edge } from './fakes/FakeProcessRunner';
import { gpioHal } from './halFixture';

const ECHO = 24;

/** The last command of a trigger pulse (v1: the write back to 0; v2: the toggling gpioset). */
function endsPulse(process: FakeProcess): boolean {
  return process.command === 'gpioset' && (process.args.includes('--toggle=10us,0') || process.argv.endsWith('23=0'));
}

/** A fixture whose HC-SR04 answers each trigger with an echo of `echoNs` (or stays silent). */
function ultrasonic(major: 1 | 2, echoNs: bigint | null, wiring: Record<string, unknown> = {}) {
  const fixture = gpioHal(major, { echoTimeoutMs: 30, ...wiring });
  const edge = major === 1 ? v1Edge : v2Edge;
  const autoExit = fixture.runner.onSpawn;
  let clockNs = 1_000_000_000_000n;
  fixture.runner.onSpawn = (process) => {
    if (endsPulse(process) && echoNs !== null) {
      const echo = fixture.runner.monitor(ECHO);
      // The module answers ~0.5 ms after the trigger; the kernel stamps each edge.
      clockNs += 500_000n;
      echo.print(edge(ECHO, true, clockNs));
      clockNs += echoNs;
      echo.print(edge(ECHO, false, clockNs));
      clockNs += 60_000_000n;
    }
    autoExit(process);
  };
  return fixture;
}

describe('HC-SR04 by echo timing (SPEC §2: TRIG 23, ECHO 24, distance = µs × 0.0343 / 2)', () => {
  it('applies the seed formula', () => {
    expect(echoToCentimetres(583_090n)).toBe(10);
    expect(echoToCentimetres(5_830_904n)).toBe(100);
    expect(echoToCentimetres(11_661_808n)).toBe(200);
    expect(echoToCentimetres(2_000_000n)).toBe(34.3);
  });

  it('watches ECHO and pulses TRIG with v1 (pulse, then back to 0) and measures the echo', async () => {
    const { hal, runner } = ultrasonic(1, 583_090n);
    expect(runner.monitor(ECHO).argv).toBe(
      'gpiomon --bias=pull-down --line-buffered --format=%o %e %s %n gpiochip0 24',
    );
    await expect(hal.readDistanceCm()).resolves.toBe(10);
    expect(runner.argvs.filter((argv) => argv.includes('23='))).toEqual([
      'gpioset --mode=time --usec=10 --bias=pull-down gpiochip0 23=1',
      'gpioset --mode=exit --bias=pull-down gpiochip0 23=0',
    ]);
    await hal.close();
  });

  it('does the same with v2 in one gpioset', async () => {
    const { hal, runner } = ultrasonic(2, 5_830_904n);
    await expect(hal.readDistanceCm()).resolves.toBe(100);
    expect(runner.argvs.filter((argv) => argv.includes('23='))).toEqual([
      'gpioset --bias=pull-down --toggle=10us,0 --consumer=smartlocker --chip=gpiochip0 23=1',
    ]);
    await hal.close();
  });

  it('returns outliers as measured: dropping them is the controller’s rule (seed bug 3)', async () => {
    // 38 ms: the HC-SR04's own time-out when nothing reflects, ~650 cm.
    const { hal } = ultrasonic(2, 38_000_000n);
    await expect(hal.readDistanceCm()).resolves.toBe(651.7);
    await hal.close();
  });

  it('returns null when no echo comes back in time', async () => {
    const { hal, runner } = ultrasonic(2, null);
    const started = Date.now();
    await expect(hal.readDistanceCm()).resolves.toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(runner.running.some((process) => process.argv.includes('23='))).toBe(false);
    await hal.close();
  });

  it('ignores edges from before the trigger, and a falling edge without its rising one', async () => {
    const { hal, runner } = ultrasonic(2, null);
    const echo = runner.monitor(ECHO);
    echo.print(v2Edge(ECHO, true, 10_000_000n));
    echo.print(v2Edge(ECHO, false, 10_500_000n));
    const reading = hal.readDistanceCm();
    await settle();
    echo.print(v2Edge(ECHO, false, 20_000_000n));
    await expect(reading).resolves.toBeNull();
    await hal.close();
  });

  it('takes one reading at a time', async () => {
    const { hal, runner } = ultrasonic(2, 583_090n);
    const [first, second] = await Promise.all([hal.readDistanceCm(), hal.readDistanceCm()]);
    expect([first, second]).toEqual([10, 10]);
    expect(runner.argvs.filter((argv) => argv.includes('23=1'))).toHaveLength(2);
    await hal.close();
  });

  it('reports a failing trigger once per failure streak and reads null', async () => {
    const { hal, runner, faults } = ultrasonic(2, 583_090n);
    runner.onSpawn = (process) => {
      if (endsPulse(process))
        queueMicrotask(() => process.exit(1, null, 'gpioset: unable to request lines: Device or resource busy'));
    };
    await expect(hal.readDistanceCm()).resolves.toBeNull();
    await expect(hal.readDistanceCm()).resolves.toBeNull();
    expect(faults.map((fault) => fault.message)).toEqual([
      expect.stringContaining('pulsing the HC-SR04 trigger (BCM 23) failed (exit code 1'),
    ]);
    await hal.close();
  });

  it('reads null without pulsing while the echo watcher is down', async () => {
    const { hal, runner, faults } = ultrasonic(2, 583_090n);
    runner.monitor(ECHO).exit(1, null, 'gpiomon: unable to request lines: Device or resource busy');
    await expect(hal.readDistanceCm()).resolves.toBeNull();
    expect(runner.argvs.some((argv) => argv.includes('23=1'))).toBe(false);
    expect(faults[0]?.message).toContain('watching the HC-SR04 echo (BCM 24) with gpiomon failed');
    await hal.close();
  });
});
