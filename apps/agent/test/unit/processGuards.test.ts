import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunningAgent } from '../../src/Agent';
import { SimulatedHal } from '../../src/hal/SimulatedHal';
import { installProcessGuards } from '../../src/processGuards';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** An agent whose relay is energised (mid-pulse) and whose stop() the test controls. */
function guarded(stop: () => Promise<void>) {
  const hal = new SimulatedHal();
  hal.setRelay(true);
  const agent = { hal, stop: vi.fn(stop) } as unknown as RunningAgent<SimulatedHal>;
  const fakeProcess = new EventEmitter();
  const exit = vi.fn<(code: number) => void>();
  const remove = installProcessGuards(agent, {
    logger: pino({ level: 'silent' }),
    exit,
    process: fakeProcess as unknown as NodeJS.Process,
  });
  return { hal, agent, fakeProcess, exit, remove };
}

describe('process guards (SPEC §2: the relay is released on SIGTERM/SIGINT and on any failure)', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('%s stops the agent cleanly, then exits 0', async (signal) => {
    const { hal, agent, fakeProcess, exit } = guarded(async () => {
      hal.setRelay(false);
    });
    fakeProcess.emit(signal, signal);
    await vi.advanceTimersByTimeAsync(0);
    expect(agent.stop).toHaveBeenCalledOnce();
    expect(hal.relayEnergised).toBe(false);
    expect(exit).toHaveBeenCalledWith(0);
  });

  it('a second signal while stopping releases the relay at once and exits 1', async () => {
    const { hal, fakeProcess, exit } = guarded(() => new Promise<void>(() => {}));
    fakeProcess.emit('SIGTERM', 'SIGTERM');
    expect(hal.relayEnergised).toBe(true);
    fakeProcess.emit('SIGINT', 'SIGINT');
    expect(hal.relayEnergised).toBe(false);
    expect(exit).toHaveBeenCalledWith(1);
  });

  it('a stop that hangs for 10 s (a dead broker) is cut short: relay released, exit 1', async () => {
    const { hal, fakeProcess, exit } = guarded(() => new Promise<void>(() => {}));
    fakeProcess.emit('SIGTERM', 'SIGTERM');
    await vi.advanceTimersByTimeAsync(9_999);
    expect(exit).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(hal.relayEnergised).toBe(false);
    expect(exit).toHaveBeenCalledWith(1);
  });

  it('a stop that fails still releases the relay', async () => {
    const { hal, fakeProcess, exit } = guarded(async () => {
      throw new Error('broker hung up');
    });
    fakeProcess.emit('SIGTERM', 'SIGTERM');
    await vi.advanceTimersByTimeAsync(0);
    expect(hal.relayEnergised).toBe(false);
    expect(exit).toHaveBeenCalledWith(1);
  });

  it.each(['uncaughtException', 'unhandledRejection'] as const)(
    'an %s releases the relay before the process dies',
    (event) => {
      const { hal, fakeProcess, exit } = guarded(async () => {});
      fakeProcess.emit(event, new Error('bug'));
      expect(hal.relayEnergised).toBe(false);
      expect(exit).toHaveBeenCalledWith(1);
    },
  );

  it('can be removed', () => {
    const { fakeProcess, remove } = guarded(async () => {});
    remove();
    expect(fakeProcess.listenerCount('SIGTERM')).toBe(0);
    expect(fakeProcess.listenerCount('uncaughtException')).toBe(0);
  });
});
