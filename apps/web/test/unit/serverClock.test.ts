import { describe, expect, it } from 'vitest';
import { clockOffsetMs, ServerClock, withServerTime } from '../../src/api/serverClock';

describe('server clock', () => {
  it('assumes the server read its clock halfway through the round trip', () => {
    // Sent at 1 000, answered at 1 400: the server said 10 000 at browser time 1 200.
    expect(clockOffsetMs(new Date(10_000).toISOString(), 1_000, 1_400)).toBe(8_800);
  });

  it('ignores unreadable instants and round trips that went backwards', () => {
    expect(clockOffsetMs('not a date', 1_000, 1_400)).toBeNull();
    expect(clockOffsetMs(new Date(10_000).toISOString(), 1_400, 1_000)).toBeNull();
  });

  it("reads the server's time on the browser's clock, the latest sample winning", () => {
    let browser = 1_000;
    const clock = new ServerClock(() => browser);
    expect(clock.now()).toBe(1_000);

    clock.observe('2030-01-01T00:00:00.000Z', 1_000, 1_000);
    browser = 61_000;
    expect(new Date(clock.now()).toISOString()).toBe('2030-01-01T00:01:00.000Z');

    // The server's clock was moved back by a test: the jump shows at once.
    clock.observe('2029-06-01T12:00:00.000Z', 61_000, 61_000);
    expect(new Date(clock.now()).toISOString()).toBe('2029-06-01T12:00:00.000Z');
  });

  it('keeps its offset when an answer has no readable `now`, and tells listeners of a change', () => {
    const clock = new ServerClock(() => 0);
    let changes = 0;
    const unsubscribe = clock.subscribe(() => {
      changes += 1;
    });
    clock.observe(undefined, 0, 0);
    clock.observe('garbage', 0, 0);
    expect(changes).toBe(0);
    clock.observe(new Date(5_000).toISOString(), 0, 0);
    clock.observe(new Date(5_000).toISOString(), 0, 0);
    expect(changes).toBe(1);
    expect(clock.offsetMs).toBe(5_000);
    unsubscribe();
    clock.observe(new Date(9_000).toISOString(), 0, 0);
    expect(changes).toBe(1);
  });

  it('samples the clock from an API answer', async () => {
    const times = [100, 300];
    const browserNow = () => times.shift() ?? 300;
    const clock = new ServerClock(() => 300);
    const answer = await withServerTime(
      async () => ({ now: new Date(10_200).toISOString(), value: 1 }),
      clock,
      browserNow,
    );
    expect(answer.value).toBe(1);
    expect(clock.offsetMs).toBe(10_000);
  });
});
