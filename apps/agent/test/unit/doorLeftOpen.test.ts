import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SimulatedHal } from '../../src/hal/SimulatedHal';
import { DoorLeftOpenWatch } from '../../src/rules/DoorLeftOpenWatch';
import { controllerScenario, verifiedCommand } from './controllerHarness';

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2025-03-01T08:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

/** A legitimate open, then the door stays open: the scenario of SPEC §11.4's alert storm. */
async function doorLeftOpen(options: Parameters<typeof controllerScenario>[1] = {}) {
  const scenario = controllerScenario(new SimulatedHal({ edgeEvents: false }), options);
  scenario.controller.start();
  await vi.advanceTimersByTimeAsync(100);
  scenario.controller.execute(verifiedCommand('open'));
  scenario.hal.setDoor('open');
  // Seen at the next 500 ms sample, committed 50 ms later: the door counts as open from then on.
  await vi.advanceTimersByTimeAsync(450);
  scenario.clear();
  return scenario;
}

describe('door left open (SPEC §2: 60 s, then every 30 s, at most 3, then one escalation; §11.4)', () => {
  it('reminds at 60, 90 and 120 s, escalates once at 150 s, then starts the cycle again', async () => {
    const { eventsOf } = await doorLeftOpen();

    await vi.advanceTimersByTimeAsync(59_999);
    expect(eventsOf('door_left_open')).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(eventsOf('door_left_open')).toMatchObject([{ openForS: 60, reminder: 1, escalated: false }]);

    await vi.advanceTimersByTimeAsync(90_000);
    expect(eventsOf('door_left_open')).toEqual([
      expect.objectContaining({ openForS: 60, reminder: 1, escalated: false }),
      expect.objectContaining({ openForS: 90, reminder: 2, escalated: false }),
      expect.objectContaining({ openForS: 120, reminder: 3, escalated: false }),
      expect.objectContaining({ openForS: 150, reminder: 3, escalated: true }),
    ]);

    // The timer restarts after the escalation: the next reminder is 60 s later, not 30.
    await vi.advanceTimersByTimeAsync(59_999);
    expect(eventsOf('door_left_open')).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(1);
    expect(eventsOf('door_left_open').at(-1)).toMatchObject({ openForS: 210, reminder: 1, escalated: false });
  });

  it('never sends an alert per 500 ms sample: 16 alerts in 10 min, 4 of them escalations', async () => {
    const { eventsOf, events, controller } = await doorLeftOpen();

    await vi.advanceTimersByTimeAsync(10 * 60_000);

    const alerts = eventsOf('door_left_open');
    expect(alerts).toHaveLength(16);
    expect(alerts.filter((a) => a.escalated).map((a) => a.openForS)).toEqual([150, 300, 450, 600]);
    // Nothing else was said in those 10 min: no door event, no state per sample.
    expect(events()).toHaveLength(16);
    expect(controller.counters.alerts).toBe(16);
  });

  it('stops reminding as soon as the door closes, and starts from zero the next time', async () => {
    const { hal, eventsOf } = await doorLeftOpen();
    await vi.advanceTimersByTimeAsync(95_000);
    expect(eventsOf('door_left_open')).toHaveLength(2);

    hal.setDoor('closed');
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(eventsOf('door_left_open')).toHaveLength(2);

    hal.setDoor('open');
    await vi.advanceTimersByTimeAsync(500 + 50 + 60_000);
    expect(eventsOf('door_left_open').at(-1)).toMatchObject({ openForS: 60, reminder: 1 });
  });

  it('watches a door found open at start-up', async () => {
    const { controller, eventsOf } = controllerScenario(new SimulatedHal({ initialDoor: 'open' }));
    controller.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(eventsOf('door_left_open')).toMatchObject([{ openForS: 60, reminder: 1, escalated: false }]);
  });

  it('takes its cadence from the configuration', async () => {
    const { eventsOf } = await doorLeftOpen({
      timings: { doorLeftOpenFirstMs: 10_000, doorLeftOpenEveryMs: 5_000 },
      rules: { doorLeftOpenMaxReminders: 1 },
    });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(eventsOf('door_left_open').map((a) => [a.openForS, a.reminder, a.escalated])).toEqual([
      [10, 1, false],
      [15, 1, true],
      [25, 1, false],
      [30, 1, true],
    ]);
  });
});

describe('DoorLeftOpenWatch', () => {
  it('keeps the cadence of the planned instants even when timers fire late', () => {
    let now = 0;
    const alerts: number[] = [];
    const watch = new DoorLeftOpenWatch({
      firstMs: 60_000,
      everyMs: 30_000,
      maxReminders: 3,
      now: () => now,
      onAlert: (alert) => alerts.push(alert.openForS),
    });
    watch.doorOpened(0);
    // A busy event loop runs the timer 700 ms late; the next deadline is still 90 s, not 90.7 s.
    now = 60_700;
    vi.advanceTimersByTime(60_700);
    now = 90_000;
    vi.advanceTimersByTime(29_300);
    expect(alerts).toEqual([60, 90]);
    watch.stop();
  });
});
