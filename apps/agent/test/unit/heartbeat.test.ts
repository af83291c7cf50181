import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChannelPayload } from '@smartlocker/protocol';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PersistentCounters } from '../../src/DeviceCounters';
import { DeviceEnvelopeFactory } from '../../src/DeviceEnvelope';
import { HeartbeatPublisher } from '../../src/HeartbeatPublisher';
import { controllerScenario, LOCKER_ID, verifiedCommand } from './controllerHarness';

const logger = pino({ level: 'silent' });
const T0 = new Date('2025-03-01T08:00:00Z').getTime();
const dirs: string[] = [];
function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-heartbeat-'));
  dirs.push(dir);
  return dir;
}

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function heartbeatScenario(live = { value: true }) {
  const counters = PersistentCounters.inMemory();
  const beats: ChannelPayload['heartbeat'][] = [];
  let seq = 0;
  const heartbeat = new HeartbeatPublisher({
    everyMs: 30_000,
    firmware: 'smartlocker-agent 0.1.0',
    bootTime: T0,
    now: Date.now,
    counters: () => counters.values,
    lastStateSeq: () => 7,
    envelopes: new DeviceEnvelopeFactory(LOCKER_ID, { next: () => ++seq }, Date.now),
    isLive: () => live.value,
    publish: (outbound) => {
      if (outbound.channel === 'heartbeat') beats.push(outbound.message);
    },
  });
  heartbeat.start();
  return { heartbeat, beats, counters, live };
}

describe('heartbeat (SPEC §2: every 30 s, uptime, firmware and counters)', () => {
  it('beats every 30 s with the uptime and the firmware version', async () => {
    const { beats, heartbeat } = heartbeatScenario();
    await vi.advanceTimersByTimeAsync(29_999);
    expect(beats).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(beats.map((b) => b.uptimeS)).toEqual([30, 60, 90]);
    expect(beats[0]).toMatchObject({ firmware: 'smartlocker-agent 0.1.0', lockerId: LOCKER_ID, stateSeq: 7 });
    heartbeat.stop();
  });

  it('carries the counters as they are at each beat', async () => {
    const { beats, counters, heartbeat } = heartbeatScenario();
    counters.increment('opens', 'relayCycles');
    counters.increment('alerts');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(beats[0]?.counters).toEqual({ opens: 1, relayCycles: 1, alerts: 1 });
    heartbeat.stop();
  });

  it('stays silent while offline rather than queueing stale beats', async () => {
    const live = { value: false };
    const { beats, heartbeat } = heartbeatScenario(live);
    await vi.advanceTimersByTimeAsync(90_000);
    expect(beats).toEqual([]);
    live.value = true;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(beats.map((b) => b.uptimeS)).toEqual([120]);
    heartbeat.stop();
  });
});

describe('device counters (opens, relay cycles, alerts) survive a restart', () => {
  it('counts opens, relay cycles and alerts on disk and continues after a restart', async () => {
    const dir = stateDir();
    const first = controllerScenario(undefined, { stateDir: dir });
    first.controller.start();
    first.controller.execute(verifiedCommand('open'));
    await vi.advanceTimersByTimeAsync(20_000);
    first.hal.setDoor('open');
    await vi.advanceTimersByTimeAsync(100);
    expect(first.controller.counters).toEqual({ opens: 1, relayCycles: 1, alerts: 1 });
    await first.controller.stop();

    const second = controllerScenario(undefined, { stateDir: dir });
    expect(second.controller.counters).toEqual({ opens: 1, relayCycles: 1, alerts: 1 });
    second.controller.start();
    await vi.advanceTimersByTimeAsync(100);
    second.controller.execute(verifiedCommand('open'));
    expect(second.controller.counters).toEqual({ opens: 2, relayCycles: 2, alerts: 1 });
    expect(PersistentCounters.open(dir, logger).values).toEqual({ opens: 2, relayCycles: 2, alerts: 1 });
    await second.controller.stop();
  });
});
