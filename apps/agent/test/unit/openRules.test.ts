import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OpenRateLimiter } from '../../src/rules/OpenRateLimiter';
import { ADMIN_UID, controllerScenario, type LockerScenario, verifiedCommand } from './controllerHarness';

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2025-03-01T08:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

async function started(scenario: LockerScenario) {
  scenario.controller.start();
  await vi.advanceTimersByTimeAsync(500);
  scenario.clear();
  return scenario;
}

/** Three door openings with no open behind them: SPEC §2's threshold for a lockdown. */
async function forceThreeTimes(scenario: LockerScenario) {
  for (let i = 0; i < 3; i++) {
    scenario.hal.setDoor('open');
    await vi.advanceTimersByTimeAsync(1_000);
    scenario.hal.setDoor('closed');
    await vi.advanceTimersByTimeAsync(1_000);
  }
}

describe('OpenRateLimiter (SPEC §2 anti-spam: at most 5 opens per rolling minute)', () => {
  it('allows 5 opens in a minute, refuses the 6th, and frees a slot exactly 60 s after the oldest', () => {
    const limiter = new OpenRateLimiter(5, 60_000);
    const t0 = 1_000_000;
    for (let i = 0; i < 5; i++) {
      expect(limiter.allows(t0 + i * 1_000)).toBe(true);
      limiter.record(t0 + i * 1_000);
    }
    expect(limiter.allows(t0 + 59_999)).toBe(false);
    expect(limiter.allows(t0 + 60_000)).toBe(true);
  });

  it('is a rolling window, not a fixed minute', () => {
    const limiter = new OpenRateLimiter(5, 60_000);
    for (const at of [0, 50_000, 51_000, 52_000, 53_000]) limiter.record(at);
    // At 61 s the open at 0 s has left the window, the four of 50–53 s have not.
    expect(limiter.allows(61_000)).toBe(true);
    limiter.record(61_000);
    expect(limiter.allows(62_000)).toBe(false);
    expect(limiter.allows(110_001)).toBe(true);
  });
});

describe('open refusals, each reported (SPEC §2)', () => {
  it('refuses the 6th remote open within a minute as rate_limited, with an open_refused event', async () => {
    const { hal, controller, eventsOf } = await started(controllerScenario());
    for (let i = 0; i < 5; i++) {
      expect(controller.execute(verifiedCommand('open'))).toEqual({ outcome: 'accepted' });
      await vi.advanceTimersByTimeAsync(5_000);
    }
    const sixth = verifiedCommand('open');

    expect(controller.execute(sixth)).toEqual({ outcome: 'refused', reason: 'rate_limited' });

    expect(hal.relayActivations).toBe(5);
    expect(eventsOf('open_refused')).toMatchObject([{ commandId: sixth.id, reason: 'rate_limited' }]);
    // 60 s after the first open, one slot is free again.
    await vi.advanceTimersByTimeAsync(60_000 - 25_000);
    expect(controller.execute(verifiedCommand('open'))).toEqual({ outcome: 'accepted' });
  });

  it('takes the limit from the configuration', async () => {
    const { controller } = await started(controllerScenario(undefined, { rules: { antiSpamMaxOpens: 2 } }));
    controller.execute(verifiedCommand('open'));
    await vi.advanceTimersByTimeAsync(5_000);
    controller.execute(verifiedCommand('open'));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(controller.execute(verifiedCommand('open'))).toEqual({ outcome: 'refused', reason: 'rate_limited' });
  });

  it('refuses every remote open during lockdown (SPEC §8), reported as lockdown, relay untouched', async () => {
    const scenario = await started(controllerScenario());
    await forceThreeTimes(scenario);
    const { hal, controller, eventsOf } = scenario;
    const command = verifiedCommand('open');

    expect(controller.execute(command)).toEqual({ outcome: 'refused', reason: 'lockdown' });

    expect(hal.relayActivations).toBe(0);
    expect(eventsOf('open_refused')).toMatchObject([{ commandId: command.id, reason: 'lockdown' }]);
  });

  it('lets an administrator badge open even past the anti-spam limit', async () => {
    const { hal, controller, eventsOf } = await started(controllerScenario());
    for (let i = 0; i < 5; i++) {
      controller.execute(verifiedCommand('open'));
      await vi.advanceTimersByTimeAsync(5_000);
    }

    hal.presentBadge(ADMIN_UID);

    expect(hal.relayEnergised).toBe(true);
    expect(hal.relayActivations).toBe(6);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(eventsOf('open_result').at(-1)).toMatchObject({ commandId: null, result: 'open_not_confirmed' });
    expect(eventsOf('open_refused')).toEqual([]);
  });
});
