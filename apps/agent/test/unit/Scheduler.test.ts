import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Controller } from '../../src/Controller';
import { DeviceEnvelopeFactory, type OutboundMessage } from '../../src/DeviceEnvelope';
import { SimulatedHal } from '../../src/hal/SimulatedHal';
import { ManualScheduler } from '../../src/Scheduler';
import { LOCKER_ID, RULES, TIMINGS } from './controllerHarness';

describe('ManualScheduler', () => {
  it('fires each timer at its own instant, in time order, and the clock reads that instant inside', () => {
    const scheduler = new ManualScheduler(1_000);
    const fired: [string, number][] = [];
    scheduler.setTimeout(() => fired.push(['b', scheduler.now()]), 300);
    scheduler.setTimeout(() => fired.push(['a', scheduler.now()]), 100);
    scheduler.setTimeout(() => fired.push(['c', scheduler.now()]), 100);
    scheduler.advance(250);
    expect(fired).toEqual([
      ['a', 1_100],
      ['c', 1_100],
    ]);
    expect(scheduler.now()).toBe(1_250);
    scheduler.advance(50);
    expect(fired.at(-1)).toEqual(['b', 1_300]);
    expect(scheduler.pending).toBe(0);
  });

  it('repeats intervals, runs timers set by callbacks within the same advance, and forgets cleared ones', () => {
    const scheduler = new ManualScheduler(0);
    const ticks: number[] = [];
    const interval = scheduler.setInterval(() => ticks.push(scheduler.now()), 30);
    const chained: number[] = [];
    scheduler.setTimeout(() => {
      chained.push(scheduler.now());
      scheduler.setTimeout(() => chained.push(scheduler.now()), 10);
    }, 45);
    const cancelled = scheduler.setTimeout(() => chained.push(-1), 50);
    scheduler.clear(cancelled);
    scheduler.advance(100);
    expect(ticks).toEqual([30, 60, 90]);
    expect(chained).toEqual([45, 55]);
    scheduler.clear(interval);
    scheduler.advance(100);
    expect(ticks).toHaveLength(3);
  });

  it('lets a whole controller run on it: a 4 s pulse ends when the clock has moved 4 s, not before', () => {
    const scheduler = new ManualScheduler(Date.UTC(2026, 11, 1, 9));
    const hal = new SimulatedHal({ scheduler });
    const published: OutboundMessage[] = [];
    let seq = 0;
    const controller = new Controller({
      hal,
      lockerId: LOCKER_ID,
      envelopes: new DeviceEnvelopeFactory(LOCKER_ID, { next: () => ++seq }, () => hal.now()),
      timings: TIMINGS,
      rules: RULES,
      publish: (outbound) => published.push(outbound),
      logger: pino({ level: 'silent' }),
      stateDir: null,
      badges: null,
      scheduler,
    });
    controller.start();
    controller.execute({
      v: 1,
      id: 'cmd-manual-0001',
      lockerId: LOCKER_ID,
      ts: scheduler.now(),
      type: 'open',
      issuedAt: scheduler.now(),
      expiresAt: scheduler.now() + 8_000,
      sig: 'x'.repeat(86),
    });
    expect(hal.relayEnergised).toBe(true);
    scheduler.advance(3_999);
    expect(hal.relayEnergised).toBe(true);
    scheduler.advance(1);
    expect(hal.relayEnergised).toBe(false);
    // Nobody opened the door: the confirmation window (5 s from the pulse) reports it.
    scheduler.advance(1_000);
    const results = published.filter((o) => o.channel === 'event').map((o) => o.message);
    expect(results).toMatchObject([
      { type: 'open_result', result: 'open_not_confirmed', ts: Date.UTC(2026, 11, 1, 9, 0, 5) },
    ]);
    void controller.stop();
  });
});
