import { describe, expect, it } from 'vitest';
import { AgentConfig } from '../../src/config';
import { ReconnectBackoff } from '../../src/ReconnectBackoff';

const defaults = AgentConfig.parse({
  lockerId: 'LOCKER-B',
  mqtt: { url: 'mqtt://localhost:1883' },
  commandPublicKeyPem: 'x',
  stateDir: '/tmp/x',
  hal: { driver: 'simulator' },
}).mqtt.reconnect;

describe('ReconnectBackoff (exponential with jitter)', () => {
  it('defaults to 1 s doubling up to 60 s, ±20 %', () => {
    expect(defaults).toEqual({ initialDelayMs: 1_000, maxDelayMs: 60_000, jitter: 0.2 });
  });

  it('doubles from 1 s and stays at 60 s (no jitter at the midpoint)', () => {
    const backoff = new ReconnectBackoff({ ...defaults, random: () => 0.5 });
    const delays = Array.from({ length: 10 }, () => backoff.next());
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000]);
  });

  it('spreads every delay by at most ±20 %', () => {
    const low = new ReconnectBackoff({ ...defaults, random: () => 0 });
    const high = new ReconnectBackoff({ ...defaults, random: () => 0.999_999 });
    expect([low.next(), low.next()]).toEqual([800, 1_600]);
    expect([high.next(), high.next()]).toEqual([1_200, 2_400]);
    for (let i = 0; i < 20; i++) low.next();
    expect(low.next()).toBe(48_000);
  });

  it('spreads a fleet: 100 lockers losing the broker together do not retry in the same second', () => {
    const firstRetries = Array.from({ length: 100 }, () => new ReconnectBackoff(defaults).next());
    expect(Math.min(...firstRetries)).toBeGreaterThanOrEqual(800);
    expect(Math.max(...firstRetries)).toBeLessThanOrEqual(1_200);
    expect(new Set(firstRetries).size).toBeGreaterThan(50);
  });

  it('starts again from 1 s after a successful connection', () => {
    const backoff = new ReconnectBackoff({ ...defaults, random: () => 0.5 });
    for (let i = 0; i < 5; i++) backoff.next();
    backoff.reset();
    expect(backoff.next()).toBe(1_000);
  });
});
