import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SimulatedHal } from '../../src/hal/SimulatedHal';
import { PresenceMonitor, type PresenceReading } from '../../src/sensors/PresenceMonitor';
import { controllerScenario, RULES, TIMINGS, verifiedCommand } from './controllerHarness';

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2025-03-01T08:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

/** A presence monitor on its own, with a logger that records what it says. */
function monitorOf(hal: SimulatedHal) {
  const logs: { level: string; msg: string; outliers?: number[] }[] = [];
  const logger = pino(
    { level: 'debug' },
    {
      write: (line: string) => {
        const entry = JSON.parse(line) as { level: number; msg: string; outliers?: number[] };
        logs.push({ level: pino.levels.labels[entry.level] ?? '', msg: entry.msg, outliers: entry.outliers });
      },
    },
  );
  const readings: { reading: PresenceReading; changed: boolean }[] = [];
  const monitor = new PresenceMonitor({
    hal,
    rules: RULES,
    timings: TIMINGS,
    logger,
    onReading: (reading, changed) => readings.push({ reading, changed }),
  });
  monitor.start();
  /** One reading, with the fake clock moved past its burst of samples. */
  const measure = async (): Promise<void> => {
    const done = monitor.measure();
    await vi.advanceTimersByTimeAsync(300);
    await done;
  };
  return { monitor, readings, logs, measure };
}

describe('distance filtering (SPEC §2: outside 1–200 cm discarded and logged; §11.3)', () => {
  it('drops and logs outliers, and keeps the median of the valid samples', async () => {
    const hal = new SimulatedHal();
    const { monitor, readings, logs, measure } = monitorOf(hal);
    hal.injectDistanceReadings(0.4, 24, 250, 26, 25);

    await measure();

    expect(readings).toEqual([{ reading: { distanceCm: 25, objectPresent: true }, changed: true }]);
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: 'dropped out-of-range distance samples', outliers: [0.4, 250] }),
    );
    monitor.stop();
  });

  it('accepts the bounds themselves: 1 cm and 200 cm are valid', async () => {
    const hal = new SimulatedHal();
    const { monitor, readings, measure } = monitorOf(hal);
    hal.injectDistanceReadings(1, 1, 1, 200, 200);
    await measure();
    expect(readings[0]?.reading.distanceCm).toBe(1);
    monitor.stop();
  });

  it('keeps the previous verdict when the valid samples are not a majority (one burst of interference)', async () => {
    const hal = new SimulatedHal({ initialObjectPresent: true });
    const { monitor, readings, measure } = monitorOf(hal);
    await measure();
    hal.injectDistanceReadings(0.3, 0.4, 312, 12, null);

    await measure();

    expect(readings).toHaveLength(1);
    expect(monitor.latest).toEqual({ distanceCm: 12, objectPresent: true });
    monitor.stop();
  });

  it('reports unknown (null) after 3 readings in a row without a valid median: a sensor fault', async () => {
    const hal = new SimulatedHal();
    hal.setDistanceCm(null);
    const { monitor, readings, measure } = monitorOf(hal);
    for (let i = 0; i < 2; i++) await measure();
    expect(readings).toEqual([]);
    await measure();
    expect(readings).toEqual([{ reading: { distanceCm: null, objectPresent: null }, changed: false }]);
    monitor.stop();
  });

  it('is not fooled by relay interference during a pulse (the seed bug)', async () => {
    const hal = new SimulatedHal({ relayInterference: true, initialObjectPresent: false });
    const { monitor, measure } = monitorOf(hal);
    await measure();
    hal.setRelay(true);
    await measure();
    expect(monitor.latest).toEqual({ distanceCm: 45, objectPresent: false });
    monitor.stop();
  });

  it('takes 5 samples 60 ms apart per reading, one reading per second', async () => {
    const hal = new SimulatedHal();
    const read = vi.spyOn(hal, 'readDistanceCm');
    const { monitor } = monitorOf(hal);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(read).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(240);
    expect(read).toHaveBeenCalledTimes(5);
    await vi.advanceTimersByTimeAsync(760);
    expect(read).toHaveBeenCalledTimes(6);
    monitor.stop();
  });
});

describe('presence (SPEC §2: object present under 30 cm, published every 10 s while the door is closed)', () => {
  async function started(hal = new SimulatedHal()) {
    const scenario = controllerScenario(hal);
    scenario.controller.start();
    await vi.advanceTimersByTimeAsync(500);
    return scenario;
  }

  it('publishes the first reading at once, in presence and in the state', async () => {
    const { presences, states } = await started(new SimulatedHal({ initialObjectPresent: true }));
    expect(presences()).toMatchObject([{ distanceCm: 12, objectPresent: true }]);
    expect(states().at(-1)).toMatchObject({ objectPresent: true, distanceCm: 12 });
  });

  it('says present below 30 cm and absent from 30 cm', async () => {
    const hal = new SimulatedHal();
    hal.setDistanceCm(29.9);
    const { presences } = await started(hal);
    expect(presences().at(-1)).toMatchObject({ objectPresent: true });
    hal.setDistanceCm(30);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(presences().at(-1)).toMatchObject({ distanceCm: 30, objectPresent: false });
  });

  it('publishes every 10 s while the door is closed, and nothing more while nothing changes', async () => {
    const { presences, states, clear } = await started();
    clear();

    await vi.advanceTimersByTimeAsync(60_000);

    expect(presences()).toHaveLength(6);
    expect(new Set(presences().map((p) => p.objectPresent))).toEqual(new Set([false]));
    expect(states()).toEqual([]);
  });

  it('publishes at once when an object is put in, with a new state, not waiting for the 10 s', async () => {
    const { hal, presences, states, clear } = await started();
    await vi.advanceTimersByTimeAsync(2_000);
    clear();

    hal.setObjectPresent(true);
    await vi.advanceTimersByTimeAsync(1_000);

    expect(presences()).toMatchObject([{ distanceCm: 12, objectPresent: true }]);
    expect(states()).toMatchObject([{ objectPresent: true, distanceCm: 12 }]);
  });

  it('publishes nothing while the door is open, and measures again as soon as it closes', async () => {
    const { hal, controller, presences, clear } = await started();
    controller.execute(verifiedCommand('open'));
    hal.setDoor('open');
    await vi.advanceTimersByTimeAsync(100);
    clear();

    hal.setObjectPresent(true);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(presences()).toEqual([]);

    hal.setDoor('closed');
    await vi.advanceTimersByTimeAsync(50 + 300);
    expect(presences()).toMatchObject([{ objectPresent: true }]);
  });
});
